import Foundation

/// The reference: supervisord, installed with pip into a temporary virtual environment, run
/// beside us with N `sleep` children (startsecs=0), its readiness polled over its Unix-socket
/// XML-RPC by a small Python loop.
final class Supervisord {
    let folder: ScratchFolder
    let python: String
    let supervisord: String
    let supervisorctl: String

    /// Installs supervisor into a fresh venv; nil (the table then says n/a) when PyPI cannot
    /// be reached or pip fails.
    init?(folder: ScratchFolder) {
        self.folder = folder
        let venv = folder.path + "/venv"
        python = venv + "/bin/python"
        supervisord = venv + "/bin/supervisord"
        supervisorctl = venv + "/bin/supervisorctl"
        guard Measure.run("/usr/bin/env", ["python3", "-m", "venv", venv]).status == 0,
              Measure.run(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "supervisor"]).status == 0,
              FileManager.default.isExecutableFile(atPath: supervisord) else { return nil }
        folder.write("ready.py", Self.readinessScript)
    }

    var version: String { Measure.output(supervisord, ["--version"]).trimmingCharacters(in: .whitespacesAndNewlines) }

    /// A config with `count` sleeping children; returns its path.
    func configure(count: Int) -> String {
        let base = folder.path + "/n\(count)"
        try? FileManager.default.createDirectory(atPath: base + "/logs", withIntermediateDirectories: true)
        folder.write("n\(count)/supervisord.conf", """
            [unix_http_server]
            file=\(base)/supervisor.sock
            [supervisord]
            nodaemon=true
            logfile=\(base)/supervisord.log
            pidfile=\(base)/supervisord.pid
            childlogdir=\(base)/logs
            [rpcinterface:supervisor]
            supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
            [supervisorctl]
            serverurl=unix://\(base)/supervisor.sock
            [program:sleeper]
            command=sleep 100000
            process_name=%(program_name)s_%(process_num)d
            numprocs=\(count)
            startsecs=0
            autorestart=false
            """)
        return base + "/supervisord.conf"
    }

    /// Starts supervisord and waits until all children are RUNNING. Returns the seconds it took
    /// and the PIDs to wait for at shutdown.
    func up(config: String, count: Int) -> (seconds: Double, pids: [Int32])? {
        let socket = (config as NSString).deletingLastPathComponent + "/supervisor.sock"
        let words = Measure.output(python, [folder.path + "/ready.py", supervisord, config, socket, "\(count)"])
            .split(separator: " ").map(String.init)
        guard let seconds = words.first.flatMap(Double.init) else { return nil }
        return (seconds, words.dropFirst().compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
    }

    /// `supervisorctl shutdown`, timed until no process of it is left.
    func shutdown(config: String, pids: [Int32]) -> Double {
        let started = ContinuousClock.now
        Measure.run(supervisorctl, ["-c", config, "shutdown"])
        Measure.waitGone(pids)
        return Measure.seconds(since: started)
    }

    func status(config: String) -> Double {
        Measure.run(supervisorctl, ["-c", config, "status"]).seconds
    }

    /// Times supervisord from its start until every child is RUNNING, asking over its socket
    /// every 2 ms; prints the seconds, supervisord's pid and the children's pids.
    static let readinessScript = """
        import subprocess, sys, time, xmlrpc.client
        from supervisor.xmlrpc import SupervisorTransport
        supervisord, config, socket, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
        started = time.monotonic()
        daemon = subprocess.Popen([supervisord, "-c", config], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True)
        info = []
        while time.monotonic() - started < 120:
            try:
                # A new proxy each time: one that failed (socket not there yet) stays broken.
                transport = SupervisorTransport(None, None, "unix://" + socket)
                info = xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport).supervisor.getAllProcessInfo()
                if len(info) == count and all(i["statename"] == "RUNNING" for i in info):
                    break
            except Exception:
                pass
            time.sleep(0.002)
        print(time.monotonic() - started, daemon.pid, " ".join(str(i["pid"]) for i in info))
        """
}

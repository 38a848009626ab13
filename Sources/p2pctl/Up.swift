import Control
import CSystemShims
import Foundation
import NetworkConfig
import NodeRuntime
import System
import Supervisor

/// `up`: checks the config and what is already running, then either becomes the supervisor
/// here (foreground, streaming every process's lines) or starts one in its own session and
/// waits for its report (`-d`).
func up(_ context: Context, detach: Bool, timeout: Double) -> Never {
    let config = context.loadConfig()
    _ = context.secret(file: config.registry.secretFile)   // a bad $P2P_SECRET stops here, before anything starts
    if let running = context.state.runningSupervisor() {
        let answer = context.ask(.hello)
        guard case .hello(let hello)? = answer else {
            if case .failure(let failure)? = answer { context.fail(.failure(failure)) }
            Log.error(Context.program, "a supervisor (pid \(running)) holds state dir \(context.state.path) but does not answer; run p2pctl down first, or use another --state-dir")
            exit(ExitCode.failure)
        }
        if hello.configDigest == digest(of: config) {
            Log.answer("already up (supervisor pid \(running), config \(hello.config))")
            exit(ExitCode.success)
        }
        Log.error(Context.program, "another network (config \(hello.config)) is up with state dir \(context.state.path); run p2pctl down first, or use another --state-dir")
        exit(ExitCode.failure)
    }
    context.state.removeStaleFiles()
    for executable in ["p2p-registry", "p2p-peer"] where !FileManager.default.isExecutableFile(atPath: context.binFolder + "/" + executable) {
        Log.error(Context.program, "\(context.binFolder)/\(executable) is missing; build everything with: swift build -c release")
        exit(ExitCode.failure)
    }
    if detach { startDetached(context, timeout: timeout) }
    supervise(context, config: config, timeout: timeout, report: nil)
}

/// Starts `p2pctl supervise` in a new session with stdin, stdout and stderr on /dev/null, and
/// reads its report from a pipe: "ready" or why not. The pipe's end (EOF) is the event waited
/// for, so a supervisor that dies early is noticed at once.
private func startDetached(_ context: Context, timeout: Double) -> Never {
    var fds: [Int32] = [-1, -1]
    do { try Syscall.call("pipe") { pipe(&fds) } } catch {
        Log.error(Context.program, error.description)
        exit(ExitCode.failure)
    }
    // Close-on-exec on both ends: the child gets the write end only as its descriptor 3.
    _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
    _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
    let arguments = [context.binFolder + "/p2pctl", "--config", context.configPath, "--state-dir", context.state.path,
                     "supervise", "--timeout", "\(timeout)"]
    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    let pid = p2p_spawn_detached(arguments[0], &argv, fds[1])
    let failure = Errno.current   // before close, which may change it
    Syscall.close(fds[1])
    guard pid > 0 else {
        Log.error(Context.program, "cannot start the supervisor: \(failure)")
        exit(ExitCode.failure)
    }
    var report: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while let count = try? Syscall.read(fds[0], into: &buffer), count > 0 {   // until end of file (or an error)
        report += buffer[..<count]
    }
    let text = String(decoding: report, as: UTF8.self)
    if text.hasPrefix("ready") {
        Log.answer(String(text.dropFirst("ready".count)).trimmingCharacters(in: .whitespacesAndNewlines))
        exit(ExitCode.success)
    }
    Log.error(Context.program, text.isEmpty ? "the supervisor (pid \(pid)) exited before it was ready; see \(context.state.logs)/supervisor.log" : text)
    exit(ExitCode.failure)
}

/// Runs the network in this process until `down`, Ctrl-C or SIGTERM. `report` is the
/// descriptor a detached start waits on; nil in the foreground, where lines are echoed.
func supervise(_ context: Context, config: NetworkConfig, timeout: Double, report: Int32?) -> Never {
    // Before any thread exists: the signals are taken by sigwait on a thread of ours, and
    // writing to a child that has gone must be an error, not the end of the supervisor.
    let signals = SignalWaiter(SIGINT, SIGTERM, SIGHUP)
    Syscall.ignoreSIGPIPE()
    // Two descriptors per child, and control connections: a thousand peers pass Debian's soft 1,024.
    DescriptorLimit.raise()
    // The report pipe must not leak into the children: its end of file is what `up -d` waits for.
    if let report { _ = fcntl(report, F_SETFD, FD_CLOEXEC) }
    func say(_ text: String, success: Bool) {
        if let report {
            let bytes = Array(((success ? "ready " : "") + text + "\n").utf8)
            _ = try? Syscall.writeAll(report, bytes)
        } else if success {
            Log.answer(context.paint(text, "1"))
        } else {
            Log.error(Context.program, text)
        }
    }
    let lock: StateLock?
    do { lock = try StateLock(context.state) } catch {
        let reason = (error as? SystemError)?.description ?? error.localizedDescription
        say("cannot use state dir \(context.state.path): \(reason)", success: false)
        exit(ExitCode.failure)
    }
    guard let lock else {
        say("another supervisor took state dir \(context.state.path) just now", success: false)
        exit(ExitCode.failure)
    }
    let supervisor: Supervisor
    do { supervisor = try Supervisor(config: config, directory: context.state, binFolder: context.binFolder) } catch {
        lock.release()
        say("cannot start supervising: \(error)", success: false)
        exit(ExitCode.failure)
    }
    if report == nil { supervisor.echo(LinePrinter(context: context, names: ["registry"] + config.peers.map(\.name)).print) }
    let finished = Protected(false)
    let control: ControlServer
    do {
        control = try ControlServer(supervisor: supervisor, configDigest: digest(of: config)) {
            finished.withLock(notify: true) { $0 = true }
        }
    } catch {
        lock.release()
        say("cannot open the control socket \(context.state.socketPath): \(error)", success: false)
        exit(ExitCode.failure)
    }
    Threads.detach(name: "signals") {
        let signal = signals.wait()
        supervisor.note("\(signalName(signal)) received")
        finished.withLock(notify: true) { $0 = true }
    }
    do {
        try supervisor.start(timeout: timeout)
    } catch {
        control.close()
        lock.release()
        say(error.description, success: false)
        exit(ExitCode.failure)
    }
    let ports = supervisor.statuses().first?.port.map { "registry on port \($0), " } ?? ""
    say("network up: \(ports)\(config.peers.count) peer\(config.peers.count == 1 ? "" : "s") joined and linked (state dir \(context.state.path))",
        success: true)
    if let report { close(report) }
    _ = finished.wait(until: .never) { $0 ? true : nil }
    let killed = supervisor.stopAll(grace: 10)
    if !killed.isEmpty { supervisor.note("had to kill: \(killed.joined(separator: ", "))") }
    control.close()
    lock.release()
    if report == nil { Log.answer("network stopped") }
    exit(ExitCode.success)
}

/// The foreground stream: whole lines, each prefixed with its process's name, coloured on a
/// terminal (never when piped or with NO_COLOR).
struct LinePrinter: Sendable {
    let colour: Bool
    let width: Int
    static let palette = ["36", "32", "33", "35", "34", "31", "96", "92", "93", "95", "94"]
    let colours: [String: String]

    init(context: Context, names: [String]) {
        colour = context.colour
        width = max((names + ["supervisor"]).map(\.count).max() ?? 0, 8)
        var colours: [String: String] = [:]
        for (index, name) in names.enumerated() { colours[name] = Self.palette[index % Self.palette.count] }
        self.colours = colours
    }

    func print(_ line: LogLine) {
        let label = line.name + String(repeating: " ", count: max(0, width - line.name.count)) + " | "
        let prefix = colour ? "\u{1B}[\(colours[line.name] ?? "2")m\(label)\u{1B}[0m" : label
        Log.answer(prefix + line.line)
    }
}

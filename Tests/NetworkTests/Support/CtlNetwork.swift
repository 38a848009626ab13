import Foundation
import Sockets
import Testing

/// What one `p2pctl` command did, as a user's script sees it.
struct CtlResult {
    /// The exit status; nil when it did not exit within the deadline (it was then killed).
    let status: Int32?
    /// True when it ended by a signal (then `status` is the signal number).
    let signalled: Bool
    let stdout: String
    let stderr: String
    /// Both stdout and stderr reached end of file (so `$(p2pctl ...)` returns).
    let released: Bool

    var output: String { stdout + "\n" + stderr }
    var json: Any? { try? JSONSerialization.jsonObject(with: Data(stdout.utf8)) }
    var object: [String: Any]? { json as? [String: Any] }
    var array: [[String: Any]]? { json as? [[String: Any]] }
    var lines: [String] { stdout.split(separator: "\n").map(String.init) }
}

/// Runs `executable` to the end (stdin closed), reading stdout and stderr to end of file;
/// gives up (SIGKILL by PID) after `seconds`.
func runCommand(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                directory: String? = nil, seconds: Double = 120) throws -> CtlResult {
    let command = try Spawned(executable, arguments, directory: directory, environment: environment)
    try command.closeInput()
    let status = command.waitForExit(seconds: seconds)
    if status == nil { command.signal(SIGKILL) }
    return CtlResult(status: status, signalled: command.wasSignalled.snapshot,
                     stdout: command.stdout.snapshot.joined(separator: "\n"),
                     stderr: command.stderr.snapshot.joined(separator: "\n"), released: command.released)
}

/// A network run by `p2pctl` on a temporary config (registry port 0) and a state dir of its
/// own, with peers' folders in the temporary folder. Everything it started is ended by PID.
final class CtlNetwork {
    let folder: TemporaryFolder
    let configPath: String
    let stateDir: String
    /// The folder whose `p2pctl` is run (the build folder, or a test's own bin folder).
    let bin: String
    /// The peers' files, by peer name.
    let files: [String: [String: [UInt8]]]
    /// Every process seen (PID -> its start time, so a recycled PID is not taken for it): from
    /// `status --json`, `supervisor.pid` and the process table.
    private(set) var seen: [Int32: UInt64] = [:]
    var seenPids: Set<Int32> { Set(seen.keys) }
    /// The supervisors seen (a network may be brought up more than once).
    private(set) var supervisors = Set<Int32>()
    private var torn = false

    static let blob = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ $0 >> 7) }
    static let standardFiles: [String: [String: [UInt8]]] = [
        "s1": ["f1.txt": Array("one line from s1\n".utf8)],
        "s2": ["f2.txt": Array("s2 has this\n".utf8), "blob.bin": blob],
        "s3": ["f3.txt": Array("third\n".utf8), "notes.md": Array("# notes\n".utf8)],
    ]

    init(files: [String: [String: [UInt8]]] = CtlNetwork.standardFiles, bin: String = binFolder, stateDir: String? = nil,
         folder: TemporaryFolder? = nil, configure: (inout [String: Any]) -> Void = { _ in }) throws {
        self.folder = try folder ?? TemporaryFolder()
        self.files = files
        self.bin = bin
        self.stateDir = stateDir ?? self.folder.path + "/state"
        configPath = self.folder.path + "/network.json"
        for (peer, contents) in files {
            _ = try self.folder.folder(peer)
            for (name, bytes) in contents { try self.folder.write("\(peer)/\(name)", bytes) }
        }
        var config: [String: Any] = [
            "registry": ["port": 0, "referral": "chain"] as [String: Any],
            "network": ["queryTimeout": 3] as [String: Any],
            "peers": files.keys.sorted().map { ["name": $0, "dir": $0] },
        ]
        configure(&config)
        try writeConfig(config, to: configPath)
    }

    deinit { tearDown() }

    var peerNames: [String] { files.keys.sorted() }
    var ctlPath: String { bin + "/p2pctl" }
    var pidFile: String { stateDir + "/supervisor.pid" }
    func downloads(_ peer: String) -> String { folder.path + "/\(peer)/Downloads" }

    func writeConfig(_ config: [String: Any], to path: String) throws {
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: path))
    }

    /// `p2pctl -c CONFIG --state-dir STATE ARGS...`.
    @discardableResult
    func ctl(_ arguments: [String], config: String? = nil, environment: [String: String] = [:], seconds: Double = 120) -> CtlResult {
        let result = (try? runCommand(ctlPath, ["-c", config ?? configPath, "--state-dir", stateDir] + arguments,
                                      environment: environment, seconds: seconds))
            ?? CtlResult(status: nil, signalled: false, stdout: "", stderr: "could not run \(ctlPath)", released: false)
        if arguments.first != "down" { notePids() }
        return result
    }

    /// `up -d`; the test cannot go on without it.
    @discardableResult
    func up(_ extra: [String] = []) throws -> CtlResult {
        let result = ctl(["up", "-d"] + extra)
        try #require(result.status == 0, "up -d failed: \(result.output)")
        notePids()
        return result
    }

    /// `status --json`, or nil when it does not answer with an array.
    func status() -> [[String: Any]]? {
        let result = ctl(["status", "--json"])
        let rows = result.status == 0 ? result.array : nil
        for row in rows ?? [] { if let pid = row["pid"] as? Int { note(Int32(pid)) } }
        return rows
    }

    func row(_ name: String) -> [String: Any]? { status()?.first { $0["name"] as? String == name } }
    func pid(_ name: String) -> Int32? { (row(name)?["pid"] as? Int).map(Int32.init) }

    var supervisorPid: Int32? {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
        note(pid)
        supervisors.insert(pid)
        return pid
    }

    private func note(_ pid: Int32) {
        if seen[pid] == nil, let start = startTime(pid) { seen[pid] = start }
    }

    /// Records the supervisor and every process it started that is alive now.
    func notePids() {
        _ = supervisorPid
        for pid in ourProcesses() { note(pid) }
    }

    /// True while the process seen with this PID (not a later one with the same PID) is alive.
    func isRunning(_ pid: Int32) -> Bool {
        guard let start = seen[pid] else { return isAlive(pid) }
        return isAlive(pid) && startTime(pid) == start
    }

    /// Live processes of this network: mentioning the temporary folder on their command line, or
    /// started by one of the supervisors seen (P2P_SUPERVISOR_PID in their environment).
    func ourProcesses() -> [Int32] {
        let supervisors = self.supervisors.map { "P2P_SUPERVISOR_PID=\($0)" }
        return processTable().filter { pid, cmdline, environment in
            cmdline.contains(folder.path) || environment.contains { supervisors.contains($0) }
        }.map(\.pid).filter(isAlive)
    }

    /// Seen PIDs (and processes of ours) still alive.
    var leftovers: [Int32] {
        for pid in ourProcesses() { note(pid) }
        return seenPids.filter(isRunning).sorted()
    }

    /// `down`, then SIGKILL by PID whatever of ours is still alive. Safe to call twice.
    func tearDown() {
        guard !torn else { return }
        torn = true
        notePids()
        _ = status()
        _ = ctl(["down"], seconds: 60)
        for pid in leftovers { kill(pid, SIGKILL) }
        _ = eventually(10) { leftovers.isEmpty }
    }

    /// True when `topo --format json` shows every peer of the config in one connected overlay
    /// (links both ends report).
    func isConnected() -> Bool {
        guard let document = ctl(["topo", "--format", "json"]).object,
              let edges = document["edges"] as? [[String]], let start = peerNames.first else { return false }
        var seen: Set<String> = [start]
        var queue = [start]
        while let next = queue.popLast() {
            for edge in edges where edge.contains(next) {
                for other in edge where !seen.contains(other) { seen.insert(other); queue.append(other) }
            }
        }
        return seen == Set(peerNames)
    }

    /// True when every process seen so far has gone.
    func nothingLeft(seconds: Double = 20) -> Bool { eventually(seconds) { leftovers.isEmpty } }
}

/// A process's start time (clock ticks after boot, field 22 of /proc/PID/stat).
func startTime(_ pid: Int32) -> UInt64? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    return fields.count > 19 ? UInt64(fields[19]) : nil
}

/// Every process: its PID, command line (NULs as spaces) and environment entries.
func processTable() -> [(pid: Int32, cmdline: String, environment: [String])] {
    let me = getpid()
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { entry in
        guard let pid = Int32(entry), pid != me,
              let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
        let environment = FileManager.default.contents(atPath: "/proc/\(pid)/environ") ?? Data()
        return (pid, String(decoding: cmdline.map { $0 == 0 ? 32 : $0 }, as: UTF8.self),
                environment.split(separator: 0).map { String(decoding: $0, as: UTF8.self) })
    }
}

/// A bin folder of a test's own: a copy of p2pctl (it finds its siblings through
/// /proc/self/exe, which resolves symlinks), the named executables symlinked, and scripts.
func makeBin(in folder: TemporaryFolder, linking executables: [String], scripts: [String: String] = [:]) throws -> String {
    let bin = try folder.folder("bin")
    try FileManager.default.copyItem(atPath: binFolder + "/p2pctl", toPath: bin + "/p2pctl")
    for name in executables { try FileManager.default.createSymbolicLink(atPath: bin + "/" + name, withDestinationPath: binFolder + "/" + name) }
    for (name, text) in scripts {
        try text.write(toFile: bin + "/" + name, atomically: true, encoding: .utf8)
        chmod(bin + "/" + name, 0o755)
    }
    return bin
}

/// `which dot`: Graphviz on PATH.
var graphvizDot: String? {
    (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/dot" }
        .first { FileManager.default.isExecutableFile(atPath: $0) }
}

extension Dictionary where Key == String, Value == Any {
    func string(_ key: String) -> String? { self[key] as? String }
    func int(_ key: String) -> Int? { self[key] as? Int }
    func bool(_ key: String) -> Bool? { self[key] as? Bool }
    func strings(_ key: String) -> [String]? { self[key] as? [String] }
}

import Admission
import Control
import CSystemShims
import Foundation
import NetworkConfig
import NodeRuntime
import Supervisor

/// `down`: stop everything through the supervisor and return once no process is left.
func down(_ context: Context, grace: Double) -> Never {
    guard let pid = context.state.runningSupervisor() else {
        context.state.removeStaleFiles()
        Log.answer("nothing is running (state dir \(context.state.path))")
        exit(ExitCode.success)
    }
    var before: [ProcessStatus] = []
    if case .status(let rows)? = context.ask(.status) { before = rows }
    switch context.ask(.down(grace: Seconds(grace))) {
    case .down(let killed, _)? where !killed.isEmpty:
        Log.answer("had to kill after the \(formatSeconds(grace)) grace period: \(killed.joined(separator: ", "))")
    case .failure(let failure)?:
        Log.error(Context.program, failure.message)
    default:
        break
    }
    // The supervisor exits once everything has stopped; wait for that (an event, via pidfd).
    if p2p_wait_for_exit(pid, Int32((grace + 20) * 1000)) != 1 {
        kill(pid, SIGKILL)   // it did not answer: its children die with it (PR_SET_PDEATHSIG)
        _ = p2p_wait_for_exit(pid, 5000)
        Log.answer("the supervisor (pid \(pid)) did not stop; killed it")
    }
    for child in before.compactMap(\.pid) where p2p_wait_for_exit(child, 5000) != 1 {
        kill(child, SIGKILL)
    }
    context.state.removeStaleFiles()
    Log.answer("stopped \(before.count) process\(before.count == 1 ? "" : "es") and the supervisor")
    exit(ExitCode.success)
}

func status(_ context: Context, json: Bool) -> Never {
    let response = context.askRunning(.status)
    guard case .status(let rows) = response else { context.fail(response) }
    if json { printJSON(rows); exit(ExitCode.success) }
    let header = ["NAME", "ROLE", "PID", "PORT", "STATE", "UPTIME", "RESTARTS", "NEIGHBOURS", "FILES"]
    let table = rows.map { row -> [String] in
        [row.name, row.role.rawValue, row.pid.map(String.init) ?? "-", row.port.map(String.init) ?? "-",
         row.state.rawValue, row.uptime.map(formatUptime) ?? "-", "\(row.restarts)",
         row.role == .peer ? (row.neighbours.isEmpty ? "-" : row.neighbours.joined(separator: ","))
             : row.members.map { "\($0.count) member\($0.count == 1 ? "" : "s")" } ?? "",
         row.files.map(String.init) ?? ""]
    }
    Log.answer(render(header: header, rows: table) { column, value in
        guard column == 4 else { return value }
        let code = ["running": "32", "starting": "33", "restarting": "33", "failed": "31"][value.trimmingCharacters(in: .whitespaces)] ?? "2"
        return context.paint(value, code)
    })
    exit(ExitCode.success)
}

func send(_ context: Context, peer: String, words: [String], json: Bool, timeout: Double, search: SearchStrategy?) -> Never {
    let bar = ProgressBar(enabled: !json && isatty(STDERR_FILENO) == 1)
    // Parsed here, once, by the parser the peer's own console uses; the peer gets the command.
    var command = PeerCommand(words: words.joined(separator: " "))
    if let search {
        guard case .download(var request) = command else {
            Log.error(Context.program, "--search is for downloads; '\(words.joined(separator: " "))' is not one")
            exit(ExitCode.usage)
        }
        request.search = search
        command = .download(request)
    }
    let response = context.askRunning(.send(peer: peer, command: command, timeout: Seconds(timeout))) { update in
        if case .progress(let step) = update { bar.show(step) }
    }
    bar.finish()
    guard case .answer(let answer) = response else {
        guard case .failure(let failure) = response else { context.fail(response) }
        if json { printJSON(SendDocument(failure: failure.message)) }
        else { Log.error(Context.program, failure.message) }
        exit(failure.exitCode)
    }
    if json {
        printJSON(SendDocument(answer))
    } else if answer.ok {
        if !answer.text.isEmpty { Log.answer(answer.text) }
    } else {
        Log.error(Context.program, answer.text)
    }
    exit(answer.ok ? ExitCode.success : ExitCode.failure)
}

/// What `send --json` prints (see README): a download's fields; `ok` with the topology's
/// fields for TOPO, with `files` for ls, with `text` for help; `ok` and `error` otherwise.
struct SendDocument: Encodable {
    var ok: Bool
    var error: String?
    var download: DownloadReport?
    var topology: TopologyDocument?
    var files: [SharedFile]?
    var text: String?

    init(_ answer: PeerAnswer) {
        ok = answer.ok
        error = answer.error
        switch answer {
        case .download(let report): download = report
        case .topology(let document): topology = document
        case .files(let list): files = list
        case .help: text = answer.text
        case .stopping, .nothing, .refused: break
        }
    }

    init(failure: String) {
        ok = false
        error = failure
    }

    func encode(to encoder: any Encoder) throws {
        if let download { return try download.encode(to: encoder) }
        if let topology { try topology.encode(to: encoder) }
        enum Keys: String, CodingKey { case ok, error, files, text }
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(ok, forKey: .ok)
        try container.encodeIfPresent(error, forKey: .error)
        try container.encodeIfPresent(files, forKey: .files)
        try container.encodeIfPresent(text, forKey: .text)
    }
}

func topo(_ context: Context, format: String) -> Never {
    guard ["text", "json", "dot", "svg"].contains(format) else {
        Log.error(Context.program, "--format must be text, json, dot or svg, not '\(format)'")
        exit(ExitCode.usage)
    }
    let response = context.askRunning(.topology)
    guard case .topology(let topology) = response else { context.fail(response) }
    switch format {
    case "json": printJSON(topology)
    case "dot": Log.answer(topology.dot)
    case "svg": Log.answer(renderSVG(topology.dot))
    default: Log.answer(topology.text)
    }
    exit(ExitCode.success)
}

/// Graphviz's `dot`, when installed.
func renderSVG(_ dot: String) -> String {
    let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        .map { "\($0)/dot" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    guard let path else {
        Log.error(Context.program, "--format svg needs Graphviz's dot (apt-get install graphviz); --format dot prints its input")
        exit(ExitCode.failure)
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = ["-Tsvg"]
    let input = Pipe(), output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    do { try process.run() } catch {
        Log.error(Context.program, "cannot run \(path): \(error.localizedDescription)")
        exit(ExitCode.failure)
    }
    try? input.fileHandleForWriting.write(contentsOf: Data(dot.utf8))
    try? input.fileHandleForWriting.close()
    let svg = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        Log.error(Context.program, "dot failed with status \(process.terminationStatus)")
        exit(ExitCode.failure)
    }
    return String(decoding: svg, as: UTF8.self)
}

func files(_ context: Context, peers: [String], json: Bool) -> Never {
    let response = context.askRunning(.files(peers: peers))
    guard case .files(let lists) = response else { context.fail(response) }
    if json { printJSON(lists); exit(ExitCode.success) }
    var rows: [[String]] = []
    for list in lists {
        if let error = list.error { rows.append([list.peer, "(\(error))", "", ""]) }
        for file in list.files { rows.append([list.peer, file.name, "\(file.size)", file.sha256]) }
        if list.files.isEmpty && list.error == nil { rows.append([list.peer, "(no files)", "", ""]) }
    }
    Log.answer(render(header: ["PEER", "FILE", "SIZE", "SHA-256"], rows: rows))
    exit(ExitCode.success)
}

func restart(_ context: Context, name: String) -> Never {
    let response = context.askRunning(.restart(name: name))
    guard response == .done else { context.fail(response) }
    Log.answer("restarted \(name)")
    exit(ExitCode.success)
}

func killProcess(_ context: Context, name: String, signal: String?) -> Never {
    guard let number = signalNumber(signal ?? "KILL") else {
        Log.error(Context.program, "unknown signal '\(signal ?? "")'; use a name like KILL, TERM, INT, HUP, STOP, CONT or a number")
        exit(ExitCode.usage)
    }
    let response = context.askRunning(.kill(name: name, signal: number))
    guard response == .done else { context.fail(response) }
    Log.answer("sent \(signal?.uppercased() ?? "KILL") to \(name)")
    exit(ExitCode.success)
}

func signalNumber(_ text: String) -> Int32? {
    if let number = Int32(text), number > 0, number < 65 { return number }
    let name = text.uppercased().hasPrefix("SIG") ? String(text.uppercased().dropFirst(3)) : text.uppercased()
    let known: [String: Int32] = ["KILL": SIGKILL, "TERM": SIGTERM, "INT": SIGINT, "HUP": SIGHUP, "QUIT": SIGQUIT,
                                  "STOP": SIGSTOP, "CONT": SIGCONT, "USR1": SIGUSR1, "USR2": SIGUSR2, "ABRT": SIGABRT, "SEGV": SIGSEGV]
    return known[name]
}

func validate(_ context: Context) -> Never {
    let config = context.loadConfig()
    let secret = context.secret(file: config.registry.secretFile) == nil ? "no shared secret"
        : "a shared secret from \(config.registry.secretFile ?? "$" + SharedSecret.environmentVariable)"
    Log.answer("\(context.configPath) is valid: the registry on \(config.registry.host):\(config.registry.port), \(config.peers.count) peer\(config.peers.count == 1 ? "" : "s") (\(config.peers.map(\.name).joined(separator: ", "))), \(secret)")
    exit(ExitCode.success)
}

/// `token`: what HTTP clients send to a network with a shared secret. Works without a config
/// file too, for peers run by hand with `$P2P_SECRET`.
func token(_ context: Context) -> Never {
    let file = FileManager.default.fileExists(atPath: context.configPath) ? context.loadConfig().registry.secretFile : nil
    guard let secret = context.secret(file: file) else {
        Log.error(Context.program, "this network has no shared secret (registry.secretFile or $\(SharedSecret.environmentVariable)): its HTTP needs no token")
        exit(ExitCode.failure)
    }
    Log.answer(secret.httpToken)
    exit(ExitCode.success)
}

// MARK: Output helpers

func printJSON<T: Encodable>(_ value: T) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    Log.answer(String(decoding: (try? encoder.encode(value)) ?? Data("{}".utf8), as: UTF8.self))
}

/// Columns padded to their widest cell; `style` may colour a cell after padding.
func render(header: [String], rows: [[String]], style: (Int, String) -> String = { $1 }) -> String {
    let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
    func line(_ cells: [String], styled: Bool) -> String {
        cells.enumerated().map { column, cell in
            let padded = column == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
            return styled ? style(column, padded) : padded
        }.joined(separator: "  ")
    }
    return ([line(header, styled: false)] + rows.map { line($0, styled: true) }).joined(separator: "\n")
}

func formatUptime(_ seconds: Double) -> String {
    let whole = Int(seconds)
    if whole < 60 { return "\(whole)s" }
    if whole < 3600 { return "\(whole / 60)m\(whole % 60)s" }
    return "\(whole / 3600)h\(whole % 3600 / 60)m"
}

/// A one-line progress bar on stderr for large downloads (a terminal only).
final class ProgressBar {
    let enabled: Bool
    private var shown = false
    init(enabled: Bool) { self.enabled = enabled }

    func show(_ step: TransferProgress) {
        guard enabled, step.total > 0 else { return }
        let fraction = Double(step.bytes) / Double(step.total)
        let filled = Int(fraction * 30)
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: 30 - filled)
        let text = "\r[\(bar)] \(Int(fraction * 100))% \(step.bytes / 1_048_576)/\(step.total / 1_048_576) MiB"
        FileHandle.standardError.write(Data(text.utf8))
        shown = true
    }

    func finish() {
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

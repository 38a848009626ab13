#if canImport(Glibc)
import Glibc
#endif
import Admission
import Control
import NodeRuntime
import Peer
import System
import Wire

let spec = CommandSpec(
    name: "p2p-peer",
    summary: "one peer of the network: joins through the registry, shares a folder, downloads by query",
    synopsis: "p2p-peer --name s1 --dir Peers/s1 --registry 127.0.0.1:7000 [--flag P2P]",
    options: [
        .init("name", value: "NAME", help: "this peer's name: 1-32 letters, digits, '-' or '_' (asked for on a terminal)"),
        .init("dir", value: "FOLDER", help: "the shared folder; downloads go to its Downloads/ (default Peers/NAME)"),
        .init("registry", value: "HOST:PORT", help: "the registry's address (default 127.0.0.1:7000)"),
        .init("flag", value: "FLAG", help: "the join flag (default P2P; asked for on a terminal without --name)"),
        .init("host", value: "ADDRESS", help: "address to bind and advertise (default: the registry's host)"),
        .init("ttl", value: "N", help: "hops a query may travel, 1-\(PeerConfiguration.maxTTL) (default 7)"),
        .init("neighbours", value: "N", help: "links to keep at least; lost ones are replaced (default 3)"),
        .init("max-links", value: "N", help: "links to take at most; more are refused (default 12)"),
        .init("query-timeout", value: "SECONDS", help: "how long a search waits for a holder (default 5)"),
        .init("search", value: "STRATEGY", help: "how to look for a file: flood, ring or walk (default \(SearchStrategy.standard.rawValue))"),
        .init("share-downloads", help: "serve the files in Downloads/ too"),
        .init("secret-file", value: "FILE", help: "the network's shared secret (mode 600; else $P2P_SECRET; never on a command line)"),
        .init("supervised", help: "run under p2pctl: exit when stdin closes"),
    ],
    epilogue: PeerCommand.helpText)

let arguments = spec.parseOrExit()
let supervised = arguments.has("supervised")
if supervised { becomeSupervisedChild() }
Syscall.ignoreSIGPIPE()
// Past a file-size limit (ulimit -f) a download's write then fails with EFBIG, reported as a
// clear error, instead of SIGXFSZ killing the peer.
_ = Glibc.signal(SIGXFSZ, SIG_IGN)
if !arguments.positionals.isEmpty { spec.usageExit("unexpected argument '\(arguments.positionals[0])'") }

/// Asks on the terminal, as the origin did; exits when stdin ends first.
func ask(_ prompt: String) -> String {
    while true {
        Log.answer(prompt)
        guard let line = readLine() else { exit(ExitCode.usage) }
        let answer = line.trimmingSpaces
        if !answer.isEmpty { return answer }
    }
}

let interactive = isatty(STDIN_FILENO) == 1 && arguments.value("name") == nil
var name = arguments.value("name") ?? ""
var flag = arguments.value("flag") ?? "P2P"
if interactive {
    name = ask("Enter server name:")
    while !WireLimits.isValidPeerName(name) {
        name = ask("'\(name)' is not a valid name (1-32 letters, digits, '-' or '_'). Enter server name:")
    }
    if arguments.value("flag") == nil { flag = ask("Enter flag to join the network:") }
}
guard !name.isEmpty else { spec.usageExit("--name is required when stdin is not a terminal") }
guard WireLimits.isValidPeerName(name) else {
    spec.usageExit("invalid name '\(WireLimits.clipped(name, to: 40))': use 1 to 32 letters, digits, '-' or '_', not 'registry'")
}

var configuration = PeerConfiguration(name: name, directory: arguments.value("dir") ?? "Peers/\(name)")
configuration.flag = flag
configuration.shareDownloads = arguments.has("share-downloads")
do {
    if let address = arguments.value("registry") {
        guard let colon = address.lastIndex(of: ":"), let port = UInt16(address[address.index(after: colon)...]), port > 0 else {
            throw UsageError("--registry must be HOST:PORT, such as 127.0.0.1:7000, not '\(address)'")
        }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        configuration.registryHost = host.isEmpty ? "127.0.0.1" : host
        configuration.registryPort = port
    }
    configuration.host = arguments.value("host") ?? configuration.registryHost
    configuration.ttl = try arguments.integer("ttl", default: configuration.ttl, in: 1...PeerConfiguration.maxTTL)
    configuration.neighbours = try arguments.integer("neighbours", default: configuration.neighbours, in: 1...64)
    configuration.maxLinks = try arguments.integer("max-links", default: max(configuration.maxLinks, configuration.neighbours),
                                                   in: configuration.neighbours...256)
    let timeout = try arguments.seconds("query-timeout", default: 5, in: 0.1...600)
    configuration.queryTimeout = .milliseconds(Int64(timeout * 1000))
    if let search = arguments.value("search") {
        guard let strategy = SearchStrategy(rawValue: search.lowercased()) else {
            throw UsageError("--search must be flood, ring or walk, not '\(search)'")
        }
        configuration.search = strategy
    }
    configuration.secret = try arguments.secret()
} catch let error as UsageError {
    spec.usageExit(error.message)
}

let signals = SignalWaiter(SIGINT, SIGTERM)
let peer: PeerNode
do {
    peer = try PeerNode(configuration: configuration)
    try peer.start()
} catch {
    Log.error(spec.name, "\(error)")
    exit(ExitCode.failure)
}

if supervised {
    Threads.detach(name: "supervisor") { serveSupervisor(peer) }
} else {
    Threads.detach(name: "console") { serveConsole(peer) }
}
let signal = signals.wait()
Log.event("\(signalName(signal)): stopping")
peer.stop()
exit(ExitCode.success)

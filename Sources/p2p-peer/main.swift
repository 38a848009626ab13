#if canImport(Glibc)
import Glibc
#endif
import Admission
import Control
import CSystemShims
import NodeRuntime
import Peer
import System
import Wire

// One malloc arena for all of a peer's threads, before any exists: each new arena cost a 64 MiB
// reservation, its first pages and several system calls, per thread, in each of a thousand peers.
_ = p2p_limit_malloc_arenas(1)

let spec = PeerLaunch.commandSpec(epilogue: PeerCommand.helpText)

let arguments = spec.parseOrExit()
let launch: PeerLaunch
do {
    launch = try PeerLaunch(arguments)
} catch {
    spec.usageExit(error.message)
}
let supervised = launch.supervised
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

let interactive = isatty(STDIN_FILENO) == 1 && launch.name == nil
var name = launch.name ?? ""
var flag = launch.flag ?? "P2P"
if interactive {
    name = ask("Enter server name:")
    while !WireLimits.isValidPeerName(name) {
        name = ask("'\(name)' is not a valid name (1-32 letters, digits, '-' or '_'). Enter server name:")
    }
    if launch.flag == nil { flag = ask("Enter flag to join the network:") }
}
guard !name.isEmpty else { spec.usageExit("--name is required when stdin is not a terminal") }
guard WireLimits.isValidPeerName(name) else {
    spec.usageExit("invalid name '\(WireLimits.clipped(name, to: 40))': use 1 to 32 letters, digits, '-' or '_', not 'registry'")
}

var configuration = PeerConfiguration(name: name, directory: launch.directory ?? "Peers/\(name)")
configuration.flag = flag
configuration.shareDownloads = launch.shareDownloads
if let registry = launch.registry {
    configuration.registryHost = registry.host
    configuration.registryPort = registry.port
}
configuration.host = launch.host ?? configuration.registryHost
configuration.ttl = launch.ttl.map(UInt8.init) ?? configuration.ttl
do {
    (configuration.neighbours, configuration.maxLinks) = try linkBounds(
        neighbours: launch.neighbours, maxLinks: launch.maxLinks, defaults: (configuration.neighbours, configuration.maxLinks))
} catch {
    spec.usageExit(error.message)
}
configuration.queryTimeout = .milliseconds(Int64((launch.queryTimeout ?? 5) * 1000))
configuration.search = launch.search ?? configuration.search
do {
    configuration.secret = try arguments.secret()
} catch {
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

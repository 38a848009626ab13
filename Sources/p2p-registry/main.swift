#if canImport(Glibc)
import Glibc
#endif
import Admission
import NodeRuntime
import Control
import Registry
import System

let spec = CommandSpec(
    name: "p2p-registry",
    summary: "the metadata server: admits peers, gives each its port, refers it to peers already in",
    synopsis: "p2p-registry [--host 127.0.0.1] [--port 7000] [--max-peers 10] [--flag P2P] [--referral weighted-random] [--neighbours 3] [--max-links 12] [--peer-ports FIRST-LAST]",
    options: [
        .init("host", value: "ADDRESS", help: "address to bind and advertise (default 127.0.0.1)"),
        .init("port", value: "PORT", help: "port to listen on; 0 picks a free one (default 7000)"),
        .init("max-peers", value: "N", help: "peers admitted at most (default 10)"),
        .init("flag", value: "FLAG", help: "the join flag peers must present, any case (default P2P)"),
        .init("referral", value: "POLICY", help: "weighted-random (default), least-connected, first, chain or random"),
        .init("neighbours", value: "N", help: "referrals given to a joining peer (default 3)"),
        .init("max-links", value: "N", help: "links a peer takes at most: full peers are not referred (default 12)"),
        .init("peer-ports", value: "FIRST-LAST", help: "assign peer ports from this range (default: peers pick free ports)"),
        .init("secret-file", value: "FILE", help: "the network's shared secret (mode 600; else $P2P_SECRET; never on a command line)"),
        .init("supervised", help: "run under p2pctl: exit when stdin closes"),
    ],
    epilogue: "Stops on Ctrl-C or SIGTERM. Logs one line per event on stderr.")

let arguments = spec.parseOrExit()
if arguments.has("supervised") { becomeSupervisedChild() }
Syscall.ignoreSIGPIPE()
if !arguments.positionals.isEmpty { spec.usageExit("unexpected argument '\(arguments.positionals[0])'") }

var configuration = RegistryConfiguration()
do {
    configuration.host = arguments.value("host") ?? configuration.host
    configuration.port = try arguments.integer("port", default: configuration.port, in: 0...65535)
    configuration.maxPeers = try arguments.integer("max-peers", default: configuration.maxPeers, in: 1...100_000)
    configuration.neighbours = try arguments.integer("neighbours", default: configuration.neighbours, in: 1...64)
    configuration.maxLinks = try arguments.integer("max-links", default: configuration.maxLinks, in: configuration.neighbours...256)
    configuration.flag = arguments.value("flag") ?? configuration.flag
    if let policy = arguments.value("referral") {
        guard let parsed = ReferralPolicy(rawValue: policy.lowercased()) else {
            throw UsageError("--referral must be one of \(ReferralPolicy.allCases.map(\.rawValue).joined(separator: ", ")), not '\(policy)'")
        }
        configuration.referral = parsed
    }
    if let range = arguments.value("peer-ports") {
        let parts = range.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let first = UInt16(parts[0]), let last = UInt16(parts[1]), first >= 1, first <= last else {
            throw UsageError("--peer-ports must be FIRST-LAST with 1 <= FIRST <= LAST <= 65535, not '\(range)'")
        }
        configuration.peerPorts = first...last
    }
    if configuration.flag.isEmpty { throw UsageError("--flag must not be empty") }
    configuration.secret = try arguments.secret()
} catch let error as UsageError {
    spec.usageExit(error.message)
}

let registry: Registry
do {
    registry = try Registry(configuration: configuration)
} catch {
    Log.error(spec.name, "cannot listen on \(configuration.host):\(configuration.port): \(error)")
    exit(ExitCode.failure)
}

let signals = SignalWaiter(SIGINT, SIGTERM)
if arguments.has("supervised") {
    // The supervisor keeps a copy of who is in (`p2pctl status`).
    registry.observeMembers { name, joined in
        Log.answer(JSONLines.encode(joined ? ChildMessage.memberJoined(name) : .memberLeft(name)))
    }
}
registry.start()
if arguments.has("supervised") {
    Log.answer(JSONLines.encode(ChildMessage.ready(port: registry.port)))
    exitWhenStandardInputCloses { registry.stop() }
}
let signal = signals.wait()
Log.event("registry stopping (\(signalName(signal)))")
registry.stop()
exit(ExitCode.success)

#if canImport(Glibc)
import Glibc
#endif
import Admission
import NodeRuntime
import Control
import Registry
import System

let spec = RegistryLaunch.commandSpec

let arguments = spec.parseOrExit()
if arguments.has("supervised") { becomeSupervisedChild() }
Syscall.ignoreSIGPIPE()
DescriptorLimit.raise()   // a session per peer: a network of a thousand passes Debian's soft 1,024
if !arguments.positionals.isEmpty { spec.usageExit("unexpected argument '\(arguments.positionals[0])'") }

var configuration = RegistryConfiguration()
do {
    let launch = try RegistryLaunch(arguments)
    configuration.host = launch.host ?? configuration.host
    configuration.port = launch.port ?? configuration.port
    configuration.maxPeers = launch.maxPeers ?? configuration.maxPeers
    (configuration.neighbours, configuration.maxLinks) = try linkBounds(
        neighbours: launch.neighbours, maxLinks: launch.maxLinks, defaults: (configuration.neighbours, configuration.maxLinks))
    configuration.flag = launch.flag ?? configuration.flag
    if let policy = launch.referral {
        guard let parsed = ReferralPolicy(rawValue: policy.lowercased()) else {
            throw UsageError("--referral must be one of \(ReferralPolicy.allCases.map(\.rawValue).joined(separator: ", ")), not '\(policy)'")
        }
        configuration.referral = parsed
    }
    configuration.peerPorts = launch.peerPorts
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
        Log.answer((joined ? ChildMessage.memberJoined(name) : .memberLeft(name)).line)
    }
}
registry.start()
if arguments.has("supervised") {
    Log.answer(ChildMessage.ready(port: registry.port).line)
    exitWhenStandardInputCloses { registry.stop() }
}
let signal = signals.wait()
Log.event("registry stopping (\(signalName(signal)))")
registry.stop()
exit(ExitCode.success)

import Control
import Foundation
import NetworkConfig
import NodeRuntime
import System
import Synchronization

/// Runs a network: the registry, then one process per peer, each with pipes drained
/// continuously; restarts what exits unexpectedly (the README's policy, under "Processes"); answers the control
/// socket; and stops everything in order.
public final class Supervisor: Sendable {
    public let config: NetworkConfig
    public let directory: StateDirectory
    let binFolder: String
    let log: LogBook
    let reader: OutputReader
    let spawner = Spawner()
    let registry: ManagedProcess
    /// The peers, in config order.
    let peers: [ManagedProcess]
    let stopping = Atomic<Bool>(false)
    /// Set once everything has stopped; `waitUntilStopped` waits for it.
    let stopped = Protected(false)
    /// The registry's port once it has reported it (kept across its restarts).
    let registryPort = Protected<UInt16?>(nil)

    /// Fails only when the kernel cannot give the reader its epoll instance.
    public init(config: NetworkConfig, directory: StateDirectory, binFolder: String) throws(SystemError) {
        reader = try OutputReader()
        self.config = config
        self.directory = directory
        self.binFolder = binFolder
        self.log = LogBook(folder: directory.logs)
        registry = ManagedProcess(spec: ProcessSpec(
            name: "registry", role: .registry, executable: binFolder + "/p2p-registry",
            restart: .onFailure, folder: nil))
        peers = config.peers.map { peer in
            ManagedProcess(spec: ProcessSpec(
                name: peer.name, role: .peer, executable: binFolder + "/p2p-peer",
                restart: peer.restart, folder: peer.dir))
        }
    }

    /// How the registry is started, listening on `port`.
    static func registryLaunch(_ config: NetworkConfig, port: UInt16) -> RegistryLaunch {
        RegistryLaunch(host: config.registry.host, port: port, maxPeers: config.registry.maxPeers, flag: config.registry.flag,
                       referral: config.registry.referral, neighbours: config.network.neighbours, maxLinks: config.network.maxLinks,
                       peerPorts: config.registry.peerPorts, secretFile: config.registry.secretFile, supervised: true)
    }

    /// How a peer is started, joining the registry on `registryPort`.
    static func peerLaunch(_ config: NetworkConfig, _ peer: NetworkConfig.Peer, registryPort: UInt16) -> PeerLaunch {
        PeerLaunch(name: peer.name, directory: peer.dir, registry: Endpoint(host: config.registry.host, port: registryPort),
                   flag: config.registry.flag, ttl: config.network.ttl, neighbours: config.network.neighbours,
                   maxLinks: config.network.maxLinks, queryTimeout: config.network.queryTimeout,
                   search: config.network.search, shareDownloads: peer.shareDownloads,
                   secretFile: config.registry.secretFile, supervised: true)
    }

    var all: [ManagedProcess] { [registry] + peers }
    var isStopping: Bool { stopping.load(ordering: .acquiring) }

    /// The process called `name` (ignoring case, as peer names do).
    func process(named name: String) -> ManagedProcess? {
        all.first { $0.name.lowercased() == name.lowercased() }
    }

    /// Every line a process prints also goes to `handler` (the foreground `up`).
    public func echo(_ handler: @escaping @Sendable (LogLine) -> Void) {
        _ = log.follow(handler)
    }

    /// A line of the supervisor's own, in its log and to followers.
    public func note(_ message: String) {
        log.write("supervisor", "\(Log.timestamp()) \(message)")
    }

    // MARK: Starting

    public struct StartFailure: Error, CustomStringConvertible {
        public let process: String
        public let reason: String
        public let lastLines: [String]
        public var description: String {
            var text = "\(process) failed: \(reason)"
            if !lastLines.isEmpty { text += "\nlast lines of \(process)'s log:\n" + lastLines.map { "  " + $0 }.joined(separator: "\n") }
            return text
        }
    }

    /// Starts the registry, waits for its ready message, starts every peer and waits until each
    /// has joined and linked, all within `timeout` seconds. On failure nothing is left running.
    public func start(timeout: Double) throws(StartFailure) {
        log.clear()
        let deadline = Deadline.after(seconds: timeout)
        do {
            try launch(registry, arguments: arguments(for: registry))
            let port = try awaitReady(registry, until: deadline)
            registryPort.withLock { $0 = port }
            let launching = ContinuousClock.now
            try launchAll(peers)
            let took = (ContinuousClock.now - launching) / .milliseconds(1)
            note("started \(peers.count) peers in \(Int(took.rounded())) ms")
            for process in peers { _ = try awaitReady(process, until: deadline) }
            note("network ready: registry on port \(port), \(peers.count) peers")
        } catch {
            _ = stopAll(grace: 2)
            throw error
        }
    }

    private func launch(_ process: ManagedProcess, arguments: [String]) throws(StartFailure) {
        if let problem = spawn(process, arguments: arguments) {
            throw StartFailure(process: process.name, reason: problem, lastLines: log.tail(process.name))
        }
    }

    /// Starts all of `processes`, queued at once; fails with the first that could not start.
    private func launchAll(_ processes: [ManagedProcess]) throws(StartFailure) {
        let problems = spawnEach(processes.map { ($0, arguments(for: $0)) })
        if let (process, problem) = zip(processes, problems).first(where: { $0.1 != nil }) {
            throw StartFailure(process: process.name, reason: problem!, lastLines: log.tail(process.name))
        }
    }

    /// Waits for `process` to say it is ready; fails if it exits first or the deadline passes.
    private func awaitReady(_ process: ManagedProcess, until deadline: Deadline) throws(StartFailure) -> UInt16 {
        let outcome = process.runtime.wait(until: deadline) { state -> Result<UInt16, StartFailure>? in
            if state.everReady, let port = state.port { return .success(port) }
            if state.pid == nil && state.phase != .starting {
                return .failure(StartFailure(process: process.name, reason: "exited before it was ready (\(state.lastExit ?? "unknown"))",
                                             lastLines: []))
            }
            return nil
        }
        switch outcome {
        case .success(let port)?: return port
        case .failure(let failure)?:
            // Give the pipe reader a moment to deliver the child's last words.
            _ = process.runtime.wait(until: .after(.milliseconds(200))) { _ in nil as Bool? }
            throw StartFailure(process: failure.process, reason: failure.reason, lastLines: log.tail(process.name))
        case nil:
            throw StartFailure(process: process.name, reason: "not ready within the timeout", lastLines: log.tail(process.name))
        }
    }

    // MARK: Spawning and exits

    /// Starts one incarnation of `process`. Returns a problem, or nil.
    func spawn(_ process: ManagedProcess, arguments: [String]) -> String? {
        spawnEach([(process, arguments)])[0]
    }

    /// Starts one incarnation of each process, on the spawner's thread. Returns a problem or
    /// nil for each.
    private func spawnEach(_ starts: [(process: ManagedProcess, arguments: [String])]) -> [String?] {
        spawner.runEach(starts.map { start in { [self] in startChild(start.process, arguments: start.arguments) } })
    }

    /// The spawn itself; runs on the spawner's thread.
    private func startChild(_ process: ManagedProcess, arguments: [String]) -> String? {
        guard FileManager.default.isExecutableFile(atPath: process.spec.executable) else {
            let problem = "executable \(process.spec.executable) is missing (build it with swift build)"
            process.runtime.withLock(notify: true) { $0.phase = .failed; $0.lastExit = problem }
            return problem
        }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: process.spec.executable)
        child.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["P2P_SUPERVISOR_PID"] = "\(getpid())"
        child.environment = environment
        // stdin, stdout and stderr are one socket pair, not pipes: each spawn costs in
        // proportion to the descriptors the supervisor holds (Foundation adds a close action
        // for every one, and reads /proc/self/fd), and one per child instead of two (a stdin
        // pipe, an output pipe) took a fifth off the supervisor's CPU at 1,000 peers. The lines stay apart: the child writes each
        // whole under one lock (`Log`), and only typed messages parse as JSON; everything else
        // goes to the child's log, as stderr does. Our end is close-on-exec, so no other child
        // inherits it.
        var ends: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
            let problem = "could not start: no socket pair for its stdin and stdout: \(Errno.current)"
            process.runtime.withLock(notify: true) { $0.phase = .failed; $0.lastExit = problem }
            return problem
        }
        let channel = ChildChannel(descriptor: ends[0])
        let childEnd = FileHandle(fileDescriptor: ends[1], closeOnDealloc: true)
        child.standardInput = childEnd
        child.standardOutput = childEnd
        child.standardError = childEnd
        let generation = process.runtime.withLock { state -> Int in
            state.generation += 1
            state.phase = .starting
            state.stopping = false
            return state.generation
        }
        child.terminationHandler = { [self] ended in
            exited(process, generation: generation, status: ended.terminationStatus,
                   signalled: ended.terminationReason == .uncaughtSignal)
        }
        do {
            try child.run()
        } catch {
            try? childEnd.close()
            channel.release()
            process.runtime.withLock(notify: true) { $0.phase = .failed; $0.lastExit = "could not start: \(error.localizedDescription)" }
            return "could not start \(process.spec.executable): \(error.localizedDescription)"
        }
        try? childEnd.close()
        process.input.attach(channel)
        process.runtime.withLock(notify: true) { state in
            state.pid = child.processIdentifier
            state.startedAt = .now
            state.neighbours = []
            state.members = []
            state.counters = nil
        }
        reader.add(ends[0]) { [log] line in
            if let line { process.received(line, log: log) } else { channel.release() }
        }
        return nil
    }

    /// Foundation's termination handler (never a second waitpid): applies `RestartRules`.
    private func exited(_ process: ManagedProcess, generation: Int, status: Int32, signalled: Bool) {
        let description = signalled ? "killed by signal \(status)" : "exited with status \(status)"
        let current = process.runtime.withLock { $0.generation == generation }
        // Outside the runtime lock: a write under way holds stdin's lock until it fails.
        if current { process.input.close() }
        let decision = process.runtime.withLock(notify: true) { state -> RestartDecision? in
            guard state.generation == generation else { return nil }
            state.pid = nil
            state.lastExit = description
            state.pending.removeAll()   // a waiting request sees its entry gone: the child exited
            let ran = state.startedAt.map { ContinuousClock.now - $0 } ?? .zero
            let (decision, history) = RestartRules.decide(
                after: ChildExit(status: status, signalled: signalled, ran: ran), history: state.restartHistory,
                policy: process.spec.restart, supervisorStopping: isStopping)
            state.restartHistory = history
            state.phase = decision.phase
            return decision
        }
        let phase = process.runtime.withLock { $0.phase }
        guard case .restart(let delay)? = decision else {
            if !isStopping { note("\(process.name) \(description); \(phase.rawValue)") }
            return
        }
        note("\(process.name) \(description); restarting in \(formatSeconds(delay))")
        Threads.detach(name: "restart") { [self] in
            if delay > 0 { _ = stopped.wait(until: .after(seconds: delay)) { $0 ? true : nil } }
            guard !isStopping, process.runtime.withLock({ $0.phase == .restarting }) else { return }
            if let problem = spawn(process, arguments: arguments(for: process)) { note("\(process.name): \(problem)") }
        }
    }

    /// The arguments for a start or restart: the registry comes back on the port it had.
    func arguments(for process: ManagedProcess) -> [String] {
        let port = registryPort.snapshot ?? config.registry.port
        if process === registry { return Self.registryLaunch(config, port: port).arguments }
        guard let peer = config.peers.first(where: { $0.name == process.name }) else { return [] }
        return Self.peerLaunch(config, peer, registryPort: port).arguments
    }
}

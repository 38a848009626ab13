#if canImport(Glibc)
import Glibc
#endif
import NodeRuntime
import Serving
import Sockets
import System
import Synchronization
import Wire

/// One peer of the network: it joins through the registry, keeps links to neighbours, answers
/// queries and topology crawls, serves its files over HTTP, and downloads by flooding a query.
///
/// Threads: one accepts connections (overlay and HTTP share the port), one waits on every
/// HTTP connection (`ConnectionPoller`) with a few workers for long answers, one reads each
/// overlay connection, one reads the registry session, one ticks (heartbeats, pings, link
/// repair).
public final class PeerNode: Sendable {
    public let configuration: PeerConfiguration
    public let store: FileStore
    let listener: Protected<Socket>
    let links = Protected(LinkTable())
    /// Peers heard of, to relink from while the registry cannot help.
    let book = Protected(PeerBook())
    let router = Protected(QueryRouter())
    /// The links this peer has sent each search's walkers along (`WalkTrails`).
    let walkTrails = Protected(WalkTrails())
    /// Where accepted connections wait until they say what they want; nil until `start`
    /// and after `stop` (which ends its thread).
    let http = Protected<ConnectionPoller?>(nil)
    /// Threads reading inbound overlay connections, the links among them (`limits.overlayConnections`).
    let overlayReaders: Slots
    let overlayRefusals = Protected(EventTally())
    let registry = Protected<FrameConnection?>(nil)
    let stopping = Atomic<Bool>(false)
    /// When this peer last asked the registry for more neighbours.
    let lastAskedForPeers = Protected<ContinuousClock.Instant?>(nil)
    /// Small files' whole responses (`WholeFiles`).
    let wholeFiles = WholeFiles()
    /// GET bodies sent to the end (for `statistics`).
    let served = Atomic<Int>(0)
    /// What `status --json` shows (see `PeerCounters`).
    let counterBook = CounterBook()
    /// Told the neighbours' names whenever they change (the supervised console reports them).
    let neighboursObserver = Protected<(@Sendable ([String]) -> Void)?>(nil)

    public enum StartError: Error, CustomStringConvertible {
        case refused(String)
        case registryUnreachable(String)
        case store(FileStore.StoreError)
        case cannotListen(SocketError)
        case cannotServe(SystemError)

        public var description: String {
            switch self {
            case .refused(let reason): return "the registry refused to admit this peer: \(reason)"
            case .registryUnreachable(let detail): return "cannot reach the registry: \(detail); is p2p-registry running?"
            case .store(let error): return "\(error)"
            case .cannotListen(let error): return "cannot listen: \(error)"
            case .cannotServe(let error): return "cannot serve HTTP: \(error)"
            }
        }
    }

    public init(configuration: PeerConfiguration) throws(StartError) {
        var configuration = configuration
        configuration.ttl = min(configuration.ttl, PeerConfiguration.maxTTL)
        self.configuration = configuration
        overlayReaders = Slots(configuration.limits.overlayConnections)
        do { store = try FileStore(directory: configuration.directory, shareDownloads: configuration.shareDownloads) }
        catch { throw .store(error) }
        do { listener = Protected(try Socket.listen(host: configuration.host, port: 0)) }
        catch { throw .cannotListen(error) }
    }

    public var name: String { configuration.name }
    public var port: UInt16 { listener.withLock { $0.localAddress?.port ?? 0 } }
    public var address: PeerAddress { PeerAddress(name: name, host: configuration.host, port: port) }
    public var neighbours: [PeerAddress] { links.withLock { $0.all.map(\.address) } }
    /// Calls `observer` with the neighbours' names now and whenever they change.
    public func observeNeighbours(_ observer: @escaping @Sendable ([String]) -> Void) {
        neighboursObserver.withLock { $0 = observer }
        neighboursChanged()
    }

    /// Reports the neighbours to the observer and the registry. Under the observer's lock, so
    /// two changes on two threads are reported in the order they happened, the last one last.
    func neighboursChanged() {
        neighboursObserver.withLock { observer in
            let names = links.withLock { $0.names }
            observer?(names)
        }
        sendHeartbeat()
    }

    /// Connections held now: HTTP ones waiting for a request or being answered, and inbound
    /// overlay ones (links included).
    public var openConnections: Int { (http.snapshot?.open ?? 0) + overlayReaders.inUse }

    public var isStopping: Bool { stopping.load(ordering: .acquiring) }
    public var statistics: PeerStatistics {
        router.withLock {
            PeerStatistics(queriesReceived: $0.queriesReceived, duplicatesDropped: $0.duplicatesDropped,
                           queriesSent: $0.queriesSent, hitsRouted: $0.hitsRouted,
                           queriesThrottled: $0.queriesThrottled, queriesForged: $0.queriesForged,
                           filesServed: served.load(ordering: .relaxed))
        }
    }

    /// Joins the network and links to the peers the registry named. Returns once joined and
    /// every referral has been tried; the peer then runs on its own threads until `stop`.
    public func start() throws(StartError) {
        let stale = store.removeStalePartials()
        if stale > 0 { Log.event("removed \(stale) unfinished download(s) left from an earlier run") }
        let referrals = try joinRegistry(rejoining: false)
        // After the join, so a refused peer leaves no poller thread behind; before the accept
        // loop, which hands it every connection (those that came meanwhile wait in the backlog).
        let limits = configuration.limits
        do {
            let workers = WorkerPool(name: "http", threads: limits.slowAnswers, queueLimit: limits.slowAnswersWaiting)
            let poller = try ConnectionPoller(handler: PeerHTTP(node: self), capacity: min(limits.connections, DescriptorLimit.raise() - 256),
                                              headTimeout: limits.idleTimeout, workers: workers)
            http.withLock { $0 = poller }
        } catch { throw .cannotServe(error) }
        Threads.detach(name: "accept") { [self] in acceptLoop() }
        Threads.detach(name: "registry") { [self] in followRegistry() }
        Threads.detach(name: "tick") { [self] in tickLoop() }
        store.warmHashes()
        connect(to: referrals)
        sendHeartbeat()
    }

    /// Says bye to the neighbours and the registry, and closes every connection.
    public func stop(reason: String = "stopped") {
        if stopping.exchange(true, ordering: .acquiringAndReleasing) { return }
        for link in links.withLock({ $0.removeAll() }) {
            link.connection.sendQuietly(.bye(reason: reason))
            link.connection.shutdown()
        }
        if let session = registry.withLock({ $0 }) {
            session.sendQuietly(.bye(reason: reason))
            session.shutdown()
        }
        listener.withLock { $0.shutdown() }
        http.withLock { poller in
            poller?.stop()
            poller = nil
        }
        Log.event("stopped: said bye to neighbours and registry")
    }

    // MARK: Accepting

    private func acceptLoop() {
        // The listener is re-read before each accept: the registry may move this peer to another port.
        AcceptLoop.run(listener: { listener.snapshot }, while: { !isStopping }, log: { Log.event($0) }) { connection in
            guard let poller = http.snapshot else { connection.close(); return }
            poller.adopt(connection)
        }
    }

    /// An overlay connection the poller told apart by its first bytes (the overlay magic, as
    /// Gnutella 0.6 servents tell their protocol from HTTP), on a thread of its own.
    func serveOverlay(_ socket: Socket, received: [UInt8]) {
        guard overlayReaders.take() else {
            socket.close()
            counterBook.count { $0.httpRefused += 1 }
            // One line per second at most, however fast they come.
            if let count = overlayRefusals.withLock({ tally -> Int? in tally.count += 1; return tally.due() }) {
                Log.event("closed \(count) overlay connection(s) at once: \(overlayReaders.capacity) are being read")
            }
            return
        }
        let started = Threads.detach(name: "conn") { [self] in
            defer { overlayReaders.give(); socket.close() }
            serveOverlay(FrameConnection(socket, reader: SocketReader(socket, chunk: 16 * 1024, received: received)))
        }
        if !started {
            overlayReaders.give()
            socket.close()
        }
    }

    // MARK: Ticking

    private func tickLoop() {
        var beat: UInt64 = 0
        while !isStopping {
            sleep(for: configuration.heartbeatInterval)
            if isStopping { return }
            beat &+= 1
            let all = links.withLock { $0.all }
            for link in all { link.send(.ping(beat)) }
            // Every fifth beat, a sample of one neighbour's neighbours for the book.
            if beat % 5 == 0 { all.randomElement()?.send(.topologyRequest) }
            sendHeartbeat()
            counterBook.report()
            restoreLinks(urgent: false)
        }
    }

    func sleep(for duration: Duration) { Syscall.sleep(for: duration) }
}

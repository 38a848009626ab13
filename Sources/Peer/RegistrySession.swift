import NodeRuntime
import Sockets
import System
import Wire

/// The peer's side of its long-lived session with the registry: join (and the port dance),
/// heartbeats, asking for neighbours, and rejoining when the registry restarts.
extension PeerNode {
    static let registryTimeout: Duration = .seconds(5)

    /// Connects, joins, settles the port, and returns the referrals.
    func joinRegistry(rejoining: Bool) throws(StartError) -> [PeerAddress] {
        let session: FrameConnection
        do {
            session = try FrameConnection.open(host: configuration.registryHost, port: configuration.registryPort,
                                               timeout: Self.registryTimeout, secret: configuration.secret)
        } catch let error as HandshakeError {
            throw .refused("\(error)")
        } catch {
            throw .registryUnreachable("\(configuration.registryHost):\(configuration.registryPort): \(error)")
        }
        let neighbourNames = links.withLock { $0.names }
        do {
            try session.send(.join(name: name, flag: configuration.flag, port: port, neighbours: neighbourNames))
            // The registry may assign another port; if that one is busy here, ask again.
            for _ in 0..<64 {
                switch try session.receive(until: .after(Self.registryTimeout)) {
                case .refused(let reason):
                    session.close()
                    throw StartError.refused(reason)
                case .welcome(let assigned, let referrals):
                    if assigned == port || assigned == 0 {
                        registry.withLock { $0 = session }
                        let verb = rejoining ? "rejoined" : "joined"
                        let linking = referrals.isEmpty ? "first in the network" : "linking to " + referrals.map(\.name).joined(separator: ", ")
                        Log.event("\(verb) the network as \(name) on port \(port); \(linking)")
                        return referrals
                    }
                    let moved: Socket
                    do {
                        moved = try Socket.listen(host: configuration.host, port: assigned)
                    } catch {
                        Log.event("assigned port \(assigned) is not free here (\(error)); asking for another")
                        try session.send(.portBusy(port: assigned))
                        continue
                    }
                    let old = listener.withLock { (current: inout Socket) -> Socket in
                        defer { current = moved }
                        return current
                    }
                    old.shutdown()   // the accept thread moves to the new socket (see acceptLoop)
                    try session.send(.heartbeat(neighbours: neighbourNames))
                    registry.withLock { $0 = session }
                    Log.event("\(rejoining ? "rejoined" : "joined") the network as \(name) on port \(assigned), assigned by the registry")
                    return referrals
                default:
                    break   // nothing else is expected before the welcome; ignore it
                }
            }
            throw StartError.refused("no usable port after 64 tries")
        } catch let error as StartError {
            session.close()
            throw error
        } catch {
            session.close()
            throw .registryUnreachable("the registry at \(configuration.registryHost):\(configuration.registryPort) went away: \(error)")
        }
    }

    /// Reads referrals from the registry; when the session ends, rejoins with backoff so a
    /// restarted registry relearns the network from the peers.
    func followRegistry() {
        var backoff: Duration = .milliseconds(250)
        while !isStopping {
            if let session = registry.withLock({ $0 }) {
                do {
                    while true {
                        if case .referral(let peers) = try session.receive(until: .never) {
                            connect(to: peers)
                        }
                    }
                } catch {
                    if isStopping { return }
                    registry.withLock { $0 = nil }
                    session.close()
                    Log.event("lost the registry (\(error)); rejoining")
                }
            }
            sleep(for: backoff)
            do {
                let referrals = try joinRegistry(rejoining: true)
                backoff = .milliseconds(250)
                // Rejoining teaches a restarted registry the network; it is no call for more
                // links than were lost meanwhile (else every registry restart adds links).
                connect(to: Array(referrals.prefix(max(0, configuration.neighbours - links.withLock { $0.count }))))
                sendHeartbeat()
            } catch {
                backoff = min(backoff * 2, .seconds(5))
                if case .refused(let reason) = error { Log.event("rejoin refused: \(reason)") }
            }
        }
    }

    func sendHeartbeat() {
        let names = links.withLock { $0.names }
        registry.withLock { $0 }?.sendQuietly(.heartbeat(neighbours: names))
    }

    /// Asks the registry for peers when this one has fewer links than it should. `urgent` (a
    /// link was just lost) asks at once; the periodic check asks at most every 5 s.
    func restoreLinks(urgent: Bool) {
        guard !isStopping else { return }
        let (count, names) = links.withLock { ($0.count, $0.names) }
        let wanted = configuration.neighbours - count
        guard wanted > 0 else { return }
        guard let session = registry.withLock({ $0 }) else {
            // No registry to ask: the peers this one has heard of. Off this thread, which may be
            // a link's reader or the ticker.
            let known = book.withLock { $0.sample(wanted, excluding: names + [name]) }
            if !known.isEmpty { Threads.detach(name: "relink") { [self] in connect(to: known) } }
            return
        }
        let now = ContinuousClock.now
        let due = lastAskedForPeers.withLock { (last: inout ContinuousClock.Instant?) -> Bool in
            if !urgent, let previous = last, now - previous < .seconds(5) { return false }
            last = now
            return true
        }
        guard due else { return }
        session.sendQuietly(.needPeers(count: UInt8(clamping: wanted), exclude: names + [name]))
    }
}

import NodeRuntime
import Sockets
import System
import Wire

/// The metadata server: admits peers that present the join flag, gives each its port, refers it
/// to peers already in the network, and keeps a lease per peer renewed by heartbeats.
///
/// Each peer holds one connection to the registry for as long as it is in the network; each
/// connection has its own thread, so many peers joining at once never queue behind a slow one.
/// A connection that ends, says bye, or stays silent past the lease removes its peer.
public final class Registry: Sendable {
    public let configuration: RegistryConfiguration
    private let membership: Protected<Membership>
    private let listener: Socket
    /// Open sessions by number, so `stop()` can end them, and those still in their handshake,
    /// oldest first.
    private let sessions = Protected((count: 0, open: [Int: FrameConnection](), handshaking: [Int]()))
    /// Connections that have not joined yet, at most: past it the oldest is dropped, so a flood
    /// of silent connections costs a real joiner (done in a millisecond) nothing.
    public static let maxHandshaking = 64
    /// Told each peer that joins (true) or leaves (false); see `observeMembers`.
    private let membersObserver = Protected<(@Sendable (String, Bool) -> Void)?>(nil)

    /// Binds the registry's port (0 picks a free one). `run()` then serves.
    public init(configuration: RegistryConfiguration) throws(SocketError) {
        self.configuration = configuration
        self.membership = Protected(Membership(configuration: configuration))
        self.listener = try Socket.listen(host: configuration.host, port: configuration.port)
    }

    /// The port the registry listens on.
    public var port: UInt16 { listener.localAddress?.port ?? 0 }

    /// The peers in the network now.
    public var members: [Membership.Member] {
        membership.withLock { $0.members.values.sorted { $0.sequence < $1.sequence } }
    }

    /// Calls `observer` with each peer's name when it joins (true) and leaves (false), in the
    /// order the table changed (it is called under the table's lock), so the caller can keep a
    /// copy of the registry's view: p2pctl shows it in `status`.
    public func observeMembers(_ observer: @escaping @Sendable (_ name: String, _ joined: Bool) -> Void) {
        membersObserver.withLock { $0 = observer }
    }

    /// Accepts connections until `stop()`; each is served on its own thread.
    public func run() {
        Log.event("registry listening on \(configuration.host):\(port) (max \(configuration.maxPeers) peers, referral \(configuration.referral.rawValue))")
        AcceptLoop.run(listener: { listener }, log: { Log.event($0) }) { connection in
            let framed = FrameConnection(connection)
            let (session, evicted) = sessions.withLock { state -> (Int, FrameConnection?) in
                state.count += 1
                state.open[state.count] = framed
                state.handshaking.append(state.count)
                guard state.handshaking.count > Self.maxHandshaking else { return (state.count, nil) }
                return (state.count, state.open[state.handshaking.removeFirst()])
            }
            if let evicted {
                evicted.shutdown()
                Log.event("dropped the oldest of \(Self.maxHandshaking) connections that had not joined yet")
            }
            let started = Threads.detach(name: "registry-session") { [self] in
                serve(framed, session: session)
                forget(session)
            }
            if !started {
                forget(session)
                connection.close()
            }
        }
    }

    private func forget(_ session: Int) {
        sessions.withLock { state in
            state.open[session] = nil
            state.handshaking.removeAll { $0 == session }
        }
    }

    /// Starts `run()` on its own thread.
    public func start() {
        Threads.detach(name: "registry-accept") { [self] in run() }
    }

    /// Stops accepting and ends every session (the peers then try to rejoin).
    public func stop() {
        listener.shutdown()
        for session in sessions.withLock({ $0.open.values }) { session.shutdown() }
    }

    // MARK: One peer's session

    private func serve(_ connection: FrameConnection, session: Int) {
        defer { connection.close() }
        let remote = connection.socket.remoteAddress?.description ?? "?"
        let handshake = Deadline.after(configuration.handshakeTimeout)
        let join: Frame
        do {
            join = try connection.acceptFirstFrame(secret: configuration.secret, until: handshake)
        } catch {
            Log.event("dropped a connection from \(remote): \(error)")
            return
        }
        sessions.withLock { $0.handshaking.removeAll { $0 == session } }
        guard case let .join(name, flag, port, neighbours) = join else {
            connection.sendQuietly(.refused(reason: "expected a join"))
            Log.event("dropped a connection from \(remote): it sent \(join.caseName) before joining")
            return
        }

        var member: Membership.Member
        let admittedCount: Int   // counted with the admission, so two joins never show one count
        do {
            (member, admittedCount) = try membership.withLock { (table) throws(Membership.Refusal) in
                let admitted = try table.admit(name: name, flag: flag, port: port, host: configuration.host,
                                               neighbours: neighbours, session: session)
                membersObserver.snapshot?(admitted.name, true)
                return (admitted, table.count)
            }
        } catch {
            Log.event("refused \(WireLimits.clipped(name, to: 40)) from \(remote): \(error)")
            connection.sendQuietly(.refused(reason: error.description))
            return
        }
        defer {
            let remaining = membership.withLock { table -> Int? in
                guard table.remove(member.name, session: session) else { return nil }
                membersObserver.snapshot?(member.name, false)
                return table.count
            }
            if let remaining {
                Log.event("\(member.name) left (\(remaining) of \(configuration.maxPeers) peers remain)")
            }
        }

        do {
            let referrals = membership.withLock {
                $0.referrals(for: name, count: configuration.neighbours, exclude: neighbours)
            }
            try connection.send(.welcome(port: member.port, referrals: referrals))
            let referred = referrals.isEmpty ? "nobody yet" : referrals.map(\.name).joined(separator: ", ")
            Log.event("\(name) joined on port \(member.port) (\(admittedCount) of \(configuration.maxPeers)); referred to \(referred)")
            try follow(connection, member: &member, session: session)
        } catch {
            Log.event("\(name): \(error)")
        }
    }

    /// Heartbeats, requests for more neighbours and the port dance, until the peer leaves.
    private func follow(_ connection: FrameConnection, member: inout Membership.Member, session: Int) throws {
        while true {
            let frame: Frame
            do {
                frame = try connection.receive(until: .after(configuration.leaseTimeout))
            } catch SocketError.timedOut {
                Log.event("\(member.name) went silent; lease expired")
                return
            }
            switch frame {
            case .heartbeat(let neighbours):
                membership.withLock { $0.updateNeighbours(of: member.name, neighbours, session: session) }
            case .needPeers(let count, let exclude):
                let wanted = min(Int(count), max(configuration.neighbours, 1) * 4)
                let referrals = membership.withLock { $0.referrals(for: member.name, count: wanted, exclude: exclude) }
                try connection.send(.referral(referrals))
            case .portBusy(let port) where port == member.port && configuration.peerPorts != nil:
                do {
                    guard let moved = try membership.withLock({ (table) throws(Membership.Refusal) in
                        try table.replaceBusyPort(of: member.name)
                    }) else { return }
                    member = moved
                    Log.event("\(member.name): port \(port) is busy there; assigned \(member.port)")
                    try connection.send(.welcome(port: member.port, referrals: []))
                } catch let refusal as Membership.Refusal {
                    connection.sendQuietly(.refused(reason: refusal.description))
                    return
                }
            case .bye(let reason):
                Log.event("\(member.name) says bye (\(WireLimits.clipped(reason, to: 80)))")
                return
            default:
                connection.sendQuietly(.bye(reason: "unexpected \(frame.caseName)"))
                Log.event("\(member.name) sent an unexpected \(frame.caseName); dropped")
                return
            }
        }
    }
}

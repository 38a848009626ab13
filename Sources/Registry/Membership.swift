import Wire

/// The registry's table of peers: who is in, on which port, linked to whom; port assignment and
/// the referral policies. Pure state, no I/O, so it is tested without sockets.
public struct Membership: Sendable {
    public struct Member: Sendable, Equatable {
        public var name: String
        public var host: String
        public var port: UInt16
        public var neighbours: [String]
        /// Join order, for `first`, `chain` and tie-breaks.
        public var sequence: Int
        /// Which connection owns this name (a rejoin on a new connection replaces nothing).
        public var session: Int

        public var address: PeerAddress { PeerAddress(name: name, host: host, port: port) }
    }

    public enum Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        case wrongFlag, badName(String), nameTaken(String), full(Int), noFreePort(ClosedRange<UInt16>)

        public var description: String {
            switch self {
            case .wrongFlag: return "wrong join flag"
            case .badName(let name):
                return "invalid name '\(WireLimits.clipped(name, to: 40))': use 1 to 32 letters, digits, '-' or '_' (not 'registry')"
            case .nameTaken(let name): return "the name \(name) is already taken in this network"
            case .full(let max): return "network full (\(max) peers)"
            case .noFreePort(let range): return "no free port left in \(range.lowerBound)-\(range.upperBound)"
            }
        }
    }

    public let configuration: RegistryConfiguration
    /// Keyed by the lowercased name: names are unique ignoring case, as in the origin.
    public private(set) var members: [String: Member] = [:]
    /// Ports a peer reported busy: not assigned again.
    private var busyPorts: Set<UInt16> = []
    private var nextSequence = 0

    public init(configuration: RegistryConfiguration) {
        self.configuration = configuration
    }

    public var count: Int { members.count }

    /// Admits `name` for connection `session`, or says why not. `port` is the one the peer bound
    /// (0 when it has none yet); the result is the port it is to use.
    public mutating func admit(name: String, flag: String, port: UInt16, host: String,
                               neighbours: [String], session: Int) throws(Refusal) -> Member {
        guard flag.lowercased() == configuration.flag.lowercased() else { throw .wrongFlag }
        guard WireLimits.isValidPeerName(name) else { throw .badName(name) }
        let key = name.lowercased()
        if let existing = members[key] { throw .nameTaken(existing.name) }
        guard members.count < configuration.maxPeers else { throw .full(configuration.maxPeers) }
        let assigned = try choosePort(reported: port, excluding: key)
        let member = Member(name: name, host: host, port: assigned, neighbours: neighbours,
                            sequence: nextSequence, session: session)
        nextSequence += 1
        members[key] = member
        return member
    }

    /// The peer could not bind its assigned port: remember that, and give it another.
    public mutating func replaceBusyPort(of name: String) throws(Refusal) -> Member? {
        let key = name.lowercased()
        guard var member = members[key] else { return nil }
        busyPorts.insert(member.port)
        member.port = try choosePort(reported: 0, excluding: key)
        members[key] = member
        return member
    }

    private mutating func choosePort(reported: UInt16, excluding key: String) throws(Refusal) -> UInt16 {
        guard let range = configuration.peerPorts else { return reported }
        let taken = Set(members.filter { $0.key != key }.map(\.value.port)).union(busyPorts)
        // A peer that rejoins (say, after the registry restarted) keeps a port it already holds.
        if reported != 0 && range.contains(reported) && !taken.contains(reported) { return reported }
        guard let free = range.first(where: { !taken.contains($0) }) else { throw .noFreePort(range) }
        return free
    }

    public mutating func updateNeighbours(of name: String, _ neighbours: [String], session: Int) {
        let key = name.lowercased()
        guard members[key]?.session == session else { return }
        members[key]?.neighbours = neighbours
    }

    /// Forgets `name` if `session` still owns it. Returns whether it did.
    @discardableResult
    public mutating func remove(_ name: String, session: Int) -> Bool {
        let key = name.lowercased()
        guard members[key]?.session == session else { return false }
        members[key] = nil
        return true
    }

    /// Up to `count` peers for `name` to link to, by the configured policy, never itself or
    /// anyone in `exclude` (compared ignoring case).
    public func referrals(for name: String, count: Int, exclude: [String]) -> [PeerAddress] {
        guard count > 0 else { return [] }
        let skip = Set(exclude.map { $0.lowercased() } + [name.lowercased()])
        let me = members[name.lowercased()]
        let byAge = members.values.sorted { $0.sequence < $1.sequence }
        let candidates = byAge.filter { !skip.contains($0.name.lowercased()) }
        switch configuration.referral {
        case .weightedRandom:
            var generator = SystemRandom()
            return Self.weightedSample(candidates, count: count, using: &generator) { member in
                max(configuration.maxLinks - member.neighbours.count, 0)
            }.map(\.address)
        case .leastConnected:
            return candidates.sorted { ($0.neighbours.count, $0.sequence) < ($1.neighbours.count, $1.sequence) }
                .prefix(count).map(\.address)
        case .first:
            // The origin's star: the first peer in the network, whoever asks.
            guard let first = byAge.first, !skip.contains(first.name.lowercased()) else { return [] }
            return [first.address]
        case .chain:
            // The peer that joined just before this one; for a rejoin, the nearest older one.
            let older = candidates.filter { $0.sequence < (me?.sequence ?? Int.max) }
            return older.last.map { [$0.address] } ?? []
        case .random:
            return Array(candidates.shuffled().prefix(count)).map(\.address)
        }
    }

    /// Up to `count` distinct members drawn at random, each with probability in proportion to
    /// `weight`; when every weight is 0 (everyone is full), uniformly, so a newcomer is never
    /// left alone.
    static func weightedSample(_ members: [Member], count: Int, using generator: inout some RandomNumberGenerator,
                               weight: (Member) -> Int) -> [Member] {
        var pool = members.map { (member: $0, weight: weight($0)) }
        if pool.allSatisfy({ $0.weight == 0 }) { pool = pool.map { ($0.member, 1) } }
        var chosen: [Member] = []
        var total = pool.reduce(0) { $0 + $1.weight }
        while chosen.count < count && total > 0 {
            var ticket = Int.random(in: 0..<total, using: &generator)
            guard let index = pool.firstIndex(where: { ticket -= $0.weight; return ticket < 0 }) else { break }
            chosen.append(pool[index].member)
            total -= pool[index].weight
            pool.remove(at: index)
        }
        return chosen
    }
}

import System
import Wire

/// The flooding state of one peer: which query ids it has seen and where each came from (so a
/// hit goes back along the reverse path), and the searches it started itself.
struct QueryRouter: Sendable {
    enum Route: Sendable, Equatable {
        case mine
        case link(String)
    }

    /// A holder that answered one of our searches.
    struct Hit: Sendable, Equatable {
        let holder: PeerAddress
        let file: FileHit
        let hops: Int
    }

    /// How many ids are remembered; the oldest are forgotten first. At thousands of queries a
    /// second across the network this still outlives any query's TTL many times over.
    static let memory = 16_384

    private var routes = RecentMap<QueryID, Route>(capacity: Self.memory)
    /// Hits per search of ours, in the order they arrived.
    private(set) var searches: [QueryID: [Hit]] = [:]
    /// Ids a search of ours was asked again under, and that search.
    private var aliases: [QueryID: QueryID] = [:]
    /// The walkers of our searches: how many, their step budget, how many came to their end.
    private var walks: [QueryID: (walkers: Int, steps: UInt8, done: Int)] = [:]

    // Counters, for `stats` and the tests that count messages per query.
    private(set) var queriesReceived = 0
    private(set) var duplicatesDropped = 0
    private(set) var queriesSent = 0
    private(set) var hitsRouted = 0
    /// Queries dropped because their neighbour sent too many (see `PeerLimits`).
    private(set) var queriesThrottled = 0
    /// Queries dropped because their TTL and hops could not be true.
    private(set) var queriesForged = 0

    /// Records a query id. False if it was seen before (the query is then dropped).
    mutating func remember(_ id: QueryID, route: Route) -> Bool {
        guard routes[id] == nil else { return false }
        routes[id] = route
        return true
    }

    func route(of id: QueryID) -> Route? { routes[id] }

    mutating func received(duplicate: Bool) {
        queriesReceived += 1
        if duplicate { duplicatesDropped += 1 }
    }

    mutating func sent(queries count: Int) { queriesSent += count }
    mutating func routedHit() { hitsRouted += 1 }
    mutating func throttled() { queriesThrottled += 1 }
    mutating func droppedForged() { queriesForged += 1 }

    mutating func begin(_ id: QueryID) {
        _ = remember(id, route: .mine)
        searches[id] = []
    }

    /// Search `search` is asked again under `id` (peers forward an id only once): its hits
    /// count for `search`.
    mutating func reask(_ search: QueryID, as id: QueryID) {
        _ = remember(id, route: .mine)
        aliases[id] = search
    }

    mutating func deliver(_ id: QueryID, _ hits: [Hit]) {
        let search = aliases[id] ?? id
        guard searches[search] != nil else { return }   // a late hit for a search that ended
        searches[search]!.append(contentsOf: hits)
    }

    mutating func beginWalk(_ id: QueryID, walkers: Int, steps: UInt8) {
        walks[id] = (walkers, steps, 0)
    }

    /// Walkers of search `id` still walking (0 for a search without walkers).
    func walkersLeft(_ id: QueryID) -> Int {
        walks[id].map { $0.walkers - $0.done } ?? 0
    }

    /// A walker of search `id` checks back from `hops` away: true if it is to go on.
    mutating func walkerCheckedBack(_ id: QueryID, hops: UInt8) -> Bool {
        guard let walk = walks[id], let hits = searches[id] else { return false }
        if hops >= walk.steps {
            walks[id]?.done += 1
            return false
        }
        return hits.isEmpty
    }

    mutating func end(_ id: QueryID) {
        searches[id] = nil
        walks[id] = nil
        aliases = aliases.filter { $0.value != id }
    }
}

/// What one peer has done since it started: message counts, and files it sent whole.
public struct PeerStatistics: Sendable, Equatable, Codable {
    public var queriesReceived: Int
    public var duplicatesDropped: Int
    public var queriesSent: Int
    public var hitsRouted: Int
    public var queriesThrottled: Int
    public var queriesForged: Int
    /// GET responses whose body this peer sent to the end.
    public var filesServed: Int
}

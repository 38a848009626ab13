import Control
import NodeRuntime
import System
import Wire

/// One way of looking for a file: `network.search`, `p2p-peer --search`, `send --search`. A
/// method starts search `id` (already begun in the router, which gathers its hits whoever
/// sends them) and returns once the search has a hit, or has nothing left to try before
/// `deadline`. The callers (`download`, `locate`) then go on the same way for every method.
protocol SearchMethod: Sendable {
    func run(_ query: String, search id: QueryID, on peer: PeerNode, until deadline: Deadline) -> Bool
}

extension SearchStrategy {
    var method: any SearchMethod {
        switch self {
        case .flood: Flood()
        case .ring: ExpandingRing()
        case .walk: RandomWalk()
        }
    }
}

/// Every neighbour, and theirs, up to the TTL; asked again while nothing comes.
struct Flood: SearchMethod {
    func run(_ query: String, search id: QueryID, on peer: PeerNode, until deadline: Deadline) -> Bool {
        peer.flood(query, search: id, ttl: peer.configuration.ttl, fresh: false)
        return peer.askAgain(query, search: id, beyond: 0, until: deadline)
    }
}

/// Floods of TTL 1, 2, 3, ... each a new query id, until one brings a hit; past the TTL, as a
/// flood. Each ring waits in proportion to the round trip it makes (`wait(radius:)`): a ring
/// given up too early costs the next ring's messages, never a miss.
struct ExpandingRing: SearchMethod {
    static func wait(radius: UInt8) -> Duration { .milliseconds(60 * Int64(radius)) }

    func run(_ query: String, search id: QueryID, on peer: PeerNode, until deadline: Deadline) -> Bool {
        for radius in 1...max(peer.configuration.ttl, 1) {
            peer.flood(query, search: id, ttl: radius, fresh: radius > 1)
            if peer.awaitHits(id, beyond: 0, until: min(Deadline.after(Self.wait(radius: radius)), deadline)) { return true }
            if deadline.hasPassed { return false }
        }
        return peer.askAgain(query, search: id, beyond: 0, until: deadline)
    }
}

/// `walkers` random walkers (Lv et al., 2002): each goes to one random neighbour at a time for
/// up to `steps` hops and checks back with the requester every `checkEvery` hops, stopping
/// once the requester has its answer; a holder answers the requester directly. When every
/// walker has come to its end with nothing (or their share of the time is up), a flood.
/// Eight walkers of 255 hops that check every 8: a walk costs the hops to a holder, two
/// messages per check and the others' overshoot until their next check, and with trails
/// (`WalkTrails`) long walks tread few edges twice.
struct RandomWalk: SearchMethod {
    static let walkers = 8
    static let steps: UInt8 = 255
    static let checkEvery: UInt8 = 8
    /// The part of the query timeout the walkers get before the flood.
    static let share = 0.4

    func run(_ query: String, search id: QueryID, on peer: PeerNode, until deadline: Deadline) -> Bool {
        let neighbours = peer.links.withLock { $0.all }
        guard !neighbours.isEmpty else { return false }
        peer.router.withLock { $0.beginWalk(id, walkers: Self.walkers, steps: Self.steps) }
        let walker = Frame.walk(id: id, requester: peer.address, steps: Self.steps - 1, hops: 0, name: query)
        var sent = 0
        for _ in 0..<Self.walkers where neighbours.randomElement()!.send(walker) { sent += 1 }
        peer.counterBook.count { $0.queryMessagesSent += sent }
        Log.event("searching for \(WireLimits.clipped(query, to: 80)) with \(sent) walkers")
        let share = Deadline.after(peer.configuration.queryTimeout * Self.share)
        let outcome = peer.router.wait(until: min(share, deadline)) { router -> Bool? in
            if router.searches[id]?.isEmpty == false { return true }
            return router.walkersLeft(id) == 0 ? false : nil
        }
        if outcome == true { return true }
        if deadline.hasPassed { return false }
        Log.event("the walkers found no \(WireLimits.clipped(query, to: 80)); flooding")
        peer.flood(query, search: id, ttl: peer.configuration.ttl, fresh: true)
        return peer.askAgain(query, search: id, beyond: 0, until: deadline)
    }
}

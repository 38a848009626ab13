import Control
import Foundation
@testable import Peer
import Registry
import Testing
import Wire

/// The search strategies on fixed small overlays, counted with the peers' own counters: what a
/// flood, a ring and a walk cost, and that each stops when it should. Counts, never times.
@Suite struct SearchStrategyTests {
    /// Peers p0 ... p(n-1) in a line (each refers to the one before), the file on `holders`.
    static func line(_ count: Int, holders: Set<Int>, timeout: Duration = .seconds(3)) throws -> LocalNetwork {
        let network = try LocalNetwork(referral: .chain, neighbours: 1)
        for index in 0..<count {
            let files = holders.contains(index) ? ["wanted.txt": "here\n"] : [:]
            try network.addPeer("p\(index)", files: files) { $0.queryTimeout = timeout }
        }
        #expect(eventually { network.links.count == count - 1 })
        return network
    }

    static func sent(_ network: LocalNetwork) -> Int { network.peers.values.map(\.counters.queryMessagesSent).reduce(0, +) }
    static func received(_ network: LocalNetwork) -> Int { network.peers.values.map(\.counters.queryMessagesReceived).reduce(0, +) }

    /// The messages sent in all once the count has stood still for half a second, so an
    /// overshoot (a wider ring, a walker that goes on) is counted too, whatever the machine's
    /// speed. Gives up moving after 20 s and returns the last count.
    static func settledSent(_ network: LocalNetwork) -> Int {
        var last = sent(network)
        for _ in 0..<40 {
            Thread.sleep(forTimeInterval: 0.5)
            let now = sent(network)
            if now == last { return now }
            last = now
        }
        return last
    }

    @Test func aFloodOnALineCostsOneMessagePerLinkItCrosses() throws {
        let network = try Self.line(6, holders: [5])
        let requester = try #require(network.peers["p0"])
        let hit = try #require(requester.locate("wanted.txt", by: .flood))
        #expect(hit.hops == 5)
        // p0 sends to p1, each next peer forwards to the one after: 5 messages, none repeated;
        // the TTL of 7 runs out past the end of the line.
        #expect(Self.settledSent(network) == 5)
        #expect(Self.received(network) == 5)
        #expect(requester.counters.queriesStarted == 1)
        #expect(network.peers.values.filter { $0 !== requester }.allSatisfy { $0.counters.queriesStarted == 0 })
    }

    @Test func aRingWidensOnlyUntilTheFileIsFound() throws {
        let network = try Self.line(6, holders: [2])
        let requester = try #require(network.peers["p0"])
        let hit = try #require(requester.locate("wanted.txt", by: .ring))
        #expect(hit.hops == 2)
        // TTL 1 reaches p1 (1 message); TTL 2 reaches p2 (2 more), which has it: no TTL 3.
        #expect(Self.settledSent(network) == 3)
        #expect(network.peers["p3"]?.counters.queryMessagesReceived == 0)
    }

    @Test func aRingForAFileNextDoorSendsOneMessage() throws {
        let network = try Self.line(4, holders: [1])
        #expect(try #require(network.peers["p0"]).locate("wanted.txt", by: .ring)?.hops == 1)
        #expect(Self.settledSent(network) == 1)
    }

    @Test func walkersStopOnceTheRequesterHasItsAnswer() throws {
        let network = try LocalNetwork(referral: .random, neighbours: 3)
        for index in 0..<12 {
            try network.addPeer("p\(index)", files: index % 4 == 3 ? ["wanted.txt": "here\n"] : [:])
        }
        #expect(eventually { network.isConnected })
        let requester = try #require(network.peers["p0"])
        #expect(requester.locate("wanted.txt", by: .walk) != nil)
        // Every walker stops at its next check-back (every 4 steps), or where it found the file:
        // once they have, the count stands still, far below what the walkers would send to their ends.
        let settled = Self.settledSent(network)
        #expect(settled > 0 && settled < RandomWalk.walkers * Int(RandomWalk.steps) / 4, "sent \(settled)")
        // No flood was needed: every message was a walker step or a check-back.
        #expect(network.peers.values.allSatisfy { $0.statistics.queriesReceived == 0 })
    }

    @Test func walkersThatFindNothingEndAndAFloodTakesOver() throws {
        let network = try Self.line(3, holders: [])
        let requester = try #require(network.peers["p0"])
        #expect(requester.locate("wanted.txt", by: .walk) == nil)
        // Each walker walks all its steps (on a line it turns back at the ends) and checks back
        // every `checkEvery` steps and at its last, each check answered: then one flood, 2 messages.
        let steps = RandomWalk.walkers * Int(RandomWalk.steps)
        let perWalker = (Int(RandomWalk.steps) + Int(RandomWalk.checkEvery) - 1) / Int(RandomWalk.checkEvery)
        let checks = RandomWalk.walkers * perWalker
        let settled = Self.settledSent(network)
        #expect(settled >= steps + 2 * checks + 2 && settled <= steps + 2 * checks + 2 * 3, "sent \(settled)")
        #expect(network.peers.values.map(\.statistics.queriesReceived).reduce(0, +) >= 2)
    }

    @Test func aDownloadUsesTheStrategyItIsGiven() throws {
        let network = try Self.line(4, holders: [3])
        let requester = try #require(network.peers["p0"])
        let result = requester.download("wanted", by: .ring)
        #expect(result.ok, "\(result.error ?? "")")
        #expect(result.hops == 3 && result.source == "p3")
        // Rings of TTL 1, 2, 3: 1 + 2 + 3 messages.
        #expect(Self.settledSent(network) == 6)
        #expect(requester.counters.bytesDownloaded == 5)
        #expect(eventually { network.peers["p3"]?.counters.bytesServed == 5 })
        #expect(network.peers["p3"]?.counters.httpRequests == 1)
    }
}

/// The trails a peer keeps of each search's walkers: a link is taken twice only once every
/// candidate has been taken, searches are apart, and a search is kept within the bound.
@Suite struct WalkTrailsTests {
    static func id(_ n: UInt8) -> QueryID { QueryID(bytes: [n] + Array(repeating: 0, count: 15))! }

    @Test func everyLinkIsTakenOnceBeforeAnyIsTakenAgain() {
        var trails = WalkTrails()
        let links = ["a", "b", "c", "d"]
        let first = (0..<4).compactMap { _ in trails.next(Self.id(1), among: links) }
        #expect(Set(first) == Set(links))
        #expect(trails.next(Self.id(1), among: links).map(links.contains) == true)
        // Another search starts with every link fresh; a link that is new to this one is taken.
        let other = (0..<4).compactMap { _ in trails.next(Self.id(2), among: links) }
        #expect(Set(other) == Set(links))
        #expect(trails.next(Self.id(1), among: links + ["e"]) == "e")
        #expect(trails.next(Self.id(3), among: []) == nil)
    }

    @Test func aSearchIsRememberedWhileFewerThanTheBoundCameAfterIt() {
        var trails = WalkTrails()
        #expect(trails.next(Self.id(0), among: ["a"]) == "a")
        for n in 1..<WalkTrails.memory {
            _ = trails.next(QueryID(bytes: [UInt8(n & 0xff), UInt8(n >> 8)] + Array(repeating: 1, count: 14))!, among: ["a", "b"])
        }
        // Still remembered: its next walker leaves by the link it has not taken.
        #expect(trails.next(Self.id(0), among: ["a", "b"]) == "b")
    }
}

/// The bounded memory behind the router's query ids and the walkers' trails.
@Suite struct RecentMapTests {
    @Test func theOldestKeyGoesFirstAndAnUpdateKeepsItsPlace() {
        var map = RecentMap<Int, String>(capacity: 3)
        for key in 1...3 { map[key] = "v\(key)" }
        map[1] = "again"   // an update, not a new key: nothing goes
        #expect(map[1] == "again" && map[2] == "v2" && map[3] == "v3")
        map[4] = "v4"      // full: 1, the oldest added, goes
        #expect(map[1] == nil && map[2] == "v2" && map[4] == "v4")
        map[5] = "v5"; map[6] = "v6"
        #expect([2, 3, 4].map { map[$0] } == [nil, nil, "v4"] && map[5] == "v5" && map[6] == "v6")
    }
}

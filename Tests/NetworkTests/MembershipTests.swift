import Registry
import Testing
import Wire

/// The registry's table without sockets: admission, ports and the referral policies.
@Suite struct MembershipTests {
    static func table(_ policy: ReferralPolicy = .leastConnected, max: Int = 10,
                      ports: ClosedRange<UInt16>? = nil) -> Membership {
        var configuration = RegistryConfiguration()
        configuration.referral = policy
        configuration.maxPeers = max
        configuration.peerPorts = ports
        return Membership(configuration: configuration)
    }

    @discardableResult
    static func join(_ table: inout Membership, _ name: String, port: UInt16 = 5000, neighbours: [String] = []) throws -> Membership.Member {
        try table.admit(name: name, flag: "p2p", port: port, host: "127.0.0.1", neighbours: neighbours, session: name.hashValue)
    }

    @Test func admissionChecksFlagNameAndRoom() throws {
        var table = Self.table(max: 2)
        try Self.join(&table, "s1")
        #expect(throws: Membership.Refusal.wrongFlag) {
            try table.admit(name: "s2", flag: "nope", port: 1, host: "h", neighbours: [], session: 2)
        }
        #expect(throws: Membership.Refusal.nameTaken("s1")) { try Self.join(&table, "S1") }
        for bad in ["", "a/b", "..", "with space", String(repeating: "x", count: 33), "Registry", "nul\0"] {
            #expect(throws: Membership.Refusal.badName(bad)) { try Self.join(&table, bad) }
        }
        try Self.join(&table, "s2")
        #expect(throws: Membership.Refusal.full(2)) { try Self.join(&table, "s3") }
    }

    @Test func leastConnectedPrefersTheLoneliestThenTheOldest() throws {
        var table = Self.table()
        try Self.join(&table, "a", neighbours: ["b", "c"])
        try Self.join(&table, "b", neighbours: ["a"])
        try Self.join(&table, "c", neighbours: ["a"])
        try Self.join(&table, "d")
        #expect(table.referrals(for: "new", count: 2, exclude: []).map(\.name) == ["d", "b"])
        #expect(table.referrals(for: "d", count: 2, exclude: ["b"]).map(\.name) == ["c", "a"])
    }

    @Test func firstMakesAStarAndChainALine() throws {
        var star = Self.table(.first)
        var line = Self.table(.chain)
        for name in ["s1", "s2", "s3", "s4"] {
            try Self.join(&star, name)
            try Self.join(&line, name)
        }
        #expect(star.referrals(for: "s4", count: 2, exclude: []).map(\.name) == ["s1"])
        #expect(star.referrals(for: "s1", count: 2, exclude: []).isEmpty)
        #expect(line.referrals(for: "s4", count: 2, exclude: []).map(\.name) == ["s3"])
        #expect(line.referrals(for: "s2", count: 2, exclude: []).map(\.name) == ["s1"])
        #expect(line.referrals(for: "s1", count: 2, exclude: []).isEmpty)
    }

    @Test func randomNeverRefersAPeerToItselfOrTwice() throws {
        var table = Self.table(.random)
        for index in 0..<8 { try Self.join(&table, "p\(index)") }
        for _ in 0..<50 {
            let names = table.referrals(for: "p3", count: 3, exclude: ["p5"]).map(\.name)
            #expect(names.count == 3 && Set(names).count == 3 && !names.contains("p3") && !names.contains("p5"))
        }
    }

    @Test func assignedPortsAreUniqueAndABusyOneIsReplaced() throws {
        var table = Self.table(ports: 6000...6002)
        let a = try Self.join(&table, "a", port: 0)
        let b = try Self.join(&table, "b", port: 0)
        #expect([a.port, b.port] == [6000, 6001])
        let moved = try #require(try table.replaceBusyPort(of: "b"))
        #expect(moved.port == 6002)
        #expect(throws: Membership.Refusal.noFreePort(6000...6002)) { try Self.join(&table, "c", port: 0) }
        table.remove("a", session: "a".hashValue)
        // A rejoining peer keeps the port it holds when that port is free in the table.
        let back = try Self.join(&table, "a", port: 6000)
        #expect(back.port == 6000)
    }

    @Test func onlyTheOwningSessionRemovesAName() throws {
        var table = Self.table()
        try Self.join(&table, "a")
        let stranger = table.remove("a", session: 12345)
        #expect(!stranger)
        #expect(table.count == 1)
        let owner = table.remove("A", session: "a".hashValue)
        #expect(owner)
        #expect(table.count == 0)
    }
}

/// The default referral: random, weighted by the room a peer has for links.
@Suite struct WeightedReferralTests {
    @Test func aFullPeerIsNeverReferredWhileOthersHaveRoom() throws {
        var configuration = RegistryConfiguration()
        configuration.maxLinks = 3
        var table = Membership(configuration: configuration)
        _ = try table.admit(name: "full", flag: "P2P", port: 1, host: "h", neighbours: ["b", "c", "d"], session: 1)
        for (index, name) in ["b", "c", "d"].enumerated() {
            _ = try table.admit(name: name, flag: "P2P", port: 2, host: "h", neighbours: ["full"], session: 2 + index)
        }
        var seen: [String: Int] = [:]
        for _ in 0..<300 {
            let referrals = table.referrals(for: "newcomer", count: 2, exclude: [])
            #expect(referrals.count == 2 && Set(referrals.map(\.name)).count == 2)
            for referral in referrals { seen[referral.name, default: 0] += 1 }
        }
        #expect(seen["full"] == nil)
        #expect(["b", "c", "d"].allSatisfy { seen[$0, default: 0] > 50 }, "\(seen)")
    }

    @Test func whenEveryoneIsFullANewcomerIsStillReferred() throws {
        var configuration = RegistryConfiguration()
        configuration.maxLinks = 1
        var table = Membership(configuration: configuration)
        _ = try table.admit(name: "a", flag: "P2P", port: 1, host: "h", neighbours: ["b"], session: 1)
        _ = try table.admit(name: "b", flag: "P2P", port: 2, host: "h", neighbours: ["a"], session: 2)
        #expect(table.referrals(for: "c", count: 3, exclude: []).count == 2)
    }
}

import Foundation
import Testing

/// The counters as a user's script reads them from `status --json`, against a known number of
/// searches, and `send --search` choosing the strategy per query.
@Suite(.serialized, .spawnsProcesses) struct CtlCountersTests {
    static func counters(_ network: CtlNetwork, _ name: String) -> [String: Any]? {
        network.row(name)?["counters"] as? [String: Any]
    }

    @Test func statusCountsTheSearchesAndBytesOfEachPeer() throws {
        let network = try CtlNetwork()
        defer { network.tearDown() }
        try network.up()
        let before = try #require(Self.counters(network, "s3"))
        #expect(before.int("queriesStarted") == 0)
        #expect(network.row("registry")?["counters"] == nil)

        for strategy in ["flood", "ring", "walk"] {
            try? FileManager.default.removeItem(atPath: network.downloads("s3") + "/f1.txt")
            let sent = network.ctl(["send", "s3", "f1", "--search", strategy, "--json"])
            #expect(sent.status == 0, "\(strategy): \(sent.output)")
            #expect(sent.object?.string("search") == strategy)
            #expect((sent.object?["firstHitMs"] as? Double).map { $0 >= 0 } == true)
        }
        // Reported with each 2 s heartbeat: wait for the three searches to show.
        #expect(eventually { Self.counters(network, "s3")?.int("queriesStarted") == 3 }, "\(Self.counters(network, "s3") ?? [:])")
        let after = try #require(Self.counters(network, "s3"))
        #expect((after.int("queryMessagesSent") ?? 0) >= 3)
        #expect(after.int("bytesDownloaded") == 3 * (network.folder.read("s1/f1.txt")?.count ?? 0))
        #expect(eventually { (Self.counters(network, "s1")?.int("bytesServed") ?? 0) == after.int("bytesDownloaded") })
        #expect(Self.counters(network, "s1")?.int("httpRequests") == 3)
        // Nobody else started a search.
        for name in ["s1", "s2"] { #expect(Self.counters(network, name)?.int("queriesStarted") == 0) }

        let bad = network.ctl(["send", "s3", "f1", "--search", "bfs"])
        #expect(bad.status == 2 && bad.stderr.contains("flood, ring or walk"), "\(bad.output)")
    }
}

import Foundation
@testable import Peer
import Testing

/// The registry dies or hangs: the supervisor restarts it, the peers teach it the network again,
/// and meanwhile the overlay searches and downloads without it (issue 5, item 2).
@Suite(.serialized) struct RegistryLossTests {
    static let files: [String: [String: [UInt8]]] = [
        "s1": ["f1.txt": Array("one line from s1\n".utf8)],
        "s2": ["blob.bin": CtlNetwork.blob],
        "s3": ["f3.txt": Array("third\n".utf8)],
        "s4": [:], "s5": [:], "s6": [:],
    ]

    static func network() throws -> CtlNetwork {
        try CtlNetwork(files: files) { config in
            config["registry"] = ["port": 0] as [String: Any]   // least-connected referrals
        }
    }

    /// The registry's view as `status --json` shows it.
    static func members(_ network: CtlNetwork) -> [String]? {
        network.row("registry")?.strings("members")
    }

    static func links(_ network: CtlNetwork) -> Set<[String]> {
        Set(network.ctl(["topo", "--format", "json"]).object?["edges"] as? [[String]] ?? [])
    }

    @Test(.spawnsProcesses) func aKilledRegistryRelearnsEveryPeerAndRefersLivePeersAfterwards() throws {
        let network = try Self.network()
        defer { network.tearDown() }
        try network.up()
        #expect(eventually { Self.members(network) == network.peerNames }, "\(network.row("registry") ?? [:])")
        #expect(network.ctl(["status"]).stdout.contains("6 members"))
        let before = try #require(network.row("registry"))
        let old = Int32(try #require(before.int("pid")))
        let links = Self.links(network)

        kill(old, SIGKILL)
        let killed = Date()
        let whole = eventually(30) {
            guard let row = network.row("registry"), row.string("state") == "running",
                  let pid = row.int("pid"), Int32(pid) != old else { return false }
            return row.strings("members") == network.peerNames
        }
        let recovery = Date().timeIntervalSince(killed)
        print(String(format: "registry loss: the restarted registry knew all %d peers again %.2f s after kill -9", network.peerNames.count, recovery))
        #expect(whole, "the registry's view after its restart: \(network.row("registry") ?? [:])")
        #expect(network.row("registry")?.int("port") == before.int("port"))
        #expect(network.isConnected())
        // Relearning is not relinking: the overlay keeps the links it had (let late ones settle).
        Thread.sleep(forTimeInterval: 1)
        #expect(Self.links(network) == links)

        // A peer that comes back after the registry did is referred to live peers, links, and finds files.
        let s5 = try #require(network.pid("s5"))
        kill(s5, SIGKILL)
        #expect(eventually(30) {
            guard let row = network.row("s5"), row.string("state") == "running", row.int("pid").map(Int32.init) != s5 else { return false }
            return !(row.strings("neighbours") ?? []).isEmpty
        }, "s5 after its restart: \(network.row("s5") ?? [:])")
        let live = Set((network.status() ?? []).filter { $0.string("state") == "running" }.compactMap { $0.string("name") })
        let linked = Set(network.row("s5")?.strings("neighbours") ?? [])
        #expect(linked.isSubset(of: live), "s5 linked to \(linked); running: \(live)")
        #expect(eventually(30) { network.isConnected() })
        #expect(eventually { Self.members(network) == network.peerNames })
        let fetched = network.ctl(["send", "s5", "f1", "--json"])
        #expect(fetched.object?.bool("ok") == true, "\(fetched.output)")
        #expect(network.folder.read("s5/Downloads/f1.txt") == Self.files["s1"]?["f1.txt"])
    }

    @Test(.spawnsProcesses) func searchesAndDownloadsGoOnWhileTheRegistryHangs() throws {
        let network = try Self.network()
        defer { network.tearDown() }
        try network.up()
        let registry = try #require(network.pid("registry"))

        kill(registry, SIGSTOP)
        defer { kill(registry, SIGCONT) }
        let far = network.ctl(["send", "s6", "blob.bin", "--json"])
        #expect(far.object?.bool("ok") == true, "\(far.output)")
        #expect(network.folder.read("s6/Downloads/blob.bin") == CtlNetwork.blob)
        let near = network.ctl(["send", "s4", "f3", "--json"])
        #expect(near.object?.bool("ok") == true, "\(near.output)")
        let topology = network.ctl(["send", "s1", "TOPO", "--json"])
        #expect((topology.object?["nodes"] as? [Any])?.count == network.peerNames.count, "\(topology.output)")

        kill(registry, SIGCONT)
        #expect(network.isRunning(registry))
        #expect(eventually { Self.members(network) == network.peerNames })
    }

    @Test func anOverlayWithItsRegistryGoneStillSearchesAndDownloads() throws {
        let network = try LocalNetwork(referral: .chain)
        try network.addPeer("a", files: ["far.txt": "from the far end\n"])
        try network.addPeer("b")
        let c = try network.addPeer("c")
        #expect(eventually { network.links.count == 2 })
        network.registry.stop()

        let result = c.download("far")
        #expect(result.ok && result.source == "a" && result.hops == 2, "\(result)")
        #expect(network.folder.read("c/Downloads/far.txt") == Array("from the far end\n".utf8))
        #expect(network.links.count == 2)
    }
}

import Foundation
import Digest
@testable import Peer
import Registry
import Testing
import Wire

/// Peers and the registry in one process: joining, linking, searching, downloading, crawling,
/// and repairing the overlay when peers leave.
@Suite struct OverlayTests {
    @Test func aFileSeveralHopsAwayIsDownloadedAndVerified() throws {
        let network = try LocalNetwork(referral: .chain)
        for name in ["a", "b", "c", "d"] { try network.addPeer(name) }
        let holder = try network.addPeer("e", files: ["f1.txt": "This is f1, one line as in the origin.\n"])
        let requester = try #require(network.peers["a"])
        #expect(eventually { network.links.count == 4 })

        let result = requester.download("f1")   // the stem finds f1.txt
        #expect(result.ok, "\(result.error ?? "")")
        #expect(result.file == "f1.txt")
        #expect(result.source == "e")
        #expect(result.hops == 4)
        #expect(result.bytes == 39)
        let downloaded = network.folder.read("a/Downloads/f1.txt")
        #expect(downloaded == network.folder.read("e/f1.txt"))
        #expect(result.sha256 == SHA256.hash(downloaded ?? []).hex)
        #expect(network.folder.contents(of: "a/\(FileStore.partialsFolder)").isEmpty)
        #expect(holder.statistics.hitsRouted == 0)
    }

    @Test func aFileAlreadyHereIsNotFetchedAgain() throws {
        let network = try LocalNetwork()
        let peer = try network.addPeer("a", files: ["f2.txt": "mine\n"])
        try network.addPeer("b", files: ["f2.txt": "theirs\n"])
        let result = peer.download("f2")
        #expect(result.ok && result.alreadyHad && result.source == "local" && result.hops == 0)
        #expect(network.folder.contents(of: "a/Downloads").isEmpty)
        #expect(peer.statistics.queriesSent == 0)
    }

    @Test func nothingFoundSaysSoWithinTheQueryTimeout() throws {
        let network = try LocalNetwork()
        let a = try network.addPeer("a") { $0.queryTimeout = .milliseconds(500) }
        try network.addPeer("b")
        #expect(eventually { network.links.count == 1 })
        let result = a.download("nothing-like-this.txt")
        #expect(!result.ok)
        #expect(result.error?.hasPrefix("not found") == true)
        #expect(network.folder.contents(of: "a/Downloads").isEmpty)
    }

    @Test func twoFilesWithTheSameStemAskForTheFullName() throws {
        let network = try LocalNetwork()
        let a = try network.addPeer("a")
        try network.addPeer("b", files: ["notes.txt": "text\n", "notes.md": "# md\n"])
        #expect(eventually { network.links.count == 1 })
        let result = a.download("notes")
        #expect(!result.ok)
        #expect(result.error?.contains("notes.md, notes.txt") == true)
        #expect(a.download("notes.md").ok)
    }

    @Test func aFloodedQueryCostsAtMostTwoMessagesPerLink() throws {
        let network = try LocalNetwork(referral: .random, neighbours: 3)
        // Shorter than the 1 s after which a search that hears nothing asks again.
        for index in 0..<12 { try network.addPeer("p\(index)") { $0.queryTimeout = .milliseconds(800) } }
        try network.addPeer("holder", files: ["wanted.bin": "x"])
        #expect(eventually { network.isConnected && network.peers.values.allSatisfy { $0.neighbours.count >= 1 } })
        Thread.sleep(forTimeInterval: 0.3)   // let late links settle before counting
        let before = network.peers.values.map(\.statistics.queriesSent).reduce(0, +)
        let links = network.links.count
        // One flood (a download that finds nothing asks again after 1 s: that is a second query).
        #expect(try #require(network.peers["p0"]).locate("wanted-nowhere.bin", by: .flood) == nil)
        let sent = network.peers.values.map(\.statistics.queriesSent).reduce(0, +) - before
        #expect(sent > 0)
        #expect(sent <= 2 * links, "sent \(sent) query frames over \(links) links")
    }

    @Test func theCrawlFindsEveryPeerAndLink() throws {
        let network = try LocalNetwork(referral: .chain)
        for name in ["s1", "s2", "s3", "s4", "s5"] { try network.addPeer(name) }
        #expect(eventually { network.links.count == 4 })
        let topology = try #require(network.peers["s3"]).crawl()
        #expect(topology.nodes.map(\.name) == ["s1", "s2", "s3", "s4", "s5"])
        #expect(topology.document.edges == [["s1", "s2"], ["s2", "s3"], ["s3", "s4"], ["s4", "s5"]])
        #expect(topology.document.halfLinks.isEmpty)
        #expect(topology.document.text.contains("5 peers, 4 links"))
    }

    @Test func peersThatLoseTheirNeighbourRelinkThroughTheRegistry() throws {
        let network = try LocalNetwork(referral: .chain)
        for name in ["a", "b", "c"] { try network.addPeer(name) }
        #expect(eventually { network.links == [["a", "b"], ["b", "c"]] })
        network.stop("b")
        // a and c each lost their only link and ask the registry, which refers one to the other.
        #expect(eventually { network.links == [["a", "c"]] })
        #expect(eventually { network.registry.members.map(\.name) == ["a", "c"] })
    }

    @Test func aRestartedRegistryRelearnsTheNetworkFromThePeers() throws {
        let network = try LocalNetwork()
        for name in ["a", "b", "c"] { try network.addPeer(name) }
        #expect(eventually { network.registry.members.count == 3 })
        // Stop the registry (its sessions end) and start a fresh one on the same port.
        let port = network.registry.port
        network.registry.stop()
        var configuration = network.registry.configuration
        configuration.port = port
        let restarted = try #require(eventuallyValue { try? Registry(configuration: configuration) })
        restarted.start()
        defer { restarted.stop() }
        #expect(eventually { restarted.members.map(\.name).sorted() == ["a", "b", "c"] })
        #expect(eventually { restarted.members.allSatisfy { !$0.neighbours.isEmpty } })
    }

    @Test func assignedPortsComeFromTheRangeAndAreNeverShared() throws {
        let network = try LocalNetwork(peerPorts: 47100...47140)
        let a = try network.addPeer("a")
        let b = try network.addPeer("b")
        #expect((47100...47140).contains(a.port) && (47100...47140).contains(b.port))
        #expect(a.port != b.port)
        #expect(eventually { network.links.count == 1 })
    }
}

/// Tries `make` until it returns a value (for a port that takes a moment to be free again).
func eventuallyValue<T>(_ seconds: Double = 10, _ make: () -> T?) -> T? {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if let value = make() { return value }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return make()
}

@Suite struct DownloadFolderTests {
    /// A user who deletes Downloads/ (and the hidden partials folder) while the peer runs still
    /// gets the next download: the folders are made again.
    @Test func removedDownloadFoldersAreMadeAgain() throws {
        let network = try LocalNetwork()
        let a = try network.addPeer("a")
        try network.addPeer("b", files: ["f1.txt": "one line\n"])
        #expect(eventually { network.links.count == 1 })
        try FileManager.default.removeItem(atPath: a.store.downloads)
        try FileManager.default.removeItem(atPath: a.store.partials)
        let result = a.download("f1")
        #expect(result.ok, "\(result.error ?? "")")
        #expect(network.folder.read("a/Downloads/f1.txt") == Array("one line\n".utf8))
    }
}

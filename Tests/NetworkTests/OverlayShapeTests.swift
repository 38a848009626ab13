import Foundation
@testable import Peer
import Registry
import Testing

/// The overlay the default referral builds, on an in-process network of a few hundred peers:
/// connected, within its degree bounds, and small in diameter, before and after churn.
@Suite(.serialized) struct OverlayShapeTests {
    static let size = 200
    /// A random graph of 200 peers with 3 to 12 links each has a diameter of about 5 (measured
    /// 5 to 6 in simulation); a ladder, as least-connected builds, has one near 30.
    static let diameterBound = 8

    func checkShape(_ network: LocalNetwork, _ when: String) {
        let degrees = network.peers.values.map(\.neighbours.count)
        #expect(degrees.allSatisfy { (3...12).contains($0) }, "\(when): degrees \(degrees.min() ?? 0)...\(degrees.max() ?? 0)")
        let diameter = network.diameter
        #expect(diameter != nil, "\(when): not connected")
        #expect((diameter ?? .max) <= Self.diameterBound, "\(when): diameter \(diameter ?? -1)")
    }

    @Test func weightedRandomReferralsKeepTheOverlaySmallThroughChurn() throws {
        let network = try LocalNetwork(referral: .weightedRandom, neighbours: 3, maxLinks: 12, maxPeers: Self.size + 20)
        for index in 0..<Self.size { try network.addPeer("p\(index)") }
        #expect(eventually(60) { network.peers.values.allSatisfy { $0.neighbours.count >= 3 } && network.isConnected })
        checkShape(network, "after bring-up")

        // A tenth of the peers die, and as many new ones join.
        for name in network.peers.keys.shuffled().prefix(Self.size / 10) { network.stop(name) }
        for index in 0..<(Self.size / 10) { try network.addPeer("new\(index)") }
        #expect(eventually(60) { network.peers.values.allSatisfy { $0.neighbours.count >= 3 } && network.isConnected })
        checkShape(network, "after churn")
    }

    @Test func aPeerCutOffFromTheRegistryRelinksFromThePeersItHeardOf() throws {
        // Enough peers, and few enough links each, that p0 (the first, which every early
        // newcomer is referred to) has peers it is not linked to, to hear of.
        let network = try LocalNetwork(referral: .weightedRandom, neighbours: 3, maxLinks: 8)
        for index in 0..<30 { try network.addPeer("p\(index)") }
        #expect(eventually { network.isConnected && network.peers.values.allSatisfy { $0.neighbours.count >= 3 } })
        let peer = try #require(network.peers["p0"])
        // Its book fills from referrals, links and the neighbours' samples (every fifth beat).
        #expect(eventually(60) {
            let linked = Set(peer.neighbours.map { $0.name.lowercased() })
            return peer.book.withLock { $0.entries.keys.filter { !linked.contains($0) }.count } >= 3
        })
        network.registry.stop()
        let lost = peer.neighbours.map(\.name)
        for name in lost { network.stop(name) }
        #expect(eventually(60) { peer.neighbours.count >= 3 && Set(peer.neighbours.map(\.name)).isDisjoint(with: lost) },
                "relinked to \(peer.neighbours.map(\.name)) after losing \(lost)")
    }
}

import Admission
import Control
import NodeRuntime
import System
import Wire

/// The overlay as a crawl found it: every reachable peer with its port and neighbours.
public struct Topology: Sendable {
    /// Each peer that answered, by name, with the neighbours it reported.
    public var peers: [String: (address: PeerAddress, neighbours: [String])] = [:]
    /// Peers named as neighbours that did not answer the crawl.
    public var unreachable: Set<String> = []

    public init() {}

    public var nodes: [PeerAddress] { peers.values.map(\.address).sorted { $0.name < $1.name } }

    /// Nodes, links both ends report, links only one end reports, and who did not answer.
    public var document: TopologyDocument {
        var document = TopologyDocument(peers: peers.mapValues { (port: $0.address.port, neighbours: $0.neighbours) })
        if !unreachable.isEmpty { document.unreachable = unreachable.sorted() }
        return document
    }
}

extension PeerNode {
    /// Crawls the overlay breadth-first from this peer: asks every peer it learns of for its
    /// neighbours, over a short connection of its own, until no new peer turns up. It ends when
    /// every reachable peer has answered (or failed to within the timeout), not after a guess.
    public func crawl(timeout: Duration = .seconds(3)) -> Topology {
        var topology = Topology()
        let me = neighbours
        topology.peers[name] = (address, me.map(\.name))
        var known = Set([name] + me.map(\.name))
        var frontier = me
        while !frontier.isEmpty {
            let answers = Protected([(PeerAddress, Frame?)]())
            let secret = configuration.secret
            concurrentForEach(frontier, width: 16) { peer in
                let reply = Self.askTopology(peer, timeout: timeout, secret: secret)
                answers.withLock { $0.append((peer, reply)) }
            }
            frontier = []
            for (peer, reply) in answers.snapshot {
                guard case .topologyReply(let them, let theirs)? = reply else {
                    topology.unreachable.insert(peer.name)
                    continue
                }
                topology.peers[them.name] = (PeerAddress(name: them.name, host: peer.host, port: them.port), theirs.map(\.name))
                for next in theirs where !known.contains(next.name) {
                    known.insert(next.name)
                    frontier.append(next)
                }
            }
        }
        return topology
    }

    static func askTopology(_ peer: PeerAddress, timeout: Duration, secret: SharedSecret?) -> Frame? {
        guard let connection = try? FrameConnection.open(host: peer.host, port: peer.port, timeout: timeout, secret: secret) else {
            return nil
        }
        defer { connection.close() }
        try? connection.send(.topologyRequest)
        return try? connection.receive(until: .after(timeout))
    }
}

import Admission
import Foundation
import NodeRuntime
@testable import Peer
import Registry
import Sockets
import System
import Testing
import Wire

/// A temporary folder that removes itself.
final class TemporaryFolder {
    let url: URL
    var path: String { url.path }

    init() throws {
        url = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("p2pnet-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Creates `name` (with folders) holding `bytes`; returns its path.
    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: file)
        return file.path
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String { try write(name, Array(text.utf8)) }

    func folder(_ name: String) throws -> String {
        let folder = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.path
    }

    func read(_ name: String) -> [UInt8]? {
        (try? Data(contentsOf: url.appendingPathComponent(name))).map { Array($0) }
    }

    func contents(of name: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: url.appendingPathComponent(name).path)) ?? []).sorted()
    }
}

/// Waits until `condition` holds, up to a generous deadline; false if it never does.
func eventually(_ seconds: Double = 20, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return condition()
}

/// A registry and peers in this process, on loopback, on free ports, each peer with its own
/// folder under one temporary folder. Everything stops when the network is released.
final class LocalNetwork {
    let folder: TemporaryFolder
    let registry: Registry
    private(set) var peers: [String: PeerNode] = [:]
    /// A network of a hundred peers or more holds thousands of sockets: spawns wait meanwhile.
    private let holdsMany: Bool

    init(referral: ReferralPolicy = .leastConnected, neighbours: Int = 2, maxLinks: Int = 12, maxPeers: Int = 50,
         peerPorts: ClosedRange<UInt16>? = nil, secret: SharedSecret? = nil) throws {
        holdsMany = maxPeers >= 100
        folder = try TemporaryFolder()
        var configuration = RegistryConfiguration()
        configuration.port = 0
        configuration.referral = referral
        configuration.neighbours = neighbours
        configuration.maxLinks = maxLinks
        configuration.maxPeers = maxPeers
        configuration.peerPorts = peerPorts
        configuration.secret = secret
        registry = try Registry(configuration: configuration)
        registry.start()
        if holdsMany { ProcessRunGuard.beginHoldingMany() }   // last: a throw above never leaves it held
    }

    deinit {
        for peer in peers.values { peer.stop() }
        registry.stop()
        if holdsMany { ProcessRunGuard.endHoldingMany() }
    }

    func configuration(_ name: String) throws -> PeerConfiguration {
        var configuration = PeerConfiguration(name: name, directory: try folder.folder(name))
        configuration.registryPort = registry.port
        configuration.neighbours = registry.configuration.neighbours
        configuration.maxLinks = registry.configuration.maxLinks
        configuration.queryTimeout = .seconds(3)
        configuration.secret = registry.configuration.secret
        return configuration
    }

    /// Starts a peer whose folder holds `files` (name -> contents).
    @discardableResult
    func addPeer(_ name: String, files: [String: String] = [:], configure: (inout PeerConfiguration) -> Void = { _ in }) throws -> PeerNode {
        for (file, text) in files { try folder.write("\(name)/\(file)", text) }
        var configuration = try configuration(name)
        configure(&configuration)
        let peer = try PeerNode(configuration: configuration)
        try peer.start()
        peers[name] = peer
        return peer
    }

    func stop(_ name: String) {
        peers.removeValue(forKey: name)?.stop()
    }

    /// Every link reported by the end whose name sorts first (sorted pairs).
    var links: Set<[String]> {
        var result = Set<[String]>()
        for (name, peer) in peers {
            for other in peer.neighbours.map(\.name) where name < other { result.insert([name, other]) }
        }
        return result
    }

    /// The longest shortest path between two running peers, by the links each reports; nil
    /// when the peers are not all connected.
    var diameter: Int? {
        var longest = 0
        for start in peers.keys {
            var distance = [start: 0]
            var frontier = [start]
            while !frontier.isEmpty {
                var next: [String] = []
                for name in frontier {
                    for other in peers[name]?.neighbours.map(\.name) ?? [] where distance[other] == nil && peers[other] != nil {
                        distance[other] = distance[name]! + 1
                        next.append(other)
                    }
                }
                frontier = next
            }
            guard distance.count == peers.count else { return nil }
            longest = max(longest, distance.values.max() ?? 0)
        }
        return longest
    }

    /// True when the running peers' links form one connected graph.
    var isConnected: Bool {
        guard let start = peers.keys.first else { return true }
        var seen: Set<String> = [start]
        var queue = [start]
        while let next = queue.popLast() {
            for other in peers[next]?.neighbours.map(\.name) ?? [] where !seen.contains(other) && peers[other] != nil {
                seen.insert(other)
                queue.append(other)
            }
        }
        return seen.count == peers.count
    }
}

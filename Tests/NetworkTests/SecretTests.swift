import Admission
import Foundation
import NodeRuntime
@testable import Peer
import Registry
import Sockets
import System
import Testing
import Wire

/// Who gets in when the network has a shared secret: the registry admits, and peers link with,
/// only those that prove it by challenge and response; HTTP asks for the derived token.
@Suite struct SecretTests {
    static let secret = try! SharedSecret(text: Array("a shared secret of the test network".utf8), source: "test")
    static let otherSecret = try! SharedSecret(text: Array("somebody else's secret, as long".utf8), source: "test")

    /// Opens an overlay connection by hand (preface sent), as an outsider would.
    static func rawConnection(to port: UInt16) throws -> FrameConnection {
        let connection = FrameConnection(try Socket.connect(host: "127.0.0.1", port: port, timeout: .seconds(5)))
        try connection.socket.write(Overlay.preface(), until: .after(.seconds(5)))
        return connection
    }

    @Test func peersWithTheSecretJoinLinkAndDownloadAndTheSecretNeverCrossesTheWire() throws {
        let network = try LocalNetwork(referral: .chain, secret: Self.secret)
        try network.addPeer("a", files: ["f1.txt": "behind the secret\n"])
        // b talks to the registry through a relay that keeps every byte it passes.
        let relay = try Relay(to: network.registry.port)
        let b = try network.addPeer("b") { $0.registryPort = relay.port }
        #expect(eventually { network.links.count == 1 })
        let result = b.download("f1")
        #expect(result.ok, "\(result.error ?? "")")
        #expect(network.folder.read("b/Downloads/f1.txt") == Array("behind the secret\n".utf8))
        let seen = relay.bytes
        #expect(seen.count > 100, "the relay saw the join and heartbeats")
        #expect(!contains(seen, Array("a shared secret of the test network".utf8)))
        #expect(!contains(seen, Array(Self.secret.httpToken.utf8)))
    }

    @Test func theRegistryRefusesPeersWithoutTheSecretOrWithAnother() throws {
        let network = try LocalNetwork(secret: Self.secret)
        try network.addPeer("a")
        for (name, secret) in [("none", nil), ("other", Self.otherSecret)] as [(String, SharedSecret?)] {
            var configuration = try network.configuration(name)
            configuration.secret = secret
            let peer = try PeerNode(configuration: configuration)
            #expect(throws: PeerNode.StartError.self) { try peer.start() }
            peer.stop()
        }
        #expect(network.registry.members.map(\.name) == ["a"])
        // And the other way round: a peer with a secret does not join a network without one.
        let open = try LocalNetwork()
        var configuration = try open.configuration("z")
        configuration.secret = Self.secret
        let peer = try PeerNode(configuration: configuration)
        do {
            try peer.start()
            Issue.record("a peer with a secret joined a registry without one")
        } catch {
            #expect("\(error)".contains("no shared secret"), "\(error)")
        }
        peer.stop()
    }

    @Test func aPeerAcceptsLinksAndCrawlsOnlyFromThoseWhoProveTheSecret() throws {
        let network = try LocalNetwork(secret: Self.secret)
        let a = try network.addPeer("a", files: ["f1.txt": "x\n"])
        // A hello or a topology request straight after the preface is refused, saying why.
        for first in [Frame.hello(name: "mallory", flag: "P2P", port: 1), .topologyRequest] {
            let outsider = try Self.rawConnection(to: a.port)
            defer { outsider.close() }
            try outsider.send(first)
            let answer = try outsider.receive(until: .after(.seconds(10)))
            #expect(answer == .refused(reason: HandshakeError.secretRequired), "\(first.caseName)")
        }
        // A challenge answered with a proof made from another secret is refused too.
        let forger = try Self.rawConnection(to: a.port)
        defer { forger.close() }
        let mine = SharedSecret.nonce()
        try forger.send(.challenge(nonce: mine))
        guard case .challenge(let theirs) = try forger.receive(until: .after(.seconds(10))),
              case .proof(let proof) = try forger.receive(until: .after(.seconds(10))) else {
            Issue.record("no challenge and proof from the peer")
            return
        }
        #expect(Self.secret.verify(proof, answering: mine, with: theirs, from: .acceptor), "the peer proves it knows the secret")
        try forger.send(.proof(mac: Self.otherSecret.proof(answering: theirs, with: mine, as: .initiator)))
        #expect(try forger.receive(until: .after(.seconds(10))) == .refused(reason: HandshakeError.wrongSecretReason))
        #expect(a.neighbours.isEmpty)
        // Still serving those who know it.
        let b = try network.addPeer("b")
        #expect(eventually { network.links.count == 1 })
        #expect(b.crawl().peers.keys.sorted() == ["a", "b"])
    }

    @Test func httpAsksForTheTokenDerivedFromTheSecret() throws {
        let network = try LocalNetwork(secret: Self.secret)
        let a = try network.addPeer("a", files: ["f1.txt": "token please\n"])
        func get(_ authorization: String?) throws -> String {
            var request = "GET /f1.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            if let authorization { request += "Authorization: \(authorization)\r\n" }
            let response = try exchange(Array((request + "\r\n").utf8), port: a.port)
            return String(decoding: response ?? [], as: UTF8.self)
        }
        let refused = try get(nil)
        #expect(refused.hasPrefix("HTTP/1.1 401"))
        #expect(refused.contains("WWW-Authenticate: Bearer"))
        #expect(!refused.contains("token please"))
        #expect(try get("Bearer \(Self.otherSecret.httpToken)").hasPrefix("HTTP/1.1 401"))
        let served = try get("Bearer \(Self.secret.httpToken)")
        #expect(served.hasPrefix("HTTP/1.1 200") && served.hasSuffix("token please\n"))
    }
}

private func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard needle.count <= haystack.count else { return false }
    return (0...(haystack.count - needle.count)).contains { haystack[$0..<$0 + needle.count].elementsEqual(needle) }
}

/// A TCP relay on a free loopback port to `port`, keeping a copy of every byte in both directions.
final class Relay: Sendable {
    let listener: Socket
    private let seen = Protected([UInt8]())
    var port: UInt16 { listener.localAddress?.port ?? 0 }
    var bytes: [UInt8] { seen.snapshot }

    init(to port: UInt16) throws {
        listener = try Socket.listen(host: "127.0.0.1", port: 0)
        Threads.detach(name: "relay") { [self] in
            while let client = try? listener.accept() {
                guard let server = try? Socket.connect(host: "127.0.0.1", port: port, timeout: .seconds(5)) else { client.close(); continue }
                Threads.detach(name: "relay-up") { [self] in pump(from: client, to: server) }
                Threads.detach(name: "relay-down") { [self] in pump(from: server, to: client) }
            }
        }
    }

    deinit { listener.shutdown() }

    private func pump(from source: Socket, to destination: Socket) {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        defer { source.shutdown(); destination.shutdown() }
        while let count = try? buffer.withUnsafeMutableBytes({ try source.read(into: $0, until: .after(.seconds(60))) }), count > 0 {
            seen.withLock { $0 += buffer[..<count] }
            guard (try? destination.write(Array(buffer[..<count]), until: .after(.seconds(10)))) != nil else { return }
        }
    }
}

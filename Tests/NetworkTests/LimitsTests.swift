import Foundation
import NodeRuntime
@testable import Peer
import Registry
import Sockets
import System
import Testing
import Wire

/// Each cap crossed on purpose, then the same process shown to serve everyone else.
@Suite struct LimitsTests {
    /// A connection from `source` (another 127.x address looks like another host).
    static func connect(_ port: UInt16, from source: String = "127.0.0.1") throws -> Socket {
        try Socket.connect(host: "127.0.0.1", port: port, from: source, timeout: .seconds(5))
    }

    /// True when the other side closed the connection within `seconds` (end of stream or reset).
    /// True when the other side closes within `seconds`; what it sent before (a peer asks a new
    /// neighbour for its neighbours at once) is read and dropped.
    static func isClosed(_ socket: Socket, within seconds: Double = 10) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = Deadline.after(seconds: seconds)
        do {
            while try buffer.withUnsafeMutableBytes({ try socket.read(into: $0, until: deadline) }) > 0 {}
            return true
        } catch SocketError.timedOut { return false } catch { return true }
    }

    /// A link opened by hand: preface, hello, the peer's hello back.
    static func rawLink(to peer: PeerNode, as name: String) throws -> FrameConnection {
        let link = try FrameConnection.open(host: "127.0.0.1", port: peer.port, timeout: .seconds(5), secret: nil)
        try link.send(.hello(name: name, flag: "P2P", port: 1))
        guard case .hello = try link.receive(until: .after(.seconds(10))) else { throw SocketError.endOfStream(received: 0) }
        return link
    }

    /// Past the cap the connection that has waited longest goes, not the newcomer, and no cap
    /// is per address: one local process cannot shut the peer for the others.
    @Test func pastTheCapTheOldestIdleConnectionMakesRoom() throws {
        let network = try LocalNetwork()
        let peer = try network.addPeer("a", files: ["f.txt": "served\n"]) { configuration in
            configuration.limits.connections = 6
            configuration.limits.idleTimeout = .seconds(120)   // only the cap may close these
        }
        let held = try (0..<6).map { _ in try Self.connect(peer.port) }
        defer { for socket in held { socket.close() } }
        #expect(eventually { peer.openConnections == 6 })
        let seventh = try Self.connect(peer.port)
        defer { seventh.close() }
        #expect(Self.isClosed(held[0]), "the oldest idle connection made room")
        #expect(!held.dropFirst().contains { Self.isClosed($0, within: 0.3) }, "the others stay open")
        #expect(!Self.isClosed(seventh, within: 0.3), "the newcomer is kept")
        // Another request from the same address is served (it makes room in turn).
        #expect(try getStatus("f.txt", port: peer.port) == "HTTP/1.1 200 OK")
        #expect(peer.openConnections <= 6)
        #expect(peer.counterBook.snapshot.httpRefused >= 2, "each connection closed to make room is counted")
    }

    @Test func silentAndIdleConnectionsAreClosedAfterTheIdleTimeout() throws {
        let network = try LocalNetwork()
        let peer = try network.addPeer("a", files: ["f.txt": "served\n"]) { $0.limits.idleTimeout = .milliseconds(300) }
        let silent = try Self.connect(peer.port)
        defer { silent.close() }
        #expect(Self.isClosed(silent), "a connection that never speaks")
        let idle = try Self.connect(peer.port)
        defer { idle.close() }
        try idle.write(Array("HEAD /f.txt HTTP/1.1\r\nHost: x\r\n\r\n".utf8), until: .after(.seconds(5)))
        var reader = SocketReader(idle)
        let status = try reader.readLine(maxLength: 1024, until: .after(.seconds(10))) ?? []
        #expect(String(decoding: status, as: UTF8.self).hasPrefix("HTTP/1.1 200"))
        #expect(Self.isClosed(idle), "a keep-alive connection that goes quiet after its request")
        #expect(try getStatus("f.txt", port: peer.port) == "HTTP/1.1 200 OK")
    }

    @Test func oversizedHeadsAndFramesAreRefusedAndThePeerServesOn() throws {
        let network = try LocalNetwork()
        let peer = try network.addPeer("a", files: ["f.txt": "served\n"])
        let head = "GET /f.txt HTTP/1.1\r\n" + String(repeating: "X-Pad: \(String(repeating: "p", count: 100))\r\n", count: 90) + "\r\n"
        let tooBig = try exchange(Array(head.utf8), port: peer.port)
        #expect(statusLine(of: tooBig) == "HTTP/1.1 431")
        let manyHeaders = "GET /f.txt HTTP/1.1\r\n" + (0..<(HTTPLimits.maxHeaders + 1)).map { "X-\($0): y\r\n" }.joined() + "\r\n"
        #expect(statusLine(of: try exchange(Array(manyHeaders.utf8), port: peer.port)) == "HTTP/1.1 431")

        let link = try Self.rawLink(to: peer, as: "big")
        defer { link.close() }
        let length = UInt32(WireLimits.maxPayload + 1)
        try link.socket.write([0x13] + withUnsafeBytes(of: length.bigEndian, Array.init) + [UInt8](repeating: 0, count: 64),
                              until: .after(.seconds(5)))
        #expect(Self.isClosed(link.socket), "a frame over the payload cap drops the link")
        #expect(try getStatus("f.txt", port: peer.port) == "HTTP/1.1 200 OK")
    }

    @Test func aNeighbourThatFloodsQueriesIsThrottledNotAmplified() throws {
        let network = try LocalNetwork()
        let a = try network.addPeer("a") { configuration in
            configuration.limits.queriesPerSecond = 10
            configuration.limits.queryBurst = 20
        }
        let b = try network.addPeer("b", files: ["wanted.txt": "still found\n"])
        #expect(eventually { network.links.count == 1 })
        let flooder = try Self.rawLink(to: a, as: "flooder")
        defer { flooder.close() }
        let flood = 3000
        for index in 0..<flood {
            try flooder.send(.query(id: QueryID.random(), ttl: 7, hops: 0, name: "nothing-\(index)"))
        }
        #expect(eventually(30) { a.statistics.queriesThrottled + a.statistics.queriesReceived == flood })
        let figures = a.statistics
        #expect(figures.queriesThrottled > flood / 2, "most of the flood was dropped: \(figures)")
        #expect(figures.queriesSent <= figures.queriesReceived, "each query let through went to one other link at most")
        #expect(b.statistics.queriesReceived <= figures.queriesReceived)
        // The flooder's neighbour still searches and downloads as before.
        let result = a.download("wanted.txt")
        #expect(result.ok, "\(result.error ?? "")")
    }

    @Test func ttlIsClampedAndImpossibleTTLAndHopsAreDropped() throws {
        let network = try LocalNetwork()
        let a = try network.addPeer("a")
        let sender = try Self.rawLink(to: a, as: "sender")
        defer { sender.close() }
        let listener = try Self.rawLink(to: a, as: "listener")
        defer { listener.close() }
        #expect(eventually { a.neighbours.count == 2 })
        func forwarded() throws -> (ttl: UInt8, hops: UInt8, name: String) {
            while true {
                if case .query(_, let ttl, let hops, let name) = try listener.receive(until: .after(.seconds(10))) { return (ttl, hops, name) }
            }
        }
        try sender.send(.query(id: QueryID.random(), ttl: 200, hops: 0, name: "clamped"))
        let clamped = try forwarded()
        #expect(clamped.name == "clamped" && clamped.ttl == PeerConfiguration.maxTTL - 1 && clamped.hops == 1)
        for (ttl, hops) in [(10, 10), (0, 3), (1, 16), (16, 1)] as [(UInt8, UInt8)] {
            try sender.send(.query(id: QueryID.random(), ttl: ttl, hops: hops, name: "forged"))
        }
        try sender.send(.query(id: QueryID.random(), ttl: 5, hops: 2, name: "marker"))
        let next = try forwarded()
        #expect(next.name == "marker" && next.ttl == 4 && next.hops == 3, "no forged query was forwarded before it")
        #expect(a.statistics.queriesForged == 4)
    }

    @Test func aFloodOfSilentConnectionsDoesNotKeepPeersFromJoining() throws {
        let network = try LocalNetwork()
        let silent = try (0..<(Registry.maxHandshaking + 16)).map { _ in
            try Socket.connect(host: "127.0.0.1", port: network.registry.port, timeout: .seconds(5))
        }
        defer { for socket in silent { socket.close() } }
        #expect(eventually { silent.filter { Self.isClosed($0, within: 0.01) }.count >= 16 }, "the oldest were dropped")
        try network.addPeer("a")
        try network.addPeer("b")
        #expect(eventually { network.links.count == 1 })
        #expect(network.registry.members.count == 2)
    }
}

/// The pure parts of the limits, on a clock the test moves by hand.
@Suite struct LimitParts {
    @Test func aTokenBucketAllowsItsBurstThenItsRate() {
        let start = ContinuousClock.now
        var bucket = TokenBucket(rate: 2, burst: 3, now: start)
        let first = (0..<5).map { _ in bucket.take(now: start) }
        #expect(first == [true, true, true, false, false])
        let halfASecond = [bucket.take(now: start + .milliseconds(500)), bucket.take(now: start + .milliseconds(500))]
        #expect(halfASecond == [true, false], "half a second at 2/s gives one back")
        let aMinute = (0..<4).map { _ in bucket.take(now: start + .seconds(60)) }
        #expect(aMinute == [true, true, true, false], "never more than the burst")
        #expect(bucket.refusals.count == 4)
    }

    @Test func anEventTallyReportsAtMostOnceASecond() {
        let start = ContinuousClock.now
        var tally = EventTally()
        var reports = [tally.due(now: start)]
        tally.count += 5
        reports.append(tally.due(now: start))
        tally.count += 1
        reports.append(tally.due(now: start + .milliseconds(900)))
        tally.count += 1
        reports.append(tally.due(now: start + .seconds(1)))
        #expect(reports == [nil, 5, nil, 2], "none, then 5, then too soon, then the 2 since")
    }
}

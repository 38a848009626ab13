import Foundation
import Sockets
import Testing
import Wire

/// Bytes no well-behaved peer sends: each gets a clear answer or a dropped connection, never a
/// crash or a hang of the process that received them, which keeps serving everyone else.
@Suite(.spawnsProcesses) struct HostileInputTests {
    /// Sends `bytes` to `port` and returns whatever comes back before the other side closes
    /// (or nil if it neither answers nor closes within the deadline).
    static func exchange(_ bytes: [UInt8], port: UInt16, seconds: Double = 15) throws -> [UInt8]? {
        let socket = try Socket.connect(host: "127.0.0.1", port: port, timeout: .seconds(5))
        defer { socket.close() }
        try? socket.write(bytes, until: .after(.seconds(5)))
        var reader = SocketReader(socket)
        let deadline = Deadline.after(seconds: seconds)
        do {
            while try reader.fill(until: deadline) {}
        } catch SocketError.timedOut("read") {
            return nil
        } catch {}   // a reset is a dropped connection too
        return Array(reader.buffered)
    }

    static func status(of response: [UInt8]?) -> String {
        String(decoding: (response ?? []).prefix(12), as: UTF8.self)
    }

    static let frameClaiming2GB = Overlay.preface() + [0x13, 0x80, 0x00, 0x00, 0x00]
    static let halfAFrame = Overlay.preface() + Array(Frame.query(id: QueryID.random(), ttl: 3, hops: 0, name: "f1").encoded().prefix(9))

    @Test func aPeerSurvivesEveryKindOfGarbage() throws {
        let network = try ProcessNetwork()
        let bytes = Array("still here\n".utf8)
        let peer = try network.addPeer("a", files: ["ok.txt": bytes])
        let port = try #require(peer.port())

        // A connection that opens and says nothing must not block anyone else.
        let silent = try Socket.connect(host: "127.0.0.1", port: port, timeout: .seconds(5))
        defer { silent.close() }

        var generator = SystemRandomNumberGenerator()
        let garbage = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
        #expect(try Self.exchange(garbage, port: port) != nil)
        #expect(try Self.exchange(Self.frameClaiming2GB, port: port) != nil)
        #expect(try Self.exchange(Self.halfAFrame, port: port) != nil)
        #expect(try Self.exchange(Overlay.magic + [99], port: port) != nil)   // a version we do not speak

        let longLine = Array("GET /\(String(repeating: "a", count: 100_000)) HTTP/1.1\r\n\r\n".utf8)
        #expect(Self.status(of: try Self.exchange(longLine, port: port)) == "HTTP/1.1 431")
        for target in ["/../../etc/passwd", "/%2e%2e/x", "/%2E%2E%2Fetc%2Fpasswd", "/a%00b", "//etc/passwd",
                       "/.hidden", "/Downloads", "/.p2p-partial"] {
            let response = try Self.exchange(Array("GET \(target) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8), port: port)
            #expect(Self.status(of: response) == "HTTP/1.1 404", "\(target)")
        }
        let absolute = try Self.exchange(Array("GET http://evil/etc/passwd HTTP/1.1\r\nConnection: close\r\n\r\n".utf8), port: port)
        #expect(["HTTP/1.1 400", "HTTP/1.1 404"].contains(Self.status(of: absolute)))
        let post = try Self.exchange(Array("POST /ok.txt HTTP/1.1\r\nContent-Length: 0\r\n\r\n".utf8), port: port)
        #expect(Self.status(of: post) == "HTTP/1.1 405")
        let range = try Self.exchange(Array("GET /ok.txt HTTP/1.1\r\nRange: bytes=500-\r\nConnection: close\r\n\r\n".utf8), port: port)
        #expect(Self.status(of: range) == "HTTP/1.1 416")
        #expect(Self.status(of: try Self.exchange(Array("NOT HTTP AT ALL\r\n\r\n".utf8), port: port)) == "HTTP/1.1 400")

        // Still alive, still serving.
        #expect(isAlive(peer.pid))
        #expect(try run("/usr/bin/curl", ["-sf", "http://127.0.0.1:\(port)/ok.txt"]).output == bytes)
    }

    @Test func theRegistrySurvivesGarbageAndASilentConnection() throws {
        let network = try ProcessNetwork()
        let port = network.registryPort
        let silent = try Socket.connect(host: "127.0.0.1", port: port, timeout: .seconds(5))
        defer { silent.close() }
        #expect(try Self.exchange(Array("GET / HTTP/1.1\r\n\r\n".utf8), port: port) != nil)
        #expect(try Self.exchange(Self.frameClaiming2GB, port: port) != nil)
        #expect(try Self.exchange(Self.halfAFrame, port: port) != nil)
        // A hello where a join belongs is refused with a reason.
        let hello = Overlay.preface() + Frame.hello(name: "x", flag: "P2P", port: 1).encoded()
        let answer = try #require(try Self.exchange(hello, port: port))
        #expect(try Frame.decode(answer).frame == .refused(reason: "expected a join"))

        // Peers still join while the silent connection is open, and the silent one is dropped.
        try network.addPeer("a")
        try network.addPeer("b")
        #expect(network.registry.line(in: \.stderr, containing: "b joined") != nil)
        #expect(network.registry.line(in: \.stderr, containing: "timed out") != nil)
        #expect(isAlive(network.registry.pid))
    }

    @Test func aLinkThatSendsNonsenseIsDroppedAndTheOthersStay() throws {
        let network = try ProcessNetwork()
        let a = try network.addPeer("a")
        let port = try #require(a.port())
        // Pose as a neighbour, then send a frame that does not belong on a link.
        let hello = Overlay.preface() + Frame.hello(name: "intruder", flag: "P2P", port: 1).encoded()
        let nonsense = Frame.welcome(port: 1, referrals: []).encoded()
        let answer = try #require(try Self.exchange(hello + nonsense, port: port))
        #expect(try Frame.decode(answer).frame == .hello(name: "a", flag: "P2P", port: port))
        #expect(a.line(in: \.stderr, containing: "link lost: intruder") != nil)
        // A wrong flag gets no link at all.
        let wrong = Overlay.preface() + Frame.hello(name: "b", flag: "nope", port: 1).encoded()
        #expect(try Frame.decode(try #require(try Self.exchange(wrong, port: port))).frame == .refused(reason: "wrong join flag"))
        #expect(isAlive(a.pid))
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Foundation
@testable import Peer
import Sockets
import System
import Testing
import Wire

/// A peer under a crowd and under clients that misbehave on purpose (issue "serve a crowd"):
/// idle and slow connections cost it no thread and shut nobody out; pipelined, split and
/// half-closed requests are answered as HTTP says.
@Suite(.serialized) struct CrowdTests {
    /// What the two crowd tests hold at once in this process: both ends of every connection.
    static let enoughDescriptors = DescriptorLimit.raise() >= 16_000
    static func connect(_ port: UInt16) throws -> Socket {
        try Socket.connect(host: "127.0.0.1", port: port, timeout: .seconds(5))
    }

    /// Everything the other side sends until it closes (or `seconds` pass).
    static func readAll(_ socket: Socket, seconds: Double = 10) -> [UInt8] { readToEnd(socket, seconds: seconds).bytes }

    /// The same, and whether the other side closed (end of stream or reset) rather than the
    /// time running out.
    static func readToEnd(_ socket: Socket, seconds: Double) -> (bytes: [UInt8], closed: Bool) {
        var reader = SocketReader(socket)
        let deadline = Deadline.after(seconds: seconds)
        do {
            while try reader.fill(until: deadline) {}
            return (Array(reader.buffered), true)
        } catch SocketError.timedOut {
            return (Array(reader.buffered), false)
        } catch {
            return (Array(reader.buffered), true)
        }
    }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func pipelinedRequestsInOnePacketAreAnsweredInOrder() throws {
        let network = try LocalNetwork()
        let peer = try network.addPeer("a", files: ["one.txt": "first\n", "two.txt": "second\n", "three.txt": "third\n"])
        let socket = try Self.connect(peer.port)
        defer { socket.close() }
        let requests = ["one.txt", "missing.txt", "two.txt", "three.txt"].enumerated().map { index, name in
            "GET /\(name) HTTP/1.1\r\nHost: x\r\n" + (index == 3 ? "Connection: close\r\n" : "") + "\r\n"
        }.joined()
        try socket.write(Array(requests.utf8), until: .after(.seconds(5)))
        let answer = Self.text(Self.readAll(socket))
        let statuses = Array(answer.utf8).split(separator: 10).map { Self.text(Array($0.filter { $0 != 13 })) }.filter { $0.hasPrefix("HTTP/1.1 ") }
        #expect(statuses == ["HTTP/1.1 200 OK", "HTTP/1.1 404 Not Found", "HTTP/1.1 200 OK", "HTTP/1.1 200 OK"], "\(answer)")
        let bodies = ["first\n", "second\n", "third\n"].compactMap { answer.range(of: $0)?.lowerBound }
        #expect(bodies.count == 3 && bodies == bodies.sorted(), "the bodies come in the order asked")
    }

    @Test func aHeadSentByteByByteIsServedIfWholeInTimeAndClosedIfNot() throws {
        let network = try LocalNetwork()
        let peer = try network.addPeer("a", files: ["f.txt": "served\n"]) { $0.limits.idleTimeout = .seconds(2) }
        let head = Array("GET /f.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)

        let quick = try Self.connect(peer.port)
        defer { quick.close() }
        for byte in head { try quick.write([byte], until: .after(.seconds(5))) }
        #expect(Self.text(Self.readAll(quick)).hasPrefix("HTTP/1.1 200 OK"))

        // A byte every 100 ms is 5 s for this head: the deadline is on the whole head, not
        // between bytes, so it is closed after about 2 s, unanswered.
        let trickle = try Self.connect(peer.port)
        defer { trickle.close() }
        var refused = false
        for byte in head {
            do { try trickle.write([byte], until: .after(.seconds(5))) } catch { refused = true; break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        let rest = Self.readToEnd(trickle, seconds: 10)
        #expect(refused || rest.closed, "the peer kept a trickled head open")
        #expect(!Self.text(rest.bytes).contains("200 OK"), "a trickled head was answered: \(Self.text(rest.bytes))")
        #expect(eventually { peer.openConnections == 0 })
    }

    @Test func aHalfClosedConnectionStillGetsItsAnswer() throws {
        let network = try LocalNetwork()
        let peer = try network.addPeer("a", files: ["f.txt": "served\n"])
        let socket = try Self.connect(peer.port)
        defer { socket.close() }
        try socket.write(Array("GET /f.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /f.txt HTTP/1.1\r\nHost: x\r\n\r\n".utf8), until: .after(.seconds(5)))
        _ = Glibc.shutdown(socket.fileDescriptor, Int32(SHUT_WR))
        let answer = Self.text(Self.readAll(socket))
        #expect(answer.components(separatedBy: "HTTP/1.1 200 OK").count == 3, "both requests answered: \(answer)")
        #expect(eventually { peer.openConnections == 0 }, "then the connection closes")
    }

    @Test func httpPersistenceFollowsTheRequestsVersion() throws {
        let network = try LocalNetwork()
        let peer = try network.addPeer("a", files: ["f.txt": "served\n"])
        // HTTP/1.0 with keep-alive: said back, and the connection stays for a second request.
        let kept = try Self.connect(peer.port)
        defer { kept.close() }
        try kept.write(Array("GET /f.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n".utf8), until: .after(.seconds(5)))
        var reader = SocketReader(kept)
        var first = ""
        while !first.hasSuffix("served\n") {
            guard try reader.fill(until: .after(.seconds(10))) else { break }
            first = Self.text(Array(reader.buffered))
        }
        #expect(first.contains("\r\nConnection: keep-alive\r\n"), "\(first)")
        reader.consume(reader.buffered.count)
        try kept.write(Array("HEAD /f.txt HTTP/1.0\r\n\r\n".utf8), until: .after(.seconds(5)))
        while try reader.fill(until: .after(.seconds(10))) {}
        let second = Self.text(Array(reader.buffered))
        #expect(second.hasPrefix("HTTP/1.1 200 OK") && second.contains("Connection: close"), "a plain 1.0 request closes: \(second)")

        // HTTP/1.0 without keep-alive closes after one answer.
        let plain = try exchange(Array("GET /f.txt HTTP/1.0\r\n\r\n".utf8), port: peer.port)
        #expect(Self.text(plain ?? []).hasSuffix("served\n"))
    }

    @Test func theIndexConditionalRequestsAndDatesAreAsSpecSays() throws {
        let network = try LocalNetwork()
        let peer = try network.addPeer("a", files: ["f.txt": "served\n", "a <b>.txt": "odd name\n"])
        let html = Self.text(try exchange(Array("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8), port: peer.port) ?? [])
        #expect(html.hasPrefix("HTTP/1.1 200 OK") && html.contains("Content-Type: text/html"), "\(html)")
        #expect(html.contains("<a href=\"/a%20%3Cb%3E.txt\">a &lt;b&gt;.txt</a>"), "\(html)")
        let digest = try peer.store.digest(of: try #require(peer.store.servable("f.txt"))).hex
        #expect(html.contains(digest))

        let json = try exchange(Array("GET / HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\nConnection: close\r\n\r\n".utf8), port: peer.port) ?? []
        let body = try #require(Self.text(json).components(separatedBy: "\r\n\r\n").last)
        let files = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]])
        #expect(files.compactMap { $0["name"] as? String }.sorted() == ["a <b>.txt", "f.txt"])
        #expect(files.first { $0["name"] as? String == "f.txt" }?["sha256"] as? String == digest)
        #expect(files.first { $0["name"] as? String == "f.txt" }?["size"] as? Int == 7)

        let full = Self.text(try exchange(Array("GET /f.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8), port: peer.port) ?? [])
        #expect(full.range(of: #"\r\nDate: [A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT\r\n"#, options: .regularExpression) != nil, "\(full)")
        #expect(full.contains("\r\nLast-Modified: "), "\(full)")
        for tag in ["\"\(digest)\"", "W/\"\(digest)\"", "\"other\", \"\(digest)\"", "*"] {
            let cached = Self.text(try exchange(Array("GET /f.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: \(tag)\r\nConnection: close\r\n\r\n".utf8),
                                                port: peer.port) ?? [])
            #expect(cached.hasPrefix("HTTP/1.1 304 Not Modified") && !cached.contains("served"), "If-None-Match: \(tag) -> \(cached)")
        }
        let changed = Self.text(try exchange(Array("GET /f.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"other\"\r\nConnection: close\r\n\r\n".utf8),
                                             port: peer.port) ?? [])
        #expect(changed.hasPrefix("HTTP/1.1 200 OK") && changed.hasSuffix("served\n"))
    }

    /// One process holding a thousand half-sent requests: curl's kind of request and another
    /// peer's download from the same peer both go through meanwhile.
    @Test(.enabled(if: enoughDescriptors, "needs 16,000 descriptors (ulimit -Hn)"))
    func aThousandSlowConnectionsFromOneProcessShutNobodyOut() throws {
        let network = try LocalNetwork()
        let holder = try network.addPeer("holder", files: ["wanted.txt": "still served\n"])
        let asker = try network.addPeer("asker")
        #expect(eventually { network.links.count == 1 })
        // Thousands of descriptors in this process (both ends): spawns by other tests wait
        // until the peer has closed its ends too (Foundation's Process.run misreads /proc/self/fd
        // past ~1,365 of them, see ProcessRunGuard).
        ProcessRunGuard.beginHoldingMany()
        var slow: [Socket] = []
        defer {
            for socket in slow { socket.close() }
            _ = eventually(60) { (holder.http.snapshot?.open ?? 0) == 0 }
            ProcessRunGuard.endHoldingMany()
        }
        for _ in 0..<1000 { slow.append(try Self.connect(holder.port)) }
        for socket in slow { try socket.write(Array("GET /wanted.txt HTTP/1.1\r\nHost: x\r\nX-Slow: ".utf8), until: .after(.seconds(5))) }
        #expect(eventually { holder.openConnections >= 1000 })
        #expect(try getStatus("wanted.txt", port: holder.port) == "HTTP/1.1 200 OK")
        let result = asker.download("wanted.txt")
        #expect(result.ok, "\(result.error ?? "")")
        #expect(holder.openConnections >= 1000, "the slow ones are still held, not dropped to serve the others")
    }
}

/// Ten thousand connections at once, against a peer in a process of its own (so its end of
/// each, and the test's, fit in two processes' descriptor limits beside the other suites).
@Suite(.serialized, .spawnsProcesses) struct CrowdProcessTests {
    @Test(.enabled(if: DescriptorLimit.raise() >= 16_000, "needs 16,000 descriptors (ulimit -Hn)"))
    func tenThousandConnectionsAtOnceStayWithinTheCapAndThePeerServesOn() throws {
        let network = try ProcessNetwork()
        let peer = try network.addPeer("a", files: ["f.txt": Array("served\n".utf8)])
        let port = try #require(peer.port())
        ProcessRunGuard.beginHoldingMany()   // see CrowdTests
        var sockets: [Socket] = []
        defer {
            for socket in sockets { socket.close() }
            ProcessRunGuard.endHoldingMany()
        }
        // A connect waits out SYN retries (the accept backlog is 1,024) for as long as it takes.
        for _ in 0..<10_000 {
            guard let socket = try? Socket.connect(host: "127.0.0.1", port: port, timeout: .seconds(60)) else { break }
            sockets.append(socket)
        }
        #expect(sockets.count == 10_000, "the kernel took \(sockets.count) connections")
        let held = { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(peer.pid)/fd").count) ?? 0 }
        #expect(eventually(60) { held() <= PeerLimits().connections + 64 }, "the peer holds \(held()) descriptors")
        #expect(try getStatus("f.txt", port: port) == "HTTP/1.1 200 OK", "served while at its cap")
        #expect(isAlive(peer.pid))
    }
}

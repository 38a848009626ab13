import Foundation
import Sockets
import System
import Testing

/// A connected pair on loopback: the client side and the accepted server side.
func connectedPair(host: String = "127.0.0.1") throws -> (client: Socket, server: Socket, listener: Socket) {
    let listener = try Socket.listen(host: host, port: 0)
    let port = try #require(listener.localAddress?.port)
    let client = try Socket.connect(host: host, port: port, timeout: .seconds(5))
    let server = try listener.accept(until: .after(.seconds(5)))
    return (client, server, listener)
}

@Suite struct SocketTests {
    @Test func roundTripOverIPv4() throws {
        let (client, server, _) = try connectedPair()
        try client.write(Array("hello\n".utf8), until: .after(.seconds(5)))
        var reader = SocketReader(server)
        let line = try reader.readLine(maxLength: 100, until: .after(.seconds(5)))
        #expect(line.map { String(decoding: $0, as: UTF8.self) } == "hello")
    }

    @Test func roundTripOverIPv6() throws {
        guard let listener = try? Socket.listen(host: "::1", port: 0) else { return }   // no IPv6 loopback here
        let port = try #require(listener.localAddress?.port)
        let client = try Socket.connect(host: "::1", port: port, timeout: .seconds(5))
        let server = try listener.accept(until: .after(.seconds(5)))
        try server.write([1, 2, 3], until: .after(.seconds(5)))
        var reader = SocketReader(client)
        #expect(try reader.read(exactly: 3, until: .after(.seconds(5))) == [1, 2, 3])
        #expect(client.remoteAddress?.description == "[::1]:\(port)")
    }

    @Test func endOfStreamInTheMiddleOfAMessage() throws {
        let (client, server, _) = try connectedPair()
        try server.write([9, 9, 9], until: .after(.seconds(5)))
        server.close()
        var reader = SocketReader(client)
        #expect(throws: SocketError.endOfStream(received: 3)) {
            _ = try reader.read(exactly: 10, until: .after(.seconds(5)))
        }
    }

    @Test func resetByThePeerIsADisconnect() throws {
        let (client, server, _) = try connectedPair()
        // SO_LINGER with a zero timeout makes close() send RST instead of FIN.
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(server.fileDescriptor, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        server.close()
        var buffer = [UInt8](repeating: 0, count: 16)
        do {
            _ = try buffer.withUnsafeMutableBytes { try client.read(into: $0, until: .after(.seconds(5))) }
            Issue.record("read after a reset should fail")
        } catch let error as SocketError {
            #expect(error.isDisconnect)
            #expect(error == .system(SystemError(call: "recv", errno: .connectionReset)))
        }
    }

    @Test func aSilentPeerTimesOut() throws {
        let (client, server, listener) = try connectedPair()
        var reader = SocketReader(client)
        #expect(throws: SocketError.timedOut("read")) {
            _ = try reader.read(exactly: 1, until: .after(.milliseconds(50)))
        }
        withExtendedLifetime((server, listener)) {}   // open, but silent, all along
    }

    @Test func connectionRefusedCarriesTheCallAndErrno() throws {
        let listener = try Socket.listen(host: "127.0.0.1", port: 0)
        let port = try #require(listener.localAddress?.port)
        listener.close()
        do {
            _ = try Socket.connect(host: "127.0.0.1", port: port, timeout: .seconds(5))
            Issue.record("connect to a closed port should fail")
        } catch {
            #expect(error == .system(SystemError(call: "connect(127.0.0.1:\(port))", errno: .connectionRefused)))
            #expect(error.description.contains("Connection refused"))
        }
    }

    @Test func shutdownWakesABlockedAccept() throws {
        let listener = try Socket.listen(host: "127.0.0.1", port: 0)
        let outcome = Protected<SocketError?>(nil)
        Threads.detach {
            do throws(SocketError) { _ = try listener.accept() } catch { outcome.withLock(notify: true) { $0 = error } }
        }
        Thread.sleep(forTimeInterval: 0.05)
        listener.shutdown()
        let error = outcome.wait(until: .after(.seconds(10))) { $0 }
        #expect(error == .shutDown)
    }

    @Test func aLineOverTheCapIsRefusedBeforeItEnds() throws {
        let (client, server, _) = try connectedPair()
        try client.write([UInt8](repeating: 65, count: 5000), until: .after(.seconds(5)))
        var reader = SocketReader(server)
        #expect(throws: SocketError.tooLong(limit: 1000)) {
            _ = try reader.readLine(maxLength: 1000, until: .after(.seconds(5)))
        }
    }

    @Test func sendFileCopiesTheRequestedRange() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sockets-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let path = folder.appendingPathComponent("data").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        let (client, server, _) = try connectedPair()
        Threads.detach { try? server.sendFile(from: fd, offset: 1000, count: 250_000, stall: .seconds(5)) }
        var reader = SocketReader(client)
        let received = try reader.read(exactly: 250_000, until: .after(.seconds(10)))
        #expect(received == Array(bytes[1000..<251_000]))
    }

    /// A file of `size` zero bytes, in a folder of its own that `remove()` deletes.
    struct ScratchFile {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sockets-\(UUID())")
        var path: String { folder.appendingPathComponent("data").path }
        init(size: Int) throws {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(count: size).write(to: URL(fileURLWithPath: path))
        }
        func remove() { try? FileManager.default.removeItem(at: folder) }
    }

    enum Outcome: Equatable {
        case sent
        case failed(SocketError)
    }

    /// Sends 32 MiB of `file` to `client` (whose small receive buffer stays full unless it
    /// reads) on another thread, then closes `server`; how the send ended lands in the result.
    static func sendLarge(_ file: ScratchFile, to client: Socket, from server: Socket, stall: Duration) -> Protected<Outcome?> {
        var small: Int32 = 64 << 10
        setsockopt(client.fileDescriptor, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        let outcome = Protected<Outcome?>(nil)
        let path = file.path
        Threads.detach {
            let fd = open(path, O_RDONLY)
            defer {
                close(fd)
                server.close()
            }
            do throws(SocketError) {
                try server.sendFile(from: fd, offset: 0, count: 32 << 20, stall: stall)
                outcome.withLock(notify: true) { $0 = .sent }
            } catch {
                outcome.withLock(notify: true) { $0 = .failed(error) }
            }
        }
        return outcome
    }

    @Test func sendFileEndsWithAnErrorWhenTheFileShrinksUnderIt() throws {
        let file = try ScratchFile(size: 32 << 20)
        defer { file.remove() }
        let (client, server, _) = try connectedPair()
        let outcome = Self.sendLarge(file, to: client, from: server, stall: .seconds(10))
        var reader = SocketReader(client)
        _ = try reader.read(exactly: 1 << 16, until: .after(.seconds(10)))   // under way
        #expect(truncate(file.path, 4096) == 0)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while try buffer.withUnsafeMutableBytes({ try client.read(into: $0, until: .after(.seconds(20))) }) > 0 {}
        let result = try #require(outcome.wait(until: .after(.seconds(20))) { $0 })
        var endedEarly = false
        if case .failed(.endOfStream(let sent)) = result { endedEarly = sent < 32 << 20 }
        #expect(endedEarly, "\(result)")
    }

    @Test func aSendFileNobodyReadsFailsAfterItsStall() throws {
        let file = try ScratchFile(size: 32 << 20)
        defer { file.remove() }
        let (client, server, _) = try connectedPair()
        let outcome = Self.sendLarge(file, to: client, from: server, stall: .milliseconds(300))
        let result = outcome.wait(until: .after(.seconds(20))) { $0 }
        #expect(result == .failed(.timedOut("send")))
    }

    @Test func shutdownWakesABlockedSendFileAndReadsStillKeepTheirDeadline() throws {
        let file = try ScratchFile(size: 32 << 20)
        defer { file.remove() }
        let (client, server, _) = try connectedPair()
        let outcome = Self.sendLarge(file, to: client, from: server, stall: .seconds(60))
        Thread.sleep(forTimeInterval: 0.2)   // the send now waits for room
        // A read meanwhile still keeps its deadline (on its own thread: were it to block, the
        // shutdown below ends it).
        let read = Protected<SocketError?>(nil)
        Threads.detach {
            let byte = UnsafeMutableRawBufferPointer.allocate(byteCount: 1, alignment: 1)
            defer { byte.deallocate() }
            do throws(SocketError) {
                _ = try server.read(into: byte, until: .after(.milliseconds(100)))
            } catch {
                read.withLock(notify: true) { $0 = error }
            }
        }
        #expect(read.wait(until: .after(.seconds(5))) { $0 } == .timedOut("read"))
        server.shutdown()
        let result = outcome.wait(until: .after(.seconds(20))) { $0 }   // long before the 60 s stall
        #expect(result == .failed(.shutDown))
        _ = client
    }

    @Test func closeIsIdempotent() throws {
        let socket = try Socket.listen(host: "127.0.0.1", port: 0)
        #expect(socket.fileDescriptor >= 0)
        socket.close()
        socket.close()
        #expect(socket.fileDescriptor == -1)
    }

    @Test(arguments: ["localhost", "999.1.1.1", "", "::g", "1.2.3"])
    func hostsMustBeLiterals(_ host: String) {
        #expect(throws: SocketError.badAddress(host)) { _ = try SocketAddress(host: host, port: 1) }
    }
}

import Digest
import Foundation
@testable import Peer
import Sockets
import System
import Testing
import Wire

/// Downloads larger than one receive buffer, where the hash is computed on its own thread.
@Suite struct LargeTransferTests {
    /// Bytes that differ at every position, so a chunk hashed twice, out of order or not at
    /// all changes the digest.
    static func pattern(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 13) }
    }

    @Test(arguments: [true, false])
    func theDigestIsTheWholeStreamsInOrder(threaded: Bool) {
        let bytes = Self.pattern(3_000_017)
        let hasher = BackgroundHasher(buffers: 3, size: 65_536, threaded: threaded)
        var offset = 0
        var step = 1
        while offset < bytes.count {   // chunks of many sizes, more of them than buffers
            var chunk = hasher.buffer()
            let count = min(step, chunk.count, bytes.count - offset)
            chunk.replaceSubrange(0..<count, with: bytes[offset..<(offset + count)])
            hasher.submit(chunk, count: count)
            offset += count
            step = step * 3 % 70_001 + 1
        }
        #expect(hasher.finish() == SHA256.hash(bytes))
    }

    @Test func aFileOfSeveralBuffersArrivesWhole() throws {
        let size = 3 * Transfer.bufferSize + 12_345
        let bytes = Self.pattern(size)
        let network = try LocalNetwork(referral: .chain)
        try network.folder.write("holder/big.bin", bytes)
        let holder = try network.addPeer("holder")
        let requester = try network.addPeer("requester")
        #expect(eventually { network.links.count == 1 })
        var reports: [UInt64] = []
        let result = requester.download("big.bin") { bytes, _ in reports.append(bytes) }
        #expect(result.ok, "\(result.error ?? "")")
        #expect(result.sha256 == SHA256.hash(bytes).hex)
        let arrived = network.folder.read("requester/Downloads/big.bin") == bytes   // not in #expect: it would print 12 MB
        #expect(arrived)
        #expect(reports.last == UInt64(size))
        #expect(holder.statistics.filesServed == 1)
    }

    /// A holder that announces `size` bytes and sends `sent` of them (all of them: a wrong
    /// digest is announced instead), then closes.
    static func holder(announcing size: Int, sending sent: Int) throws -> PeerAddress {
        let listener = try Socket.listen(host: "127.0.0.1", port: 0)
        let port = try #require(listener.localAddress?.port)
        // Made before the request comes: under a sanitizer, 8 MiB of pattern takes seconds.
        let response = HTTPResponseHead(status: .ok, headers: [("Content-Length", "\(size)")]).encoded() + pattern(sent)
        Threads.detach {
            defer { listener.close() }
            guard let socket = try? listener.accept(until: .after(.seconds(60))) else { return }
            var reader = SocketReader(socket)
            _ = try? reader.readLine(maxLength: 8192, until: .after(.seconds(60)))
            try? socket.write(response, until: .after(.seconds(60)))
            socket.close()
        }
        return PeerAddress(name: "holder", host: "127.0.0.1", port: port)
    }

    @Test(arguments: [(2 * Transfer.bufferSize + 5, 2 * Transfer.bufferSize + 5), (3 * Transfer.bufferSize, Transfer.bufferSize + 7)])
    func aLargeTransferThatFailsLeavesNothing(size: Int, sent: Int) throws {
        let folder = try TemporaryFolder()
        let store = try FileStore(directory: try folder.folder("me"), shareDownloads: false)
        let holder = try Self.holder(announcing: size, sending: sent)
        let hit = FileHit(name: "big.bin", size: UInt64(size), sha256: [UInt8](repeating: 9, count: 32))
        do {
            _ = try Transfer.fetch(hit, from: holder, into: store, stall: .seconds(60), progress: { _, _ in })
            Issue.record("a transfer with wrong bytes or too few must fail")
        } catch {
            // All bytes came: the digest was checked and refused. Too few: the stream ended.
            #expect("\(error)".contains(sent == size ? "SHA-256" : "closed"), "\(error)")
        }
        #expect(folder.contents(of: "me/Downloads").isEmpty)
        #expect(folder.contents(of: "me/\(FileStore.partialsFolder)").isEmpty)
    }
}

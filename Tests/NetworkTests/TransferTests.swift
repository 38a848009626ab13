import Digest
import Foundation
@testable import Peer
import Sockets
import System
import Testing
import Wire

/// Downloads that go wrong leave nothing in Downloads/ and no temporary file behind.
@Suite struct TransferTests {
    /// A holder that answers one GET with the full head but only `sent` bytes of the body, then
    /// dies (closes, or resets the connection).
    static func dyingHolder(announcing size: Int, sending sent: Int, reset: Bool) throws -> PeerAddress {
        let listener = try Socket.listen(host: "127.0.0.1", port: 0)
        let port = try #require(listener.localAddress?.port)
        Threads.detach {
            defer { listener.close() }
            guard let socket = try? listener.accept(until: .after(.seconds(10))) else { return }
            var reader = SocketReader(socket)
            _ = try? reader.readLine(maxLength: 8192, until: .after(.seconds(5)))
            let head = HTTPResponseHead(status: .ok, headers: [("Content-Length", "\(size)")]).encoded()
            try? socket.write(head + [UInt8](repeating: 7, count: sent), until: .after(.seconds(5)))
            if reset {
                var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
                setsockopt(socket.fileDescriptor, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
            }
            socket.close()
        }
        return PeerAddress(name: "dying", host: "127.0.0.1", port: port)
    }

    @Test(arguments: [false, true])
    func aHolderKilledWhileSendingLeavesNoPartialFile(reset: Bool) throws {
        let folder = try TemporaryFolder()
        let store = try FileStore(directory: try folder.folder("me"), shareDownloads: false)
        let size = 2_000_000
        let holder = try Self.dyingHolder(announcing: size, sending: 700_000, reset: reset)
        let hit = FileHit(name: "big.bin", size: UInt64(size), sha256: [UInt8](repeating: 1, count: 32))
        #expect(throws: (any Error).self) {
            _ = try Transfer.fetch(hit, from: holder, into: store, stall: .seconds(5), progress: { _, _ in })
        }
        #expect(folder.contents(of: "me/Downloads").isEmpty)
        #expect(folder.contents(of: "me/\(FileStore.partialsFolder)").isEmpty)
    }

    @Test func bytesThatDoNotMatchTheAnnouncedHashAreThrownAway() throws {
        let folder = try TemporaryFolder()
        let store = try FileStore(directory: try folder.folder("me"), shareDownloads: false)
        let holder = try Self.dyingHolder(announcing: 1000, sending: 1000, reset: false)
        let hit = FileHit(name: "x.bin", size: 1000, sha256: [UInt8](repeating: 0, count: 32))
        do {
            _ = try Transfer.fetch(hit, from: holder, into: store, stall: .seconds(5), progress: { _, _ in })
            Issue.record("a corrupt transfer must fail")
        } catch {
            #expect("\(error)".contains("SHA-256"))
        }
        #expect(folder.contents(of: "me/Downloads").isEmpty)
        #expect(folder.contents(of: "me/\(FileStore.partialsFolder)").isEmpty)
    }

    @Test func staleTemporaryFilesAreRemovedAtStart() throws {
        let folder = try TemporaryFolder()
        try folder.write("me/\(FileStore.partialsFolder)/left-over.part", "half a file")
        let store = try FileStore(directory: folder.path + "/me", shareDownloads: false)
        #expect(store.removeStalePartials() == 1)
        #expect(folder.contents(of: "me/\(FileStore.partialsFolder)").isEmpty)
    }

    @Test func onlyRegularVisibleFilesInTheFolderAreServed() throws {
        let folder = try TemporaryFolder()
        try folder.write("outside.txt", "secret")
        try folder.write("me/ok.txt", "fine")
        try folder.write("me/.hidden", "hidden")
        try folder.write("me/sub/inner.txt", "nested")
        try folder.write("me/Downloads/got.txt", "downloaded")
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/me/escape.txt", withDestinationPath: folder.path + "/outside.txt")
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/me/alias.txt", withDestinationPath: "ok.txt")
        let store = try FileStore(directory: folder.path + "/me", shareDownloads: false)
        #expect(store.shared().map(\.name) == ["alias.txt", "ok.txt"])
        for name in ["escape.txt", ".hidden", "sub", "sub/inner.txt", "Downloads", "got.txt", "../outside.txt", "", "a\0b"] {
            #expect(store.servable(name) == nil, "\(name)")
        }
        let sharing = try FileStore(directory: folder.path + "/me", shareDownloads: true)
        #expect(sharing.servable("got.txt") != nil)
    }
}

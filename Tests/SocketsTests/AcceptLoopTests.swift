import System
import Foundation
import Sockets
import Testing

/// The accept loop in one process: it hands over connections, follows a listener that moved,
/// and ends when its listener is shut down. (Its back-off is tested end to end on a supervisor
/// out of descriptors: CtlDescriptorTests.)
@Suite struct AcceptLoopTests {
    @Test func itFollowsAMovedListenerAndEndsWhenTheCurrentOneIsShutDown() throws {
        let first = try Socket.listen(host: "127.0.0.1", port: 0)
        let current = Protected(first)
        let accepted = Protected([UInt16]())
        let ended = Protected(false)
        Threads.detach(name: "accept-test") {
            AcceptLoop.run(listener: { current.snapshot }, log: { _ in }) { connection in
                accepted.withLock(notify: true) { $0.append(connection.localAddress?.port ?? 0) }
                connection.close()
            }
            ended.withLock(notify: true) { $0 = true }
        }
        let firstPort = try #require(first.localAddress?.port)
        _ = try Socket.connect(host: "127.0.0.1", port: firstPort, timeout: .seconds(5))
        #expect(accepted.wait(until: .after(.seconds(5))) { $0.count == 1 ? true : nil } == true)

        // Moved: the old listener is shut down after the new one is in place; the loop goes on.
        let second = try Socket.listen(host: "127.0.0.1", port: 0)
        current.withLock { $0 = second }
        first.shutdown()
        let secondPort = try #require(second.localAddress?.port)
        _ = try Socket.connect(host: "127.0.0.1", port: secondPort, timeout: .seconds(5))
        #expect(accepted.wait(until: .after(.seconds(5))) { $0.count == 2 ? true : nil } == true)
        #expect(accepted.snapshot == [firstPort, secondPort])
        #expect(!ended.snapshot)

        second.shutdown()
        #expect(ended.wait(until: .after(.seconds(5))) { $0 ? true : nil } == true)
    }
}

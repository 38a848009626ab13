#if canImport(Glibc)
import Glibc
#endif
import System
import Testing

@Suite struct PollerTests {
    /// A pipe's two ends, closed at the end of the test.
    private func makePipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        try Syscall.call("pipe") { pipe(&fds) }
        return (fds[0], fds[1])
    }

    @Test func reportsOnlyTheDescriptorsThatAreReady() throws {
        let poller = try Poller()
        let pipes = try (0..<50).map { _ in try makePipe() }
        defer { for (r, w) in pipes { Syscall.close(r); Syscall.close(w) } }
        for (r, _) in pipes { try poller.add(r, for: .readable) }
        #expect(try poller.wait(timeout: .milliseconds(10)).isEmpty)

        for index in [3, 17, 42] { _ = try Syscall.writeAll(pipes[index].write, Array("x".utf8)) }
        let ready = try poller.wait(timeout: .seconds(10))
        #expect(Set(ready.map(\.fd)) == Set([3, 17, 42].map { pipes[$0].read }))
        #expect(ready.allSatisfy { $0.events.contains(.readable) })
    }

    @Test func aClosedWriterIsAHangUpAndARemovedDescriptorIsNotReported() throws {
        let poller = try Poller()
        let first = try makePipe(), second = try makePipe()
        defer { Syscall.close(first.read); Syscall.close(second.read); Syscall.close(second.write) }
        try poller.add(first.read, for: .readable)
        try poller.add(second.read, for: .readable)
        Syscall.close(first.write)
        let ready = try poller.wait(timeout: .seconds(10))
        #expect(ready.map(\.fd) == [first.read])
        #expect(ready.first?.events.contains(.hangUp) == true)

        poller.remove(first.read)
        _ = try Syscall.writeAll(second.write, Array("y".utf8))
        #expect(try poller.wait(timeout: .seconds(10)).map(\.fd) == [second.read])
    }
}

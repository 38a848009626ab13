import Glibc
import System
import Testing

/// The gate: EINTR retried, other failures thrown with the call's name and a named errno.
/// Each body sets errno itself, as a failing system call would.
@Suite struct SyscallTests {
    /// A body that fails with `failures` in turn, then returns `success`; counts its calls.
    final class Scripted {
        var failures: [Errno]
        var calls = 0
        let success: Int32
        init(_ failures: [Errno], then success: Int32 = 7) { self.failures = failures; self.success = success }
        func run() -> Int32 {
            calls += 1
            guard !failures.isEmpty else { return success }
            Errno.current = failures.removeFirst()
            return -1
        }
    }

    @Test func callRetriesEINTRUntilTheCallSucceeds() throws {
        let body = Scripted([.interrupted, .interrupted])
        #expect(try Syscall.call("test") { body.run() } == 7)
        #expect(body.calls == 3)
    }

    @Test func callThrowsTheCallsNameAndErrnoOnOtherFailures() {
        let body = Scripted([.interrupted, .permissionDenied])
        #expect(throws: SystemError(call: "open(/secret)", errno: .permissionDenied)) {
            try Syscall.call("open(/secret)") { body.run() }
        }
        #expect(body.calls == 2)   // the EINTR retried, the EACCES not
    }

    @Test func theCallsNameIsBuiltOnlyOnFailure() throws {
        var built = 0
        func name() -> String { built += 1; return "name" }
        _ = try Syscall.call(name()) { Int32(0) }
        #expect(built == 0)
    }

    @Test(arguments: [Errno.resourceTemporarilyUnavailable, .wouldBlock, .nowInProgress])
    func callNonBlockingReturnsNilWhenTheCallWouldBlock(_ code: Errno) throws {
        let body = Scripted([.interrupted, code])
        #expect(try Syscall.callNonBlocking("recv") { body.run() } == nil)
        #expect(body.calls == 2)
    }

    @Test func callNonBlockingPassesResultsAndOtherFailuresThrough() throws {
        #expect(try Syscall.callNonBlocking("recv") { Scripted([]).run() } == 7)
        let reset = Scripted([.connectionReset])
        #expect(throws: SystemError(call: "recv", errno: .connectionReset)) {
            try Syscall.callNonBlocking("recv") { reset.run() }
        }
    }

    @Test func openNamesThePath() {
        #expect(throws: SystemError(call: "open(/nonexistent/file)", errno: .noSuchFileOrDirectory)) {
            try Syscall.open("/nonexistent/file", O_RDONLY)
        }
    }

    @Test func writeAllAndReadThroughAPipe() throws {
        var fds: [Int32] = [-1, -1]
        try Syscall.call("pipe") { pipe(&fds) }
        defer { Syscall.close(fds[0]) }
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0) }
        #expect(try Syscall.writeAll(fds[1], bytes) == bytes.count)
        Syscall.close(fds[1])
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = try Syscall.read(fds[0], into: &buffer)
            if count == 0 { break }
            received += buffer[..<count]
        }
        #expect(received == bytes)
        #expect(throws: SystemError(call: "read", errno: .badFileDescriptor)) { try Syscall.read(-1, into: &buffer) }
    }

    @Test func sleepWaitsAtLeastItsDuration() {
        let clock = ContinuousClock()
        let took = clock.measure { Syscall.sleep(for: .milliseconds(30)) }
        #expect(took >= .milliseconds(30))
        Syscall.sleep(for: .zero)
        Syscall.sleep(for: .milliseconds(-5))   // nothing to wait for: returns at once
    }
}

@Suite struct ErrnoTests {
    @Test func namedValuesAreTheCConstants() {
        #expect(Errno.interrupted.rawValue == EINTR)
        #expect(Errno.resourceTemporarilyUnavailable.rawValue == EAGAIN)
        #expect(Errno.wouldBlock.rawValue == EWOULDBLOCK)
        #expect(Errno.nowInProgress.rawValue == EINPROGRESS)
        #expect(Errno.permissionDenied.rawValue == EACCES)
        #expect(Errno.noSuchFileOrDirectory.rawValue == ENOENT)
        #expect(Errno.fileExists.rawValue == EEXIST)
        #expect(Errno.tooManyOpenFiles.rawValue == EMFILE)
        #expect(Errno.tooManyOpenFilesInSystem.rawValue == ENFILE)
        #expect(Errno.connectionReset.rawValue == ECONNRESET)
        #expect(Errno.brokenPipe.rawValue == EPIPE)
        #expect(Errno.socketNotConnected.rawValue == ENOTCONN)
        #expect(Errno.fileTooLarge.rawValue == EFBIG)
        #expect(Errno.noSpace.rawValue == ENOSPC)
        #expect(Errno.badFileDescriptor.rawValue == EBADF)
        #expect(Errno.badAddress.rawValue == EFAULT)
        #expect(Errno.connectionRefused.rawValue == ECONNREFUSED)
    }

    @Test func theDescriptionIsTheSystemsMessage() {
        #expect(Errno.connectionRefused.description == "Connection refused")
        #expect(Errno.noSuchFileOrDirectory.description == "No such file or directory")
        #expect("\(Errno(rawValue: ENOSPC))" == "No space left on device")
    }

    @Test func currentIsTheThreadsErrno() {
        Errno.current = .brokenPipe
        #expect(errno == EPIPE)
        errno = EEXIST
        #expect(Errno.current == .fileExists)
    }

    @Test func aSystemErrorSaysTheCallAndTheMessage() {
        let error = SystemError(call: "connect(127.0.0.1:7000)", errno: .connectionRefused)
        #expect(error.description == "connect(127.0.0.1:7000): Connection refused")
        #expect(error == SystemError(call: "connect(127.0.0.1:7000)", errno: Errno(rawValue: ECONNREFUSED)))
        #expect(error != SystemError(call: "connect(127.0.0.1:7001)", errno: .connectionRefused))
    }
}

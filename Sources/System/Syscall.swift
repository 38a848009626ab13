#if canImport(Glibc)
import Glibc
#endif

/// The gate every system call goes through: EINTR retried in one place, failures thrown as a
/// `SystemError` that names the call. The wrappers below cover the calls made in more than one
/// place; anything else goes through `call` or `callNonBlocking` directly.
public enum Syscall {
    /// Calls `body` until it does not fail with EINTR; throws the call's name and errno on -1.
    @discardableResult
    public static func call<T: BinaryInteger>(_ name: @autoclosure () -> String, _ body: () -> T) throws(SystemError) -> T {
        while true {
            let result = body()
            if result != -1 { return result }
            let code = Errno.current
            if code == .interrupted { continue }
            throw SystemError(call: name(), errno: code)
        }
    }

    /// Like `call`, but returns nil for EAGAIN/EWOULDBLOCK (and EINPROGRESS), so the caller polls.
    public static func callNonBlocking<T: BinaryInteger>(_ name: @autoclosure () -> String, _ body: () -> T) throws(SystemError) -> T? {
        while true {
            let result = body()
            if result != -1 { return result }
            let code = Errno.current
            if code == .interrupted { continue }
            if code == .resourceTemporarilyUnavailable || code == .wouldBlock || code == .nowInProgress { return nil }
            throw SystemError(call: name(), errno: code)
        }
    }

    // MARK: Files and descriptors

    /// open(2); the error names the path, as in "open(/tmp/x): No such file or directory".
    public static func open(_ path: String, _ flags: Int32, mode: mode_t = 0) throws(SystemError) -> Int32 {
        try call("open(\(path))") { Glibc.open(path, flags, mode) }
    }

    /// One read(2) into `buffer`: the count read, 0 at end of file.
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int {
        try call("read") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    /// One read(2) into `buffer`: the count read, 0 at end of file.
    public static func read(_ fd: Int32, into buffer: inout [UInt8]) throws(SystemError) -> Int {
        // withUnsafeMutableBytes rethrows untyped errors: carry the typed one out in a Result.
        let result = buffer.withUnsafeMutableBytes { raw in Result { () throws(SystemError) in try read(fd, into: raw) } }
        return try result.get()
    }

    /// write(2) until every byte is written. Returns the count written: fewer than asked only
    /// when write made no progress (returned 0), which it does not for files, pipes or sockets.
    @discardableResult
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemError) -> Int {
        var written = 0
        while written < bytes.count {
            let count = try call("write") { Glibc.write(fd, bytes.baseAddress! + written, bytes.count - written) }
            if count == 0 { break }
            written += count
        }
        return written
    }

    @discardableResult
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(SystemError) -> Int {
        let result = bytes.withUnsafeBytes { raw in Result { () throws(SystemError) in try writeAll(fd, raw) } }
        return try result.get()
    }

    /// close(2), once. Never retried on EINTR: Linux releases the descriptor before it can be
    /// interrupted, so a retry would close whatever another thread opened under the same
    /// number meanwhile. Its result says nothing the caller could act on, so none is returned.
    public static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    // MARK: Time and signals

    /// Sleeps for `duration`, the remainder again after each signal (nanosleep).
    public static func sleep(for duration: Duration) {
        guard duration > .zero else { return }
        let (seconds, attoseconds) = duration.components
        var wait = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var left = timespec()
        // Through the gate: after a signal, the next try sleeps only what was left.
        _ = try? call("nanosleep") {
            let result = nanosleep(&wait, &left)
            wait = left
            return result
        }
    }

    /// Writing to a closed socket or pipe must be an error, not a process-killing signal:
    /// `sendfile` and `write` take no MSG_NOSIGNAL, so every executable calls this first.
    public static func ignoreSIGPIPE() {
        signal(SIGPIPE, SIG_IGN)
    }
}

#if canImport(Glibc)
import Glibc
#endif
import CSystemShims

/// What went wrong in the socket layer. System failures carry the call's name and errno, so a
/// log line says "connect(127.0.0.1:7000): Connection refused" rather than "error -1".
public enum SocketError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call failed: its name (with context, such as an address) and `errno`.
    case system(call: String, errno: Int32)
    /// The deadline passed before the operation could finish.
    case timedOut(String)
    /// The other side closed the stream (`received` bytes of the expected message had arrived).
    case endOfStream(received: Int)
    /// A line or message went past the caller's cap without ending.
    case tooLong(limit: Int)
    /// A host string that is neither an IPv4 nor an IPv6 literal.
    case badAddress(String)
    /// A Unix-domain socket path too long for the kernel (or empty).
    case pathTooLong(String)
    /// The socket was shut down (by `shutdown()`, from any thread) while waiting.
    case shutDown

    public var description: String {
        switch self {
        case .system(let call, let code): return "\(call): \(String(cString: strerror(code)))"
        case .timedOut(let what): return "\(what): timed out"
        case .endOfStream(let received):
            return received == 0 ? "connection closed by the other side"
                : "connection closed by the other side after \(received) bytes of a message"
        case .tooLong(let limit): return "message longer than \(limit) bytes"
        case .badAddress(let host): return "'\(host)' is not an IPv4 or IPv6 address"
        case .pathTooLong(let path): return "socket path too long (over \(SocketAddress.maxUnixPathLength) bytes): \(path)"
        case .shutDown: return "socket shut down"
        }
    }

    /// True for the errors that mean "the other side went away" rather than a local fault.
    public var isDisconnect: Bool {
        switch self {
        case .endOfStream: return true
        case .system(_, let code): return code == ECONNRESET || code == EPIPE || code == ENOTCONN
        default: return false
        }
    }
}

/// The one place where system calls are made and EINTR is retried.
public enum Posix {
    /// Calls `body` until it does not fail with EINTR; throws `.system(call, errno)` on -1.
    @discardableResult
    public static func call<T: BinaryInteger>(_ name: @autoclosure () -> String, _ body: () -> T) throws(SocketError) -> T {
        while true {
            let result = body()
            if result != -1 { return result }
            let code = errno
            if code == EINTR { continue }
            throw .system(call: name(), errno: code)
        }
    }

    /// Like `call`, but returns nil for EAGAIN/EWOULDBLOCK (and EINPROGRESS), so the caller polls.
    public static func callNonBlocking<T: BinaryInteger>(_ name: @autoclosure () -> String, _ body: () -> T) throws(SocketError) -> T? {
        while true {
            let result = body()
            if result != -1 { return result }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK || code == EINPROGRESS { return nil }
            throw .system(call: name(), errno: code)
        }
    }

    /// Writing to a closed socket or pipe must be an error, not a process-killing signal:
    /// `sendfile` and `write` take no MSG_NOSIGNAL, so every executable calls this first.
    public static func ignoreSIGPIPE() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// stdout and stderr line-buffered, so a pipe sees each line as soon as it is printed.
    public static func lineBufferStandardStreams() {
        p2p_line_buffer_standard_streams()
    }
}

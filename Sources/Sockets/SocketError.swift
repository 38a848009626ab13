import System

/// What went wrong in the socket layer. System failures carry the call's name and errno
/// (`SystemError`), so a log line says "connect(127.0.0.1:7000): Connection refused".
public enum SocketError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call failed: its name (with context, such as an address) and errno.
    case system(SystemError)
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
        case .system(let error): return error.description
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
        case .system(let error): return [.connectionReset, .brokenPipe, .socketNotConnected].contains(error.errno)
        default: return false
        }
    }
}

/// The system layer's gate (`Syscall`), with its failures as `SocketError.system`: what every
/// call in this module goes through.
enum Gate {
    @discardableResult
    static func call<T: BinaryInteger>(_ name: @autoclosure () -> String, _ body: () -> T) throws(SocketError) -> T {
        do { return try Syscall.call(name(), body) } catch { throw .system(error) }
    }

    static func callNonBlocking<T: BinaryInteger>(_ name: @autoclosure () -> String, _ body: () -> T) throws(SocketError) -> T? {
        do { return try Syscall.callNonBlocking(name(), body) } catch { throw .system(error) }
    }
}

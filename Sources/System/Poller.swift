#if canImport(Glibc)
import Glibc
#endif
import CSystemShims

/// One epoll instance: descriptors are registered once and a wait costs in proportion to the
/// ones ready, not to all that are watched (poll(2) over a thousand children's pipes cost the
/// supervisor a scan of all of them for every line any of them wrote).
public final class Poller: Sendable {
    public struct Events: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let readable = Events(rawValue: UInt32(EPOLLIN.rawValue))
        public static let writable = Events(rawValue: UInt32(EPOLLOUT.rawValue))
        /// The other end hung up: always reported, never asked for.
        public static let hangUp = Events(rawValue: UInt32(EPOLLHUP.rawValue))
        /// The descriptor failed: always reported, never asked for.
        public static let failed = Events(rawValue: UInt32(EPOLLERR.rawValue))
    }

    private let descriptor: Int32

    public init() throws(SystemError) {
        descriptor = try Syscall.call("epoll_create1") { epoll_create1(Int32(EPOLL_CLOEXEC)) }
    }

    deinit { Syscall.close(descriptor) }

    /// Watches `fd` for `events` (level-triggered).
    public func add(_ fd: Int32, for events: Events) throws(SystemError) {
        try Syscall.call("epoll_ctl(add)") { p2p_epoll_control(descriptor, EPOLL_CTL_ADD, fd, events.rawValue) }
    }

    /// Stops watching `fd`; to be called before it is closed.
    public func remove(_ fd: Int32) {
        _ = p2p_epoll_control(descriptor, EPOLL_CTL_DEL, fd, 0)
    }

    /// Waits up to `timeout` (nil: without end) for descriptors to be ready; at most 256.
    public func wait(timeout: Duration? = nil) throws(SystemError) -> [(fd: Int32, events: Events)] {
        var fds = [Int32](repeating: -1, count: 256)
        var events = [UInt32](repeating: 0, count: 256)
        let milliseconds = timeout.map { Int32(clamping: Int64(($0 / .milliseconds(1)).rounded(.up))) } ?? -1
        let count = try Syscall.call("epoll_wait") { p2p_epoll_wait(descriptor, &fds, &events, 256, milliseconds) }
        return (0..<Int(count)).map { (fds[$0], Events(rawValue: events[$0])) }
    }
}

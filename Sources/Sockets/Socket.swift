#if canImport(Glibc)
import Glibc
#endif
import CSystemShims
import Synchronization
import System

/// A TCP socket. Every descriptor is close-on-exec and non-blocking; the methods wait with
/// poll(2) up to a `Deadline` (`sendFile`: in send, up to its `stall`), so no thread blocks
/// without a bound it chose.
///
/// Ownership: one thread reads, any thread may write (callers serialise writes of one message),
/// and any thread may call `shutdown()` to wake a blocked reader or `accept`. The descriptor is
/// closed exactly once: by `close()` or, failing that, when the last reference goes away.
public final class Socket: Sendable {
    private let descriptor: Atomic<Int32>
    private let wasShutDown = Atomic<Bool>(false)

    init(descriptor: Int32) {
        self.descriptor = Atomic(descriptor)
    }

    deinit { close() }

    /// The descriptor, or -1 once closed.
    public var fileDescriptor: Int32 { descriptor.load(ordering: .acquiring) }
    public var isShutDown: Bool { wasShutDown.load(ordering: .acquiring) }

    // MARK: Opening

    private static func open(family: Int32) throws(SocketError) -> Socket {
        let fd = try Gate.call("socket") {
            Glibc.socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        }
        return Socket(descriptor: fd)
    }

    /// Listens on `host:port`; port 0 lets the kernel pick a free one (see `localAddress`).
    /// SO_REUSEADDR so a restarted process can take its port back at once; never SO_REUSEPORT,
    /// which would let two processes share a port silently.
    public static func listen(host: String, port: UInt16, backlog: Int32 = 1024) throws(SocketError) -> Socket {
        let address = try SocketAddress(host: host, port: port)
        let socket = try open(family: address.family)
        var one: Int32 = 1
        try Gate.call("setsockopt(SO_REUSEADDR)") {
            setsockopt(socket.fileDescriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        try Gate.call("bind(\(address))") { address.withSockaddr { bind(socket.fileDescriptor, $0, $1) } }
        try Gate.call("listen(\(address))") { Glibc.listen(socket.fileDescriptor, backlog) }
        return socket
    }

    /// Listens on a Unix-domain socket at `path`, readable and writable by this user only
    /// (mode 0600). A file already at `path` is not removed: the caller decides if it is stale.
    public static func listen(unixPath path: String, backlog: Int32 = 64) throws(SocketError) -> Socket {
        let address = try SocketAddress(unixPath: path)
        let socket = try open(family: AF_UNIX)
        let previous = umask(0o177)   // the socket file is created 0600, with no window of 0644
        defer { umask(previous) }
        try Gate.call("bind(\(path))") { address.withSockaddr { bind(socket.fileDescriptor, $0, $1) } }
        try Gate.call("listen(\(path))") { Glibc.listen(socket.fileDescriptor, backlog) }
        return socket
    }

    /// Connects within `timeout`, from `source` when given (a local address to bind first,
    /// such as 127.0.0.2 to look like another host on loopback).
    public static func connect(to address: SocketAddress, from source: SocketAddress? = nil,
                               timeout: Duration) throws(SocketError) -> Socket {
        let socket = try open(family: address.family)
        if let source {
            try Gate.call("bind(\(source))") { source.withSockaddr { bind(socket.fileDescriptor, $0, $1) } }
        }
        let started = try Gate.callNonBlocking("connect(\(address))") {
            address.withSockaddr { Glibc.connect(socket.fileDescriptor, $0, $1) }
        }
        if started == nil {
            guard try socket.wait(for: Int16(POLLOUT), until: .after(timeout)) else {
                throw .timedOut("connect(\(address))")
            }
            var code: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            try Gate.call("getsockopt(SO_ERROR)") { getsockopt(socket.fileDescriptor, SOL_SOCKET, SO_ERROR, &code, &length) }
            if code != 0 { throw .system(SystemError(call: "connect(\(address))", errno: Errno(rawValue: code))) }
        }
        if address.family != AF_UNIX { socket.setNoDelay() }
        return socket
    }

    public static func connect(host: String, port: UInt16, from source: String? = nil, timeout: Duration) throws(SocketError) -> Socket {
        let from: SocketAddress? = if let source { try SocketAddress(host: source, port: 0) } else { nil }
        return try connect(to: SocketAddress(host: host, port: port), from: from, timeout: timeout)
    }

    /// Waits for and accepts one connection. Throws `.shutDown` once `shutdown()` was called.
    public func accept(until deadline: Deadline = .never) throws(SocketError) -> Socket {
        while true {
            if isShutDown { throw .shutDown }
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = try Gate.callNonBlocking("accept") {
                withUnsafeMutablePointer(to: &storage) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        p2p_accept_cloexec_nonblock(fileDescriptor, $0, &length)
                    }
                }
            }
            if let fd {
                let accepted = Socket(descriptor: fd)
                accepted.setNoDelay()
                return accepted
            }
            guard try wait(for: Int16(POLLIN), until: deadline) else { throw .timedOut("accept") }
        }
    }

    // MARK: Reading and writing

    /// Reads what is available, waiting until `deadline`. Returns 0 at end of stream.
    public func read(into buffer: UnsafeMutableRawBufferPointer, until deadline: Deadline) throws(SocketError) -> Int {
        while true {
            if let count = try Gate.callNonBlocking("recv", { recv(fileDescriptor, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT)) }) {
                return count
            }
            guard try wait(for: Int16(POLLIN), until: deadline) else { throw .timedOut("read") }
        }
    }

    /// Writes every byte, waiting for room until `deadline`.
    public func write(_ bytes: UnsafeRawBufferPointer, until deadline: Deadline) throws(SocketError) {
        var offset = 0
        while offset < bytes.count {
            let sent = try Gate.callNonBlocking("send") {
                send(fileDescriptor, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if let sent { offset += sent; continue }
            guard try wait(for: Int16(POLLOUT), until: deadline) else { throw .timedOut("write") }
        }
    }

    public func write(_ bytes: [UInt8], until deadline: Deadline) throws(SocketError) {
        var failure: SocketError?
        bytes.withUnsafeBytes { raw in
            do throws(SocketError) { try write(raw, until: deadline) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Sends `count` bytes of the file `file` from `offset`, mapping the file a window at a time
    /// and sending from the mapping. Not sendfile(2): on loopback, where this network lives,
    /// sendfile hands the receiver every 4 KiB page of the file as a fragment of its own, and
    /// profiled (perf), a reader spent about 1.5 times the CPU receiving those as receiving what
    /// send builds from the same bytes; curl from a peer ran about 1.3 times faster this way. The
    /// kernel alone touches the mapping: a file that shrinks meanwhile makes send fail with EFAULT
    /// (reported as the end of the stream), never SIGBUS.
    ///
    /// The sends block, each wait for room bounded by `stall` (SO_SNDTIMEO) rather than by
    /// poll(2): curl took the bytes about 10% faster than when non-blocking sends and polls took
    /// turns. Only this call blocks (every other call here passes MSG_DONTWAIT), and `shutdown()`
    /// still wakes it. `progress` is told the bytes sent so far.
    public func sendFile(from file: Int32, offset: Int64, count: Int64, stall: Duration,
                         progress: (Int64) -> Void = { _ in }) throws(SocketError) {
        let flags = try Gate.call("fcntl(F_GETFL)") { fcntl(fileDescriptor, F_GETFL) }
        let bound = max(stall, .milliseconds(1)).components   // a zero SO_SNDTIMEO would mean forever
        var timeout = timeval(tv_sec: Int(bound.seconds), tv_usec: Int(bound.attoseconds / 1_000_000_000_000))
        try Gate.call("setsockopt(SO_SNDTIMEO)") {
            setsockopt(fileDescriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }
        try Gate.call("fcntl(F_SETFL)") { fcntl(fileDescriptor, F_SETFL, flags & ~O_NONBLOCK) }
        defer { _ = fcntl(fileDescriptor, F_SETFL, flags) }
        let page = Int64(sysconf(Int32(_SC_PAGESIZE)))
        var sent: Int64 = 0
        while sent < count {
            let position = offset + sent
            let start = position - position % page   // mmap takes page-aligned offsets only
            let length = Int(min(offset + count - start, Self.mapWindow))
            guard let window = mmap(nil, length, PROT_READ, MAP_SHARED, file, off_t(start)), window != MAP_FAILED else {
                throw .system(.current("mmap"))
            }
            defer { munmap(window, length) }
            var cursor = Int(position - start)
            while cursor < length {
                let chunk = min(length - cursor, Self.sendChunk)
                let done: Int?
                do {
                    done = try Gate.callNonBlocking("send") { send(fileDescriptor, window + cursor, chunk, Int32(MSG_NOSIGNAL)) }
                } catch .system(let error) where error.errno == .badAddress {
                    throw .endOfStream(received: Int(sent))   // the file shrank under the mapping
                } catch {
                    throw isShutDown ? .shutDown : error
                }
                guard let done else { throw .timedOut("send") }   // no room for `stall`
                cursor += done
                sent += Int64(done)
                progress(sent)
            }
        }
    }

    /// How much of a file is mapped at once: bounds the page tables an upload holds (2 MiB per
    /// GiB). Large because unmapping costs ~40 ms per GiB here, and only the last unmap comes
    /// after the receiver has every byte: with 64 MiB windows curl took 1.2 times as long.
    static let mapWindow: Int64 = 1 << 30
    /// Bytes per send: 1 MiB moved a loopback reader faster than 256 KiB or 4 MiB did.
    static let sendChunk = 1 << 20

    /// Waits until the socket is ready for `events`; false when the deadline passed first.
    /// A hang-up or error counts as ready: the next call reports it.
    public func wait(for events: Int16, until deadline: Deadline) throws(SocketError) -> Bool {
        var entry = pollfd(fd: fileDescriptor, events: events, revents: 0)
        while true {
            if isShutDown { throw .shutDown }
            let ready = try Gate.call("poll") { poll(&entry, 1, deadline.pollMilliseconds) }
            if isShutDown { throw .shutDown }
            if ready > 0 { return true }
            if deadline.hasPassed { return false }
        }
    }

    // MARK: Options and addresses

    public func setNoDelay() {
        var one: Int32 = 1
        _ = setsockopt(fileDescriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// The user id of the process at the other end of a Unix-domain socket, as the kernel
    /// recorded it at connect (SO_PEERCRED); nil on other sockets or on failure.
    public var peerUserID: UInt32? {
        var uid: UInt32 = 0
        return p2p_peer_uid(fileDescriptor, &uid) == 0 ? uid : nil
    }

    public var localAddress: SocketAddress? { address(getsockname) }
    public var remoteAddress: SocketAddress? { address(getpeername) }

    private func address(_ get: (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { get(fileDescriptor, $0, &length) }
        }
        return result == 0 ? SocketAddress(storage: storage, length: length) : nil
    }

    // MARK: Ending

    /// Wakes every thread waiting on this socket (they throw `.shutDown`) and tells the other
    /// side we are done. Safe from any thread, any number of times; the descriptor stays open
    /// until `close()`, so no other thread can find its number reused.
    public func shutdown() {
        if wasShutDown.exchange(true, ordering: .acquiringAndReleasing) { return }
        let fd = fileDescriptor
        if fd >= 0 { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
    }

    /// Closes the descriptor, exactly once however often it is called (never retried on EINTR:
    /// see `Syscall.close`).
    public func close() {
        let fd = descriptor.exchange(-1, ordering: .acquiringAndReleasing)
        if fd >= 0 { Syscall.close(fd) }
    }
}

#if canImport(Glibc)
import Glibc
#endif
import CSystemShims
import Sockets
import Synchronization
import System
import Wire

/// What the owner of a `ConnectionPoller` does with what arrives on its connections.
public protocol ConnectionHandler: Sendable {
    /// Whether a new connection speaks HTTP, from its first bytes; nil while they cannot tell.
    func isHTTP(_ firstBytes: ArraySlice<UInt8>) -> Bool?
    /// A connection that does not speak HTTP, with the bytes read from it so far: the
    /// handler's from now on (the poller forgets it).
    func handOff(_ socket: Socket, received: [UInt8])
    /// The answer to a whole request.
    func reply(to request: HTTPRequest) -> HTTPReply
    /// The answer to a head that is not HTTP as we speak it; the connection then closes.
    func reply(to error: HTTPError) -> [UInt8]
    /// The answer when the workers' queue is full (a 503 with Retry-After); then it closes.
    func busy() -> [UInt8]
    /// A connection was closed to make room, or because its head did not arrive in time.
    func closed(_ reason: ConnectionPoller.CloseReason)
}

public enum HTTPReply: Sendable {
    /// The whole response, small: written by the poller's own thread, at once.
    case now([UInt8], keepAlive: Bool)
    /// A response that takes time (a file body, hashing): run by a worker, which writes it and
    /// says whether the connection stays open.
    case later(@Sendable (Socket) -> Bool)
}

/// Every HTTP connection of a process waits here, on one thread with epoll, until a whole
/// request head has arrived; an idle or slow connection costs a descriptor and the bytes it
/// sent, not a thread. A small answer is written by this thread at once (handing it to a
/// worker cost more than writing it); one that takes time goes to a `WorkerPool`, and its
/// connection comes back here afterwards. Pipelined requests are answered in order.
///
/// Bounds: a head must arrive whole within `headTimeout` of the connection starting to wait
/// (accepted, or its last answer sent), so a trickle cannot hold a place; past `capacity`
/// connections, the one that has waited longest goes to make room for the new one.
public final class ConnectionPoller: Sendable {
    public enum CloseReason: Sendable { case headTimeout, madeRoom }

    public let capacity: Int
    public let headTimeout: Duration
    private let handler: any ConnectionHandler
    private let workers: WorkerPool
    private let poller: Poller
    /// A pipe whose read end is in the poller: a byte on it says the inbox has news.
    private let wake: (read: Int32, write: Int32)
    private let inbox = Protected(Inbox())
    /// Connections held: waiting here, or being answered by a worker.
    private let held = Atomic<Int>(0)

    private struct Inbox {
        var arrivals: [(socket: Socket, received: [UInt8], sniffed: Bool)] = []
        var stopping = false
    }

    /// A connection waiting here; touched by the poller's thread only.
    private struct Waiting {
        let socket: Socket
        var received: [UInt8]
        /// Known to speak HTTP.
        var sniffed: Bool
        var since: ContinuousClock.Instant
        /// The client has shut its side: what it sent is answered, then the connection closes.
        var ended = false
    }

    /// Bytes a connection may have buffered here (a head, and a few pipelined behind it).
    static let maxBuffered = HTTPLimits.maxHead * 8

    public init(handler: any ConnectionHandler, capacity: Int, headTimeout: Duration, workers: WorkerPool) throws(SystemError) {
        self.handler = handler
        self.capacity = max(capacity, 1)
        self.headTimeout = headTimeout
        self.workers = workers
        poller = try Poller()
        var ends: [Int32] = [-1, -1]
        _ = try Syscall.call("pipe2") { p2p_pipe_nonblocking(&ends) }
        wake = (ends[0], ends[1])
        try poller.add(wake.read, for: .readable)
        guard Threads.detach(name: "http-poller", { [self] in run() }) else {
            Syscall.close(wake.read)
            Syscall.close(wake.write)
            throw SystemError(call: "pthread_create", errno: .resourceTemporarilyUnavailable)
        }
    }

    /// Connections held now (waiting or being answered).
    public var open: Int { held.load(ordering: .relaxed) }

    /// Takes a new connection (from the accept loop; any thread).
    public func adopt(_ socket: Socket) {
        held.add(1, ordering: .relaxed)
        post(socket, received: [], sniffed: false)
    }

    /// Closes every waiting connection and ends the thread; answers under way finish.
    public func stop() {
        inbox.withLock { inbox in
            if !inbox.stopping { poke() }
            inbox.stopping = true
        }
        workers.stop()
    }

    private func post(_ socket: Socket, received: [UInt8], sniffed: Bool) {
        let taken = inbox.withLock { inbox -> Bool in
            if inbox.stopping { return false }   // the thread has gone or is going: nobody would close it
            inbox.arrivals.append((socket, received, sniffed))
            if inbox.arrivals.count == 1 { poke() }
            return true
        }
        if !taken {
            socket.close()
            held.subtract(1, ordering: .relaxed)
        }
    }

    /// Wakes the thread; called under the inbox's lock only, and never once it is stopping, so
    /// the wake pipe (closed by the thread when it ends) is never written after its close.
    private func poke() {
        var byte: UInt8 = 1
        _ = Glibc.write(wake.write, &byte, 1)
    }

    // MARK: The poller's thread

    private func run() {
        var table: [Int32: Waiting] = [:]
        var scratch = [UInt8](repeating: 0, count: 16 * 1024)
        // When to look for connections past their deadline: nil while none waits, so an idle
        // peer's thread sleeps until something arrives (a thousand peers waking ten times a
        // second each cost the machine a tenth of a core).
        var nextSweep: ContinuousClock.Instant?
        while true {
            let ready = (try? poller.wait(timeout: nextSweep.map { max($0 - .now, .zero) })) ?? []
            for (fd, _) in ready where fd != wake.read {
                receive(fd, &table, &scratch)
            }
            let (arrivals, stopping) = inbox.withLock { inbox in
                defer { inbox.arrivals.removeAll(keepingCapacity: true) }
                return (inbox.arrivals, inbox.stopping)
            }
            if !arrivals.isEmpty || ready.contains(where: { $0.fd == wake.read }) {
                while Glibc.read(wake.read, &scratch, scratch.count) > 0 {}
            }
            if stopping {
                for (fd, waiting) in table { close(fd, waiting.socket, &table) }
                for arrival in arrivals { arrival.socket.close(); held.subtract(1, ordering: .relaxed) }
                Syscall.close(wake.read)
                Syscall.close(wake.write)
                return
            }
            for arrival in arrivals { admit(arrival, &table) }
            let now = ContinuousClock.now
            if let due = nextSweep, now >= due {
                var earliest: ContinuousClock.Instant?
                for (fd, waiting) in table {
                    if now - waiting.since > headTimeout {
                        close(fd, waiting.socket, &table)
                        handler.closed(.headTimeout)
                    } else {
                        earliest = min(earliest ?? waiting.since, waiting.since)
                    }
                }
                // At the earliest deadline left, but not sooner than 100 ms from now (a batch).
                nextSweep = earliest.map { max($0 + headTimeout, now + .milliseconds(100)) }
            } else if nextSweep == nil && !table.isEmpty {
                // Whoever waits now began no earlier than the last sweep's survivors.
                nextSweep = now + headTimeout
            }
        }
    }

    private func admit(_ arrival: (socket: Socket, received: [UInt8], sniffed: Bool), _ table: inout [Int32: Waiting]) {
        let fd = arrival.socket.fileDescriptor
        // Over capacity: the one that has waited longest makes room (one that is being
        // answered is not here to choose; with none waiting, the newcomer goes).
        if held.load(ordering: .relaxed) > capacity {
            handler.closed(.madeRoom)
            guard let (oldest, waiting) = table.min(by: { $0.value.since < $1.value.since }) else {
                arrival.socket.close()
                held.subtract(1, ordering: .relaxed)
                return
            }
            close(oldest, waiting.socket, &table)
        }
        do {
            try poller.add(fd, for: .readable)
        } catch {
            arrival.socket.close()
            held.subtract(1, ordering: .relaxed)
            return
        }
        table[fd] = Waiting(socket: arrival.socket, received: arrival.received, sniffed: arrival.sniffed, since: .now)
        if !arrival.received.isEmpty { answer(fd, &table) }   // pipelined behind the last answer
    }

    /// Reads what `fd` has, then answers what is complete.
    private func receive(_ fd: Int32, _ table: inout [Int32: Waiting], _ scratch: inout [UInt8]) {
        guard var waiting = table[fd] else { poller.remove(fd); return }
        while waiting.received.count < Self.maxBuffered {
            let count = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count > 0 {
                waiting.received += scratch[..<count]
                if count < scratch.count { break }
            } else if count == 0 {
                waiting.ended = true
                break
            } else if errno == EINTR {
                continue
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                break
            } else {
                close(fd, waiting.socket, &table)
                return
            }
        }
        table[fd] = waiting
        answer(fd, &table)
    }

    /// Answers the complete requests `fd` has sent, in order.
    private func answer(_ fd: Int32, _ table: inout [Int32: Waiting]) {
        while var waiting = table[fd] {
            if !waiting.sniffed {
                switch handler.isHTTP(waiting.received[...]) {
                case nil:
                    if waiting.ended { close(fd, waiting.socket, &table) }
                    return
                case false?:
                    forget(fd, &table)
                    held.subtract(1, ordering: .relaxed)
                    handler.handOff(waiting.socket, received: waiting.received)
                    return
                case true?:
                    waiting.sniffed = true
                }
            }
            let request: HTTPRequest
            do {
                guard case .complete(let parsed, let consumed) = try HTTP.parseRequest(waiting.received) else {
                    if waiting.ended || waiting.received.count >= Self.maxBuffered { close(fd, waiting.socket, &table) }
                    else { table[fd] = waiting }
                    return
                }
                request = parsed
                waiting.received.removeFirst(consumed)
                if waiting.received.isEmpty { waiting.received = [] }   // an idle connection keeps no buffer
            } catch {
                _ = send(handler.reply(to: error), on: waiting.socket)
                close(fd, waiting.socket, &table)
                return
            }
            switch handler.reply(to: request) {
            case .now(let bytes, let keepAlive):
                let sent = send(bytes, on: waiting.socket)
                if sent == bytes.count {
                    guard keepAlive else { close(fd, waiting.socket, &table); return }
                    waiting.since = .now
                    table[fd] = waiting
                    continue
                }
                guard sent >= 0 else { close(fd, waiting.socket, &table); return }
                // The client is slow to read: a worker finishes the write with a deadline.
                let rest = Array(bytes[sent...])
                hand(fd, waiting, &table) { socket in
                    (try? socket.write(rest, until: .after(.seconds(10)))) != nil && keepAlive
                }
                return
            case .later(let job):
                hand(fd, waiting, &table, job)
                return
            }
        }
    }

    /// Gives the connection to a worker for `job`; it comes back here if `job` says so.
    private func hand(_ fd: Int32, _ waiting: Waiting, _ table: inout [Int32: Waiting], _ job: @escaping @Sendable (Socket) -> Bool) {
        forget(fd, &table)
        let socket = waiting.socket, left = waiting.received, ended = waiting.ended
        let queued = workers.submit { [self] in
            if job(socket) && !ended {
                post(socket, received: left, sniffed: true)
            } else {
                socket.close()
                held.subtract(1, ordering: .relaxed)
            }
        }
        if !queued {
            _ = send(handler.busy(), on: socket)
            socket.close()
            held.subtract(1, ordering: .relaxed)
        }
    }

    /// Writes what the socket takes now; the bytes written, or -1 when it failed.
    private func send(_ bytes: [UInt8], on socket: Socket) -> Int {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes {
                Glibc.send(socket.fileDescriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if count > 0 { sent += count; continue }
            if count < 0 && errno == EINTR { continue }
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return sent }
            return -1
        }
        return sent
    }

    private func forget(_ fd: Int32, _ table: inout [Int32: Waiting]) {
        poller.remove(fd)
        table.removeValue(forKey: fd)
    }

    private func close(_ fd: Int32, _ socket: Socket, _ table: inout [Int32: Waiting]) {
        forget(fd, &table)
        socket.close()
        held.subtract(1, ordering: .relaxed)
    }
}

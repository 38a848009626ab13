import System

/// A few threads that take jobs from one bounded queue, in order. Threads are started as the
/// queue needs them, up to `threads`, and stay: a peer that never serves a large file never
/// pays for one, and a busy one does not create a thread per request.
public final class WorkerPool: Sendable {
    public let threads: Int
    /// Jobs that may wait for a thread; past it `submit` refuses.
    public let queueLimit: Int

    private struct State {
        var queue: [@Sendable () -> Void] = []
        var started = 0
        var idle = 0
        var stopping = false
    }
    private let state = Protected(State())
    private let name: String

    public init(name: String, threads: Int, queueLimit: Int) {
        self.name = name
        self.threads = max(threads, 1)
        self.queueLimit = max(queueLimit, 0)
    }

    /// Queues `job`; false when the queue is full (the caller refuses the work).
    public func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        let startOne = state.withLock(notify: true) { state -> Bool? in
            guard !state.stopping, state.queue.count < queueLimit else { return nil }
            state.queue.append(job)
            guard state.idle == 0, state.started < threads else { return false }
            state.started += 1
            return true
        }
        guard let startOne else { return false }
        if startOne && !Threads.detach(name: name, { [self] in work() }) {
            state.withLock { $0.started -= 1 }
            if state.withLock({ $0.started }) == 0 {
                // No thread to be had, none running: run what is queued here.
                while let next = state.withLock({ $0.queue.isEmpty ? nil : $0.queue.removeFirst() }) { next() }
            }
        }
        return true
    }

    /// Lets the threads end once the queue is empty; jobs submitted later are refused.
    public func stop() {
        state.withLock(notify: true) { $0.stopping = true }
    }

    /// Jobs queued and not yet taken by a thread.
    public var waiting: Int { state.withLock { $0.queue.count } }

    private func work() {
        while true {
            state.withLock { $0.idle += 1 }
            let job = state.wait(until: .never) { state -> (@Sendable () -> Void)?? in
                guard !state.queue.isEmpty else { return state.stopping ? .some(nil) : nil }
                state.idle -= 1
                return state.queue.removeFirst()
            }
            guard let job = job ?? nil else { return }
            job()
        }
    }
}

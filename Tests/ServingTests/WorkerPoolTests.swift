import Serving
import System
import Testing

@Suite struct WorkerPoolTests {
    /// With one thread, jobs run one at a time in the order queued; past the queue's limit
    /// `submit` refuses instead of growing without bound.
    @Test func jobsRunInOrderAndAFullQueueRefuses() {
        let pool = WorkerPool(name: "test", threads: 1, queueLimit: 3)
        let gate = Protected(false), order = Protected([Int]())
        #expect(pool.submit { _ = gate.wait(until: .never) { $0 ? true : nil }; order.withLock { $0.append(0) } })
        #expect(eventually { pool.waiting == 0 }, "the first job is taken by the thread")
        let accepted = (1...5).map { index in pool.submit { order.withLock { $0.append(index) } } }
        #expect(accepted == [true, true, true, false, false])
        gate.withLock(notify: true) { $0 = true }
        #expect(eventually { order.snapshot.count == 4 })
        #expect(order.snapshot == [0, 1, 2, 3])
        pool.stop()
        #expect(!pool.submit {}, "a stopped pool takes nothing")
    }

    /// Threads are started only as jobs wait for one, up to the pool's size.
    @Test func threadsAreStartedAsNeededUpToTheLimit() {
        let pool = WorkerPool(name: "test", threads: 4, queueLimit: 100)
        defer { pool.stop() }
        let gate = Protected(false), running = Protected(0)
        for _ in 0..<8 {
            #expect(pool.submit {
                running.withLock(notify: true) { $0 += 1 }
                _ = gate.wait(until: .never) { $0 ? true : nil }
            })
        }
        #expect(eventually { running.snapshot == 4 }, "four run at once")
        #expect(pool.waiting == 4, "the rest wait for a thread")
        gate.withLock(notify: true) { $0 = true }
        #expect(eventually { running.snapshot == 8 })
    }

    private func eventually(_ condition: () -> Bool) -> Bool {
        let deadline = Deadline.after(.seconds(20))
        while !deadline.hasPassed {
            if condition() { return true }
            Syscall.sleep(for: .milliseconds(10))
        }
        return condition()
    }
}

import Foundation
import System

/// Starts every child from a few long-lived threads. PR_SET_PDEATHSIG fires when the *thread*
/// that spawned a child exits, so spawning from short-lived threads (a restart timer, a
/// control connection) would kill children at random; these threads live as long as the
/// supervisor. There are two: most of a spawn is waiting for the new child to reach exec, and
/// two spawns in flight keep both cores busy while a large network starts.
final class Spawner: Sendable {
    private let jobs = Protected([@Sendable () -> Void]())

    init(threads: Int = 2) {
        ProcessRunGuard.install()
        for _ in 0..<threads {
            Threads.detach(name: "spawner") { [jobs] in
                while true {
                    let job = jobs.wait(until: .never) { queue -> (@Sendable () -> Void)? in
                        queue.isEmpty ? nil : queue.removeFirst()
                    }
                    job?()
                }
            }
        }
    }

    /// Runs `body` on a spawner thread and returns its result.
    func run<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T {
        runEach([body])[0]
    }

    /// Runs every body on the spawner threads, as many at once as there are threads, and
    /// returns their results in order.
    func runEach<T: Sendable>(_ bodies: [@Sendable () -> T]) -> [T] {
        let results = Protected([T?](repeating: nil, count: bodies.count))
        jobs.withLock(notify: true) { queue in
            for (index, body) in bodies.enumerated() {
                queue.append { let result = body(); results.withLock(notify: true) { $0[index] = result } }
            }
        }
        return results.wait(until: .never) { slots in slots.contains { $0 == nil } ? nil : slots.map { $0! } }!
    }
}

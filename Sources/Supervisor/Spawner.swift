import Foundation
import System

/// Starts every child from one long-lived thread. PR_SET_PDEATHSIG fires when the *thread*
/// that spawned a child exits, so spawning from short-lived threads (a restart timer, a
/// control connection) would kill children at random; this thread lives as long as the
/// supervisor. One, not more: Foundation makes its exit-notice socket without close-on-exec,
/// and a child spawned beside another's Process.run inherits that one's socket end, so its
/// exit goes unseen until both have exited (so two threads lost restarts after `kill`). A batch (`runEach`) is queued at once, so the thread goes from spawn to spawn.
final class Spawner: Sendable {
    private let jobs = Protected([@Sendable () -> Void]())

    init() {
        ProcessRunGuard.install()
        Threads.detach(name: "spawner") { [jobs] in
            while true {
                let job = jobs.wait(until: .never) { queue -> (@Sendable () -> Void)? in
                    queue.isEmpty ? nil : queue.removeFirst()
                }
                job?()
            }
        }
    }

    /// Runs `body` on the spawner thread and returns its result.
    func run<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T {
        runEach([body])[0]
    }

    /// Runs every body on the spawner thread, one after another, and returns their results.
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

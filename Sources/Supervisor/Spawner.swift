import Foundation
import System

/// Starts every child from one long-lived thread. PR_SET_PDEATHSIG fires when the *thread*
/// that spawned a child exits, so spawning from short-lived threads (a restart timer, a
/// control connection) would kill children at random; this thread lives as long as the
/// supervisor.
final class Spawner: Sendable {
    private let jobs = Protected([@Sendable () -> Void]())

    init() {
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
        let result = Protected<T?>(nil)
        jobs.withLock(notify: true) { $0.append { result.withLock(notify: true) { $0 = body() } } }
        return result.wait(until: .never) { $0 }!
    }
}

import Control
import System

/// The counters `status --json` shows (README, "Counters"), kept under one lock: every change
/// is a handful of additions, and a reader takes a copy.
final class CounterBook: Sendable {
    private let counters = Protected(PeerCounters())

    var snapshot: PeerCounters { counters.snapshot }

    func count(_ change: (inout PeerCounters) -> Void) { counters.withLock(change) }
}

extension PeerNode {
    /// What this peer has done since it started.
    public var counters: PeerCounters { counterBook.snapshot }
}

extension PeerNode {
    /// Calls `observer` with the counters now and then each second in which they changed, from
    /// a thread of its own, until the peer stops: at 1,000 peers a quiet network sends nothing.
    public func observeCounters(_ observer: @escaping @Sendable (PeerCounters) -> Void) {
        Threads.detach(name: "counters") { [self] in
            var last: PeerCounters?
            while !isStopping {
                let now = counters
                if now != last {
                    observer(now)
                    last = now
                }
                sleep(for: .seconds(1))
            }
        }
    }
}

import Control
import System

/// The counters `status --json` shows (README, "Counters"), kept under one lock: every change
/// is a handful of additions, and a reader takes a copy. An observer (the supervised console)
/// hears them at each heartbeat at which they changed: a quiet network of 1,000 peers sends
/// nothing, and no peer spends a thread of its own on it.
final class CounterBook: Sendable {
    private let counters = Protected(PeerCounters())
    private let observer = Protected<(tell: @Sendable (PeerCounters) -> Void, last: PeerCounters?)?>(nil)

    var snapshot: PeerCounters { counters.snapshot }

    func count(_ change: (inout PeerCounters) -> Void) { counters.withLock(change) }

    func observe(_ tell: @escaping @Sendable (PeerCounters) -> Void) {
        observer.withLock { $0 = (tell, nil) }
        report()
    }

    /// Tells the observer the counters if they changed since it last heard (the ticker calls it).
    func report() {
        observer.withLock { state in
            guard let (tell, last) = state else { return }
            let now = snapshot
            guard now != last else { return }
            tell(now)
            state = (tell, now)
        }
    }
}

extension PeerNode {
    /// What this peer has done since it started.
    public var counters: PeerCounters { counterBook.snapshot }

    /// Calls `observer` with the counters now, and at each heartbeat (2 s) at which they changed.
    public func observeCounters(_ observer: @escaping @Sendable (PeerCounters) -> Void) {
        counterBook.observe(observer)
    }
}

/// The caps that keep one peer serving everyone when some connection misbehaves: how many
/// connections it holds at once, how long a request may take to arrive, and how many queries
/// a neighbour may make it flood per second. No cap is per address: on one machine every
/// client is 127.0.0.1, so such a cap let one local process shut out the other peers.
public struct PeerLimits: Sendable {
    /// Connections held at once, waiting or being answered (and never more than the
    /// descriptor limit allows); past it the one that has waited longest is closed.
    public var connections = 8192
    /// A request head (or a new connection's first bytes) must arrive whole within this of
    /// the connection starting to wait: accepted, or its last answer sent. So an idle
    /// keep-alive connection and a trickle are both closed after it.
    public var idleTimeout: Duration = .seconds(10)
    /// Answers that take a thread (large bodies, hashing) at once, and how many may wait
    /// for one; past that a 503 with Retry-After.
    public var slowAnswers = 32
    public var slowAnswersWaiting = 64
    /// Inbound overlay connections read at once, each on a thread (links, handshakes,
    /// topology crawls, walkers' answers); past it new ones are closed.
    public var overlayConnections = 256
    /// Queries per second one neighbour may have this peer answer and forward, and the burst
    /// it may send at once; the rest are dropped and counted (throttled, never amplified).
    public var queriesPerSecond = 200.0
    public var queryBurst = 400.0
    /// The same for random walkers, which are forwarded to one neighbour, never amplified:
    /// only a bound on the work one neighbour can bring.
    public var walkersPerSecond = 2_000.0
    public var walkerBurst = 4_000.0

    public init() {}
}

/// A token bucket: `rate` tokens a second up to `burst`; each event takes one or is refused.
struct TokenBucket: Sendable {
    let rate: Double
    let burst: Double
    private var tokens: Double
    private var last: ContinuousClock.Instant
    /// Events refused, for a log line a second at most.
    var refusals = EventTally()

    init(rate: Double, burst: Double, now: ContinuousClock.Instant = .now) {
        self.rate = rate
        self.burst = burst
        tokens = burst
        last = now
    }

    mutating func take(now: ContinuousClock.Instant = .now) -> Bool {
        let elapsed = Double((now - last) / .microseconds(1)) / 1e6
        tokens = min(burst, tokens + max(elapsed, 0) * rate)
        last = now
        guard tokens >= 1 else {
            refusals.count += 1
            return false
        }
        tokens -= 1
        return true
    }
}

/// Events counted between log lines, so a flood of them makes one line a second, not one each.
struct EventTally: Sendable {
    var count = 0
    private var lastReport: ContinuousClock.Instant?

    /// The events since the last report, when one is due; nil when none happened or it is too soon.
    mutating func due(now: ContinuousClock.Instant = .now) -> Int? {
        guard count > 0 else { return nil }
        if let last = lastReport, now - last < .seconds(1) { return nil }
        defer { count = 0; lastReport = now }
        return count
    }
}

/// The caps that keep one peer serving everyone when some connection misbehaves: how many
/// connections it holds at once (in all, and from one address), and how many queries a
/// neighbour may make it flood per second.
public struct PeerLimits: Sendable {
    /// Connections accepted and open at once; past it new ones are closed at once.
    public var connections = 256
    /// Connections open at once from one address (a local attacker shares 127.0.0.1 with every
    /// peer on this machine, so this bounds what it can take, not who it can shut out).
    public var connectionsPerAddress = 64
    /// A connection that sends nothing this long (before its first bytes, or between HTTP
    /// requests) is closed.
    public var idleTimeout: Duration = .seconds(10)
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

/// The open accepted connections, in all and per remote address.
struct ConnectionTable: Sendable {
    private(set) var total = 0
    private var perAddress: [String: Int] = [:]
    /// Connections closed at once, for a log line a second at most.
    var refusals = EventTally()

    /// Takes a place for a connection from `address`, or says which cap it would break.
    mutating func admit(_ address: String, within limits: PeerLimits) -> String? {
        if total >= limits.connections {
            refusals.count += 1
            return "\(limits.connections) connections are open"
        }
        if perAddress[address, default: 0] >= limits.connectionsPerAddress {
            refusals.count += 1
            return "\(limits.connectionsPerAddress) connections from \(address) are open"
        }
        total += 1
        perAddress[address, default: 0] += 1
        return nil
    }

    mutating func release(_ address: String) {
        total -= 1
        perAddress[address, default: 1] -= 1
        if perAddress[address] == 0 { perAddress[address] = nil }
    }
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

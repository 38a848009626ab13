/// A point in monotonic time by which an operation must finish, or never.
public struct Deadline: Sendable, Comparable {
    public let instant: ContinuousClock.Instant?

    public init(instant: ContinuousClock.Instant?) {
        self.instant = instant
    }

    public static let never = Deadline(instant: nil)
    public static func after(_ duration: Duration) -> Deadline { Deadline(instant: .now + duration) }
    public static func after(seconds: Double) -> Deadline { after(.milliseconds(Int64(seconds * 1000))) }

    public var hasPassed: Bool { instant.map { $0 <= .now } ?? false }

    /// Milliseconds left, for poll(2): -1 means wait forever, 0 means do not wait.
    public var pollMilliseconds: Int32 {
        guard let instant else { return -1 }
        let left = instant - .now
        if left <= .zero { return 0 }
        let (seconds, attoseconds) = left.components
        let ms = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: ms)
    }

    public static func < (a: Deadline, b: Deadline) -> Bool {
        switch (a.instant, b.instant) {
        case (nil, _): return false
        case (_, nil): return true
        case let (x?, y?): return x < y
        }
    }
}

import Synchronization

/// At most `capacity` of something at once (uploads, requests being served): `take()` a slot,
/// or learn there is none left, and `give()` it back when done.
public final class Slots: Sendable {
    public let capacity: Int
    private let used = Atomic<Int>(0)

    public init(_ capacity: Int) { self.capacity = capacity }

    /// Slots taken now.
    public var inUse: Int { used.load(ordering: .relaxed) }

    /// True when a slot was free (it is now taken).
    public func take() -> Bool {
        if used.add(1, ordering: .relaxed).newValue <= capacity { return true }
        used.subtract(1, ordering: .relaxed)
        return false
    }

    public func give() { used.subtract(1, ordering: .relaxed) }
}

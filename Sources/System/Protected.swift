#if canImport(Glibc)
import Glibc
#endif

/// A value shared between threads, guarded by a pthread mutex, with a condition variable for
/// waiting until the value changes. Our own type rather than `Synchronization.Mutex` because
/// ThreadSanitizer reports false races on that one, and FoundationEssentials has no NSLock.
///
/// `@unchecked Sendable`: every access to `value` happens between lock and unlock of `mutex`,
/// and the value, mutex and condition live on the heap at fixed addresses for the object's
/// lifetime.
///
/// The value is reached through a pointer rather than kept in a stored property: the mutex
/// already makes every access exclusive, and ThreadSanitizer reports the property's exclusivity
/// checks falsely when the value is empty (`Protected(())`, a plain lock): the empty property's
/// "modifying access" lands on the object's own address, which every other caller reads
/// (unlocked, and rightly so) to find the mutex.
public final class Protected<Value>: @unchecked Sendable {
    private let value = UnsafeMutablePointer<Value>.allocate(capacity: 1)
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    public init(_ value: Value) {
        self.value.initialize(to: value)
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)   // deadlines are monotonic
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
        value.deinitialize(count: 1)
        value.deallocate()
    }

    /// Runs `body` with the value locked. Wakes waiters afterwards when `notify` is set.
    @discardableResult
    public func withLock<R, E: Error>(notify: Bool = false, _ body: (inout Value) throws(E) -> R) throws(E) -> R {
        pthread_mutex_lock(mutex)
        defer {
            if notify { pthread_cond_broadcast(condition) }
            pthread_mutex_unlock(mutex)
        }
        return try body(&value.pointee)
    }

    /// Waits until `ready` returns a result or the deadline passes (then nil).
    /// Whoever changes the value calls `withLock(notify: true)`.
    public func wait<R>(until deadline: Deadline, _ ready: (inout Value) -> R?) -> R? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while true {
            if let result = ready(&value.pointee) { return result }
            if deadline.hasPassed { return nil }
            if let instant = deadline.instant {
                var now = timespec()
                clock_gettime(CLOCK_MONOTONIC, &now)
                let left = instant - .now
                let (seconds, attoseconds) = left.components
                var wake = timespec(tv_sec: now.tv_sec + Int(max(seconds, 0)),
                                    tv_nsec: now.tv_nsec + Int(max(attoseconds, 0) / 1_000_000_000))
                if wake.tv_nsec >= 1_000_000_000 { wake.tv_sec += 1; wake.tv_nsec -= 1_000_000_000 }
                pthread_cond_timedwait(condition, mutex, &wake)
            } else {
                pthread_cond_wait(condition, mutex)
            }
        }
    }
}

extension Protected where Value: Sendable {
    /// A copy of the value.
    public var snapshot: Value { withLock { $0 } }
}

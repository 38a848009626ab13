#if canImport(Glibc)
import Glibc
#endif
import CSystemShims

/// Dedicated threads for blocking work: accept loops, one reader per connection, consoles.
/// Not Swift concurrency's cooperative pool (blocking it starves everything) and not
/// `DispatchQueue.global()` (it grows slowly on Linux).
public enum Threads {
    /// Small stacks: a network of hundreds of peers runs a few threads each.
    public static let defaultStackSize = 512 * 1024

    private final class Box: Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    /// Starts `body` on a new detached thread. Returns false when the system refuses one
    /// (the caller then drops the work, such as a connection, instead of crashing).
    @discardableResult
    public static func detach(name: String = "", stackSize: Int = defaultStackSize,
                              _ body: @escaping @Sendable () -> Void) -> Bool {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        pthread_attr_setstacksize(&attributes, stackSize)
        let context = Unmanaged.passRetained(Box {
            if !name.isEmpty { p2p_name_this_thread(name) }
            body()
        }).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, &attributes, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, context)
        if result != 0 {
            Unmanaged<Box>.fromOpaque(context).release()
            return false
        }
        return true
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// RLIMIT_NOFILE, the number of descriptors a process may hold.
public enum DescriptorLimit {
    /// Raises the soft limit to the hard one (a server holds a descriptor per connection, and
    /// Debian's soft default is 1,024) and returns the soft limit now in force.
    @discardableResult
    public static func raise() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(clamping: min(limit.rlim_cur, 1 << 30))
    }
}

#if canImport(Glibc)
import Glibc
#endif
import System
import Synchronization

/// The human log: one line per event that matters, on stderr, each with the local time.
/// Console answers go to stdout instead (see `Log.answer`), so a script can read them apart.
public enum Log {
    private static let lock = Protected(())
    private static let silenced = Atomic<Bool>(false)

    /// Drops the human log (stderr events) from now on: for a benchmark running hundreds of
    /// peers in one process, where the lines would cost more than what is measured.
    public static func silence() { silenced.store(true, ordering: .relaxed) }

    public static func event(_ message: String) {
        if silenced.load(ordering: .relaxed) { return }
        emit("\(timestamp()) \(message)\n", to: STDERR_FILENO)
    }

    /// Prints an answer on stdout (one or more whole lines).
    public static func answer(_ text: String) {
        emit(text.hasSuffix("\n") ? text : text + "\n", to: STDOUT_FILENO)
    }

    /// Writes a one-line error to stderr without a timestamp (for usage and startup errors).
    public static func error(_ program: String, _ message: String) {
        emit("\(program): \(message)\n", to: STDERR_FILENO)
    }

    /// One write(2) per line, under a lock: lines from different threads never interleave, and
    /// nothing waits in a stdio buffer (a pipe sees each line at once). A closed stream is ignored.
    private static func emit(_ text: String, to descriptor: Int32) {
        let bytes = Array(text.utf8)
        lock.withLock { _ in _ = try? Syscall.writeAll(descriptor, bytes) }
    }

    public static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        localtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let millis = now.tv_nsec / 1_000_000
        let ms = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(ms)"
    }
}

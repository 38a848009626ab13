#if canImport(Glibc)
import Glibc
#endif
import System

/// Lines from a file descriptor (a peer's stdin), each at most `maxLength` bytes. A longer one
/// is read to its end without being kept and reported as `.tooLong`, so nothing typed or piped
/// in can make the process hold unbounded memory (Swift's `readLine` keeps the whole line).
public struct LineReader {
    public enum Line: Equatable {
        /// A line without its "\n" or "\r\n".
        case text(String)
        /// A line of this many bytes, over the cap: dropped.
        case tooLong(Int)
    }

    public let descriptor: Int32
    public let maxLength: Int
    private var pending: [UInt8] = []
    /// Bytes of an over-long line dropped so far (nil while within the cap).
    private var dropped: Int?
    private var atEnd = false

    public init(descriptor: Int32 = STDIN_FILENO, maxLength: Int = 64 * 1024) {
        self.descriptor = descriptor
        self.maxLength = maxLength
    }

    /// The next line; nil at end of input (a last line without "\n" still comes first).
    public mutating func next() -> Line? {
        while true {
            if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(pending[..<newline])
                pending.removeSubrange(...newline)
                if let count = dropped {
                    dropped = nil
                    return .tooLong(count + line.count)
                }
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return .text(String(decoding: line, as: UTF8.self))
            }
            if pending.count > maxLength {
                dropped = (dropped ?? 0) + pending.count
                pending.removeAll(keepingCapacity: true)
            }
            if atEnd {
                defer { pending = []; dropped = nil }
                if let count = dropped { return .tooLong(count + pending.count) }
                return pending.isEmpty ? nil : .text(String(decoding: pending, as: UTF8.self))
            }
            var chunk = [UInt8](repeating: 0, count: 16 * 1024)
            let count = (try? Syscall.read(descriptor, into: &chunk)) ?? 0   // an error ends the input too
            if count == 0 { atEnd = true; continue }
            pending += chunk[..<count]
        }
    }
}

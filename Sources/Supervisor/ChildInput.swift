import System
import Foundation
import Sockets

/// A child's stdin, written one whole line at a time under a lock of its own: two requests
/// longer than PIPE_BUF never interleave, and a slow write (a child that does not read) holds
/// this lock only, never the process's runtime lock that `status` needs.
final class ChildInput: Sendable {
    struct Closed: LocalizedError {
        var errorDescription: String? { "its stdin is closed" }
    }

    private let handle = Protected<FileHandle?>(nil)

    /// The write end of a new incarnation's stdin pipe.
    func attach(_ pipe: FileHandle) {
        handle.withLock { $0 = pipe }
    }

    /// Writes `line` and a newline, whole; throws when stdin is closed or the child has gone.
    func writeLine(_ line: String) throws {
        try handle.withLock { handle in
            guard let handle else { throw Closed() }
            try handle.write(contentsOf: Data((line + "\n").utf8))
        }
    }

    /// Closes stdin (a supervised child then exits); waits for a write under way to end.
    func close() {
        handle.withLock { handle in
            try? handle?.close()
            handle = nil
        }
    }
}

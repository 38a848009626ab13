import Foundation
import System

/// One incarnation's end of the socket pair that is its stdin, stdout and stderr. The child's
/// lines come in through the `OutputReader`; typed requests go out here, one whole line at a time
/// under a lock of its own, so two long requests never interleave and a slow write (a child
/// that does not read) holds this lock only, never the runtime lock that `status` needs.
///
/// The descriptor is closed only by `release`, once the reader has seen the end of the
/// child's output, and under the same lock as every write: so no write can go to a number the
/// kernel has since given to another file.
final class ChildChannel: Sendable {
    private struct State {
        var descriptor: Int32?
        var inputOpen = true
    }
    private let state: Protected<State>

    init(descriptor: Int32) {
        state = Protected(State(descriptor: descriptor))
    }

    /// Writes `bytes` whole; throws when the child's stdin is closed or the child has gone.
    func write(_ bytes: [UInt8]) throws {
        try state.withLock { state in
            guard let fd = state.descriptor, state.inputOpen else { throw ChildInput.Closed() }
            var sent = 0
            while sent < bytes.count {
                let count = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw ChildInput.Closed()
                }
                sent += count
            }
        }
    }

    /// Ends the child's stdin (a supervised child then exits); its output is still read.
    func closeInput() {
        state.withLock { state in
            if let fd = state.descriptor, state.inputOpen { _ = shutdown(fd, Int32(SHUT_WR)) }
            state.inputOpen = false
        }
    }

    /// Closes the descriptor: the child's output has ended.
    func release() {
        state.withLock { state in
            if let fd = state.descriptor { Syscall.close(fd) }
            state.descriptor = nil
        }
    }
}

/// A process's stdin across its restarts: the current incarnation's channel.
final class ChildInput: Sendable {
    struct Closed: LocalizedError {
        var errorDescription: String? { "its stdin is closed" }
    }

    private let channel = Protected<ChildChannel?>(nil)

    /// The channel of a new incarnation.
    func attach(_ new: ChildChannel) {
        channel.withLock { $0 = new }
    }

    /// Writes `line` and a newline, whole; throws when stdin is closed or the child has gone.
    func writeLine(_ line: String) throws {
        guard let current = channel.snapshot else { throw Closed() }
        try current.write(Array((line + "\n").utf8))
    }

    /// Closes stdin; waits for a write under way to end.
    func close() {
        channel.withLock { current in
            current?.closeInput()
            current = nil
        }
    }
}

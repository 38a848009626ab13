import Foundation
import System

/// Reads the output of every child (its end of a socket pair, see `ChildChannel`) on one
/// thread with epoll, so a network of a thousand peers needs no thousand reader threads, and a
/// child that floods its output is drained as fast as it writes (it never blocks on a full
/// buffer, and nobody waits for it). Handlers get whole lines (cut at 64 KiB); `nil` means end
/// of stream, after which the owner closes the descriptor.
final class OutputReader: Sendable {
    typealias Handler = @Sendable (String?) -> Void
    static let maxLine = 64 * 1024

    private struct Source {
        var handler: Handler
        var pending: [UInt8] = []
    }

    private let sources = Protected([Int32: Source]())
    private let poller: Poller

    init() throws(SystemError) {
        poller = try Poller()
        Threads.detach(name: "output-reader") { [self] in run() }
    }

    /// Reads the socket `descriptor` until its end. It stays blocking (its owner writes to it
    /// too); reads here never wait (MSG_DONTWAIT).
    func add(_ descriptor: Int32, _ handler: @escaping Handler) {
        sources.withLock { $0[descriptor] = Source(handler: handler) }
        do {
            try poller.add(descriptor, for: .readable)
        } catch {
            // Only ENOMEM or ENOSPC (the user's epoll watch limit): the child runs unread.
            sources.withLock { _ = $0.removeValue(forKey: descriptor) }
            handler("its output cannot be read: \(error)")
            handler(nil)
        }
    }

    private func run() {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let ready: [(fd: Int32, events: Poller.Events)]
            do {
                ready = try poller.wait()
            } catch {
                // ENOMEM: only time can mend it; a pause, not a spin at a whole core.
                Syscall.sleep(for: .milliseconds(100))
                continue
            }
            for (fd, _) in ready { drain(fd, &buffer) }
        }
    }

    private func drain(_ fd: Int32, _ buffer: inout [UInt8]) {
        while true {
            let count: Int
            do {
                guard let got = try Syscall.callNonBlocking("recv", { buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) } })
                else { return }   // drained for now
                count = got
            } catch {
                count = 0   // an error ends the stream just the same
            }
            if count == 0 {   // end of stream
                let source = sources.withLock { $0.removeValue(forKey: fd) }
                poller.remove(fd)
                if let source {
                    if !source.pending.isEmpty { source.handler(String(decoding: source.pending, as: UTF8.self)) }
                    source.handler(nil)
                }
                return
            }
            let (handler, lines) = sources.withLock { sources -> (Handler?, [String]) in
                guard var source = sources[fd] else { return (nil, []) }
                source.pending += buffer[..<count]
                var lines: [String] = []
                var start = 0
                while let newline = source.pending[start...].firstIndex(of: 10) {
                    lines.append(String(decoding: source.pending[start..<newline], as: UTF8.self))
                    start = newline + 1
                }
                source.pending.removeSubrange(..<start)
                while source.pending.count >= Self.maxLine {   // a line without end: cut it
                    lines.append(String(decoding: source.pending.prefix(Self.maxLine), as: UTF8.self))
                    source.pending.removeFirst(Self.maxLine)
                }
                sources[fd] = source
                return (source.handler, lines)
            }
            if let handler { for line in lines { handler(line) } }
            if count < buffer.count { return }
        }
    }
}

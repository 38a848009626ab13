import Foundation
import System

/// Reads the output pipes of every child on one thread with poll(2), so a network of a
/// thousand peers needs no two thousand reader threads, and a child that floods its pipe is
/// drained as fast as it writes (it never blocks on a full pipe, and nobody waits for it).
/// Handlers get whole lines (cut at 64 KiB); `nil` means end of file.
final class PipeReader: Sendable {
    typealias Handler = @Sendable (String?) -> Void
    static let maxLine = 64 * 1024

    private struct Source {
        var handler: Handler
        var pending: [UInt8] = []
    }

    private let sources = Protected([Int32: Source]())
    private let wake: (read: Int32, write: Int32)

    init() {
        var fds: [Int32] = [-1, -1]
        _ = pipe(&fds)
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC); _ = fcntl(fd, F_SETFL, O_NONBLOCK) }
        wake = (fds[0], fds[1])
        Threads.detach(name: "pipe-reader") { [self] in run() }
    }

    /// Reads `descriptor` (which this reader then owns and closes at end of file).
    func add(_ descriptor: Int32, _ handler: @escaping Handler) {
        _ = fcntl(descriptor, F_SETFL, O_NONBLOCK)
        sources.withLock { $0[descriptor] = Source(handler: handler) }
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
    }

    private func run() {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            var entries = [pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
            entries += sources.withLock { $0.keys.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) } }
            do {
                try Syscall.call("poll") { poll(&entries, nfds_t(entries.count), -1) }
            } catch {
                // ENOMEM: only time can mend it; a pause, not a spin at a whole core.
                Syscall.sleep(for: .milliseconds(100))
                continue
            }
            if entries[0].revents != 0 { while read(wake.read, &buffer, buffer.count) > 0 {} }
            for entry in entries.dropFirst() where entry.revents != 0 {
                drain(entry.fd, &buffer)
            }
        }
    }

    private func drain(_ fd: Int32, _ buffer: inout [UInt8]) {
        while true {
            let count: Int
            do {
                guard let got = try Syscall.callNonBlocking("read", { buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } })
                else { return }   // drained for now
                count = got
            } catch {
                count = 0   // an error ends the stream just the same
            }
            if count == 0 {   // end of file
                let source = sources.withLock { $0.removeValue(forKey: fd) }
                Syscall.close(fd)
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

import Foundation
import Control
import System

/// Every process's output lines: appended to `logs/NAME.log` (rotated to `NAME.log.1` past a
/// size limit, so a flood cannot fill the disk), kept in a short tail for failure reports, and
/// handed to whoever follows (the foreground `up`, `logs -f`).
final class LogBook: Sendable {
    static let rotateAt = 8 << 20
    static let tailLines = 20
    /// Log files kept open at once. Every descriptor the supervisor holds makes each spawn
    /// slower (Foundation adds a close action per open descriptor), and a network of a
    /// thousand peers logs mostly at start, so the least recently written are closed.
    static let openLimit = 32

    private struct File {
        var descriptor: Int32 = -1
        var size = 0
        var tail: [String] = []
        var lastWrite = 0
    }

    private let folder: String
    private let files = Protected((clock: 0, open: 0, byName: [String: File]()))
    private let followers = Protected((next: 0, handlers: [Int: @Sendable (LogLine) -> Void]()))

    init(folder: String) {
        self.folder = folder
    }

    /// Starts afresh: the previous run's logs are kept until the next `up` (README, `logs`), which is now.
    func clear() {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasSuffix(".log") || name.hasSuffix(".log.1") {
            unlink(folder + "/" + name)
        }
    }

    func write(_ name: String, _ line: String) {
        let bytes = Array((line + "\n").utf8)
        let path = folder + "/\(name).log"
        files.withLock { state in
            state.clock += 1
            var file = state.byName[name] ?? File()
            if file.descriptor < 0 {
                if state.open >= Self.openLimit, let (victim, old) = state.byName.filter({ $0.value.descriptor >= 0 }).min(by: { $0.value.lastWrite < $1.value.lastWrite }) {
                    close(old.descriptor)
                    state.byName[victim]?.descriptor = -1
                    state.open -= 1
                }
                file.descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
                var info = stat()
                if file.descriptor >= 0 && fstat(file.descriptor, &info) == 0 { file.size = Int(info.st_size) }
                if file.descriptor >= 0 { state.open += 1 }
            }
            if file.size + bytes.count > Self.rotateAt, file.descriptor >= 0 {
                close(file.descriptor)
                rename(path, path + ".1")
                file.descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o644)
                file.size = 0
                if file.descriptor < 0 { state.open -= 1 }
            }
            if file.descriptor >= 0 {
                bytes.withUnsafeBytes { _ = Glibc.write(file.descriptor, $0.baseAddress, $0.count) }
                file.size += bytes.count
            }
            file.lastWrite = state.clock
            file.tail.append(line)
            if file.tail.count > Self.tailLines { file.tail.removeFirst(file.tail.count - Self.tailLines) }
            state.byName[name] = file
        }
        let handlers = followers.withLock { Array($0.handlers.values) }
        for handler in handlers { handler(LogLine(name: name, line: line)) }
    }

    /// The last lines written for `name` (for "why did it fail").
    func tail(_ name: String) -> [String] {
        files.withLock { $0.byName[name]?.tail ?? [] }
    }

    func follow(_ handler: @escaping @Sendable (LogLine) -> Void) -> Int {
        followers.withLock { state in
            state.next += 1
            state.handlers[state.next] = handler
            return state.next
        }
    }

    func unfollow(_ token: Int) {
        followers.withLock { $0.handlers[token] = nil }
    }
}

import Foundation
import Control
import Sockets

/// Every process's output lines: appended to `logs/NAME.log` (rotated to `NAME.log.1` past a
/// size limit, so a flood cannot fill the disk), kept in a short tail for failure reports, and
/// handed to whoever follows (the foreground `up`, `logs -f`).
final class LogBook: Sendable {
    static let rotateAt = 8 << 20
    static let tailLines = 20

    private struct File {
        var descriptor: Int32
        var size: Int
        var tail: [String]
    }

    private let folder: String
    private let files = Protected([String: File]())
    private let followers = Protected((next: 0, handlers: [Int: @Sendable (LogLine) -> Void]()))

    init(folder: String) {
        self.folder = folder
    }

    /// Starts afresh: the previous run's logs are kept until the next `up` (SPEC.md), which is now.
    func clear() {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasSuffix(".log") || name.hasSuffix(".log.1") {
            unlink(folder + "/" + name)
        }
    }

    func write(_ name: String, _ line: String) {
        let bytes = Array((line + "\n").utf8)
        files.withLock { files in
            var file = files[name] ?? File(descriptor: open(folder + "/\(name).log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644),
                                          size: 0, tail: [])
            if file.size + bytes.count > Self.rotateAt, file.descriptor >= 0 {
                close(file.descriptor)
                rename(folder + "/\(name).log", folder + "/\(name).log.1")
                file.descriptor = open(folder + "/\(name).log", O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o644)
                file.size = 0
            }
            if file.descriptor >= 0 {
                bytes.withUnsafeBytes { _ = Glibc.write(file.descriptor, $0.baseAddress, $0.count) }
                file.size += bytes.count
            }
            file.tail.append(line)
            if file.tail.count > Self.tailLines { file.tail.removeFirst(file.tail.count - Self.tailLines) }
            files[name] = file
        }
        let handlers = followers.withLock { Array($0.handlers.values) }
        for handler in handlers { handler(LogLine(name: name, line: line)) }
    }

    /// The last lines written for `name` (for "why did it fail").
    func tail(_ name: String) -> [String] {
        files.withLock { $0[name]?.tail ?? [] }
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

    func closeAll() {
        files.withLock { files in
            for file in files.values where file.descriptor >= 0 { close(file.descriptor) }
            files = [:]
        }
    }
}

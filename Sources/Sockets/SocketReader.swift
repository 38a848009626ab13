import System

/// Buffered reading from one socket, by one thread: exact counts, capped lines, and "whatever
/// arrives" for parsers that decide themselves when a message is complete.
public struct SocketReader {
    public let socket: Socket
    /// Received bytes live in `storage[start..<end]`; the socket reads straight into the space
    /// after `end`, so nothing is zero-filled or copied on the way in.
    private var storage: [UInt8]
    private var start = 0
    private var end = 0
    private let chunk: Int

    /// `received`: bytes already read from the socket by someone else (a poller that looked
    /// at a connection's first bytes), to be read first.
    public init(_ socket: Socket, chunk: Int = 64 * 1024, received: [UInt8] = []) {
        self.socket = socket
        self.chunk = chunk
        self.storage = received
        self.end = received.count
    }

    /// The bytes received and not yet consumed.
    public var buffered: ArraySlice<UInt8> { storage[start..<end] }

    /// Drops `count` buffered bytes (a parser used them).
    public mutating func consume(_ count: Int) {
        start = min(start + count, end)
        if start == end { start = 0; end = 0 }
    }

    /// Reads once more from the socket onto the end of the buffer. Returns false at end of stream.
    @discardableResult
    public mutating func fill(until deadline: Deadline) throws(SocketError) -> Bool {
        if storage.count - end < chunk {
            if start > 0 {   // move what is left to the front before growing
                storage.withUnsafeMutableBytes { raw in
                    raw.baseAddress!.copyMemory(from: raw.baseAddress! + start, byteCount: end - start)
                }
                end -= start
                start = 0
            }
            // An array of zeros, not repeatElement: unspecialized (debug) code appends that lazy
            // sequence one generic call per byte, 11 ms per 16 KiB and ~0.5 s under TSan.
            if storage.count - end < chunk { storage.append(contentsOf: [UInt8](repeating: 0, count: chunk - (storage.count - end))) }
        }
        var received = 0
        var failure: SocketError?
        storage.withUnsafeMutableBytes { raw in
            do throws(SocketError) {
                received = try socket.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[end...]), until: deadline)
            } catch { failure = error }
        }
        if let failure { throw failure }
        end += received
        return received > 0
    }

    /// Exactly `count` bytes; `.endOfStream(received:)` if the stream ends first.
    public mutating func read(exactly count: Int, until deadline: Deadline) throws(SocketError) -> [UInt8] {
        while end - start < count {
            guard try fill(until: deadline) else { throw .endOfStream(received: end - start) }
        }
        let bytes = Array(storage[start..<(start + count)])
        consume(count)
        return bytes
    }

    /// One line without its "\n" (and "\r"), at most `maxLength` bytes; nil at a clean end of
    /// stream. Throws `.tooLong` as soon as more than `maxLength` bytes arrive without a newline.
    public mutating func readLine(maxLength: Int, until deadline: Deadline) throws(SocketError) -> [UInt8]? {
        var scanned = start
        while true {
            if let newline = storage[scanned..<end].firstIndex(of: UInt8(ascii: "\n")) {
                var lineEnd = newline
                if lineEnd > start && storage[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
                if lineEnd - start > maxLength { throw .tooLong(limit: maxLength) }
                let line = Array(storage[start..<lineEnd])
                consume(newline + 1 - start)
                return line
            }
            if end - start > maxLength { throw .tooLong(limit: maxLength) }
            scanned = end
            let before = start
            guard try fill(until: deadline) else {
                if end == start { return nil }
                throw .endOfStream(received: end - start)
            }
            scanned -= before - start   // fill may have moved the bytes to the front
        }
    }
}

/// Buffered reading from one socket, by one thread: exact counts, capped lines, and "whatever
/// arrives" for parsers that decide themselves when a message is complete.
public struct SocketReader {
    public let socket: Socket
    /// Bytes received but not yet consumed: `buffer[start...]`.
    private var buffer: [UInt8] = []
    private var start = 0
    private let chunk: Int

    public init(_ socket: Socket, chunk: Int = 64 * 1024) {
        self.socket = socket
        self.chunk = chunk
    }

    /// The bytes received and not yet consumed.
    public var buffered: ArraySlice<UInt8> { buffer[start...] }

    /// Drops `count` buffered bytes (a parser used them).
    public mutating func consume(_ count: Int) {
        start = min(start + count, buffer.count)
        if start == buffer.count { buffer.removeAll(keepingCapacity: true); start = 0 }
    }

    /// Reads once more from the socket onto the end of the buffer. Returns false at end of stream.
    @discardableResult
    public mutating func fill(until deadline: Deadline) throws(SocketError) -> Bool {
        if start > 0 && start >= buffer.count / 2 {   // compact, so the buffer does not grow forever
            buffer.removeSubrange(0..<start)
            start = 0
        }
        let old = buffer.count
        buffer.reserveCapacity(old + chunk)
        var received = 0
        var failure: SocketError?
        buffer.append(contentsOf: repeatElement(0, count: chunk))
        buffer.withUnsafeMutableBytes { raw in
            do throws(SocketError) {
                received = try socket.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[old...]), until: deadline)
            } catch { failure = error }
        }
        buffer.removeSubrange((old + received)...)
        if let failure { throw failure }
        return received > 0
    }

    /// Exactly `count` bytes; `.endOfStream(received:)` if the stream ends first.
    public mutating func read(exactly count: Int, until deadline: Deadline) throws(SocketError) -> [UInt8] {
        while buffer.count - start < count {
            guard try fill(until: deadline) else { throw .endOfStream(received: buffer.count - start) }
        }
        let bytes = Array(buffer[start..<(start + count)])
        consume(count)
        return bytes
    }

    /// One line without its "\n" (and "\r"), at most `maxLength` bytes; nil at a clean end of
    /// stream. Throws `.tooLong` as soon as more than `maxLength` bytes arrive without a newline.
    public mutating func readLine(maxLength: Int, until deadline: Deadline) throws(SocketError) -> [UInt8]? {
        var scanned = start
        while true {
            if let newline = buffer[scanned...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > start && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                if end - start > maxLength { throw .tooLong(limit: maxLength) }
                let line = Array(buffer[start..<end])
                consume(newline + 1 - start)
                return line
            }
            if buffer.count - start > maxLength { throw .tooLong(limit: maxLength) }
            scanned = buffer.count
            guard try fill(until: deadline) else {
                if buffer.count == start { return nil }
                throw .endOfStream(received: buffer.count - start)
            }
        }
    }
}

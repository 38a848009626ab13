// The Range header (RFC 9110 14.1), single ranges only: enough for resuming a download and for
// `curl -r`. Anything else parses to nil, and the server then ignores it and sends the whole
// file with 200, which the RFC allows.

public enum ByteRange: Equatable, Sendable {
    /// bytes=a-b (both inclusive; b >= a)
    case closed(UInt64, UInt64)
    /// bytes=a-
    case from(UInt64)
    /// bytes=-n: the last n bytes
    case suffix(UInt64)

    /// Parses a Range header value like "bytes=0-9". The unit is matched ignoring case and
    /// spaces around the range are allowed; nil for another unit, several ranges ("0-1,5-6"),
    /// numbers over 19 digits, or a closed range that ends before it starts ("9-0").
    public static func parse(_ header: String) -> ByteRange? {
        let value = header.utf8
        guard let equals = value.firstIndex(of: UInt8(ascii: "=")),
              ASCII.equalsIgnoringCase(trimmed(value[..<equals]), "bytes".utf8) else { return nil }
        let spec = trimmed(value[value.index(after: equals)...])
        guard !spec.contains(UInt8(ascii: ",")), let dash = spec.firstIndex(of: UInt8(ascii: "-")) else { return nil }
        let first = spec[..<dash], last = spec[spec.index(after: dash)...]
        if first.isEmpty {
            return HTTP.parseDecimal(last).map(ByteRange.suffix)
        }
        guard let start = HTTP.parseDecimal(first) else { return nil }
        if last.isEmpty { return .from(start) }
        guard let end = HTTP.parseDecimal(last), end >= start else { return nil }
        return .closed(start, end)
    }

    /// The bytes to send from a file of `size` bytes, as (offset, length), or nil when the range
    /// is not satisfiable (416): a start at or past the end, a suffix of 0, or an empty file
    /// (for which a server may prefer to ignore the Range and send 200). An end past the file
    /// is clamped to its last byte; a suffix longer than the file means all of it.
    public func resolve(size: UInt64) -> (offset: UInt64, length: UInt64)? {
        guard size > 0 else { return nil }
        switch self {
        case let .closed(start, end):
            guard start < size, end >= start else { return nil }
            // end - start + 1 cannot overflow: min(end, size - 1) < UInt64.max.
            return (start, min(end, size - 1) - start + 1)
        case let .from(start):
            guard start < size else { return nil }
            return (start, size - start)
        case let .suffix(count):
            guard count > 0 else { return nil }
            let length = min(count, size)
            return (size - length, length)
        }
    }

    /// The Content-Range value for a 206: "bytes 0-9/100" (length must be at least 1).
    public static func contentRange(offset: UInt64, length: UInt64, size: UInt64) -> String {
        precondition(length > 0, "a satisfiable range has at least one byte")
        return "bytes \(offset)-\(offset + (length - 1))/\(size)"
    }

    /// The Content-Range value for a 416: "bytes */100".
    public static func unsatisfiedContentRange(size: UInt64) -> String { "bytes */\(size)" }

    private static func trimmed(_ bytes: Substring.UTF8View.SubSequence) -> Substring.UTF8View.SubSequence {
        var bytes = bytes
        while let byte = bytes.first, byte == 0x20 || byte == 0x09 { bytes = bytes.dropFirst() }
        while let byte = bytes.last, byte == 0x20 || byte == 0x09 { bytes = bytes.dropLast() }
        return bytes
    }
}

// Big-endian readers and writers for frame payloads. Internal: the public surface is Frame's.

/// Appends fields to a payload. Every cap the decoder enforces is checked here too, so whatever
/// encodes also decodes. In `strict` mode a violation is a precondition failure (a caller bug,
/// see `Frame.encoded()`); otherwise the first one is recorded for `Frame.encodedChecked()`.
struct ByteWriter {
    var bytes: [UInt8] = []
    let strict: Bool
    private(set) var violation: FrameError?

    init(strict: Bool) { self.strict = strict }

    private mutating func fail(_ error: FrameError, _ message: @autoclosure () -> String) {
        if strict { preconditionFailure("Frame.encoded(): \(message())") }
        if violation == nil { violation = error }
    }

    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func u16(_ value: UInt16) { bigEndian(UInt64(value), 2) }
    mutating func u32(_ value: UInt32) { bigEndian(UInt64(value), 4) }
    mutating func u64(_ value: UInt64) { bigEndian(value, 8) }

    private mutating func bigEndian(_ value: UInt64, _ width: Int) {
        for index in stride(from: width - 1, through: 0, by: -1) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(index * 8)))
        }
    }

    /// u16 length + UTF-8. `required`: the decoder rejects an empty one (peer names).
    mutating func string(_ value: String, cap: Int, required: Bool = false, what: String) {
        let utf8 = value.utf8
        if utf8.count > cap {
            fail(.tooLarge(utf8.count), "\(what) is \(utf8.count) bytes, over the cap of \(cap)")
        } else if required && utf8.isEmpty {
            fail(.malformed("empty \(what)"), "empty \(what)")
        }
        // Even in checking mode keep the layout sane: clamp so the length field cannot wrap.
        let count = min(utf8.count, Int(UInt16.max))
        u16(UInt16(count))
        bytes.append(contentsOf: utf8.prefix(count))
    }

    /// u16 count, checked against `WireLimits.maxList`.
    mutating func count(_ count: Int, what: String) {
        if count > WireLimits.maxList {
            fail(.tooLarge(count), "\(count) \(what), over the cap of \(WireLimits.maxList)")
        }
        u16(UInt16(min(count, Int(UInt16.max))))
    }

    mutating func raw(_ value: [UInt8], size: Int, what: String) {
        if value.count != size {
            fail(.malformed("\(what) must be \(size) bytes"), "\(what) is \(value.count) bytes, not \(size)")
        }
        // Pad or cut so the layout stays what the decoder expects even in checking mode.
        bytes.append(contentsOf: value.prefix(size))
        if value.count < size { bytes.append(contentsOf: repeatElement(0, count: size - value.count)) }
    }

    mutating func checkPayloadSize() {
        let size = bytes.count
        if size > WireLimits.maxPayload {
            fail(.tooLarge(size), "payload is \(size) bytes, over the cap of \(WireLimits.maxPayload)")
        }
    }
}

/// Reads fields from one complete payload. Running out of bytes here is `.malformed`, never
/// `.truncated`: the header said how long the payload is and all of it is present.
struct ByteReader {
    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - index }

    mutating func take(_ count: Int, what: String) throws(FrameError) -> ArraySlice<UInt8> {
        // `count` is at most 65,535 (a u16) or a constant, and `remaining` is non-negative, so
        // this comparison cannot overflow and the slice is always in range.
        guard count >= 0, count <= remaining else { throw .malformed("payload ends inside \(what)") }
        defer { index += count }
        return bytes[index..<(index + count)]
    }

    mutating func u8(_ what: String) throws(FrameError) -> UInt8 {
        try take(1, what: what).first ?? 0
    }

    mutating func u16(_ what: String) throws(FrameError) -> UInt16 {
        UInt16(truncatingIfNeeded: try bigEndian(2, what))
    }

    mutating func u64(_ what: String) throws(FrameError) -> UInt64 {
        try bigEndian(8, what)
    }

    private mutating func bigEndian(_ width: Int, _ what: String) throws(FrameError) -> UInt64 {
        var value: UInt64 = 0
        for byte in try take(width, what: what) { value = value << 8 | UInt64(byte) }
        return value
    }

    /// u16 length (checked against `cap` before reading) + UTF-8 (validated).
    mutating func string(cap: Int, required: Bool = false, what: String) throws(FrameError) -> String {
        let length = Int(try u16("the length of \(what)"))
        guard length <= cap else { throw .tooLarge(length) }
        if required && length == 0 { throw .malformed("empty \(what)") }
        let utf8 = try take(length, what: what)
        guard let string = String(validating: utf8, as: UTF8.self) else {
            throw .malformed("\(what) is not valid UTF-8")
        }
        return string
    }

    /// u16 count (checked against `WireLimits.maxList`), then that many items.
    mutating func list<T>(
        what: String, _ item: (inout ByteReader) throws(FrameError) -> T
    ) throws(FrameError) -> [T] {
        let count = Int(try u16("the count of \(what)"))
        guard count <= WireLimits.maxList else { throw .tooLarge(count) }
        var items: [T] = []
        // Safe to reserve: the count is capped above, and each item needs at least one byte.
        items.reserveCapacity(min(count, remaining))
        for _ in 0..<count { items.append(try item(&self)) }
        return items
    }

    /// `what` is built only for the error: naming an enum case goes through reflection, which
    /// cost a sixth of a peer's start-up when it ran for every frame.
    func finish(_ what: @autoclosure () -> String) throws(FrameError) {
        guard remaining == 0 else { throw .malformed("\(remaining) trailing bytes in \(what())") }
    }
}

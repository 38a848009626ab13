// Request targets <-> file names. Decoding only undoes percent-encoding; it does NOT make a
// name safe: "/../x", "/a%2Fb" and "/a%00b" decode to "../x", "a/b" and "a\0b", and the file
// server must refuse any name that is not a plain file directly in its folder.

extension HTTP {
    /// "/na%20me" -> "na me": the path without its leading "/" and without any "?query",
    /// percent-decoded. Nil when the target is not origin-form (does not start with "/", like
    /// "http://x/y" or "*"), has a bad escape ("%zz", "%4"), or decodes to invalid UTF-8.
    /// Other bytes pass through as they are (curl sends raw UTF-8 unencoded).
    public static func decodeTarget(_ target: String) -> String? {
        var path = target.utf8[...]
        guard path.first == UInt8(ascii: "/") else { return nil }
        path = path.dropFirst()
        if let query = path.firstIndex(of: UInt8(ascii: "?")) { path = path[..<query] }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(path.count)
        var index = path.startIndex
        while index < path.endIndex {
            let byte = path[index]
            path.formIndex(after: &index)
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            // Two hex digits must follow; reading them one at a time never runs off the end.
            guard index < path.endIndex, let high = ASCII.hexValue(path[index]) else { return nil }
            path.formIndex(after: &index)
            guard index < path.endIndex, let low = ASCII.hexValue(path[index]) else { return nil }
            path.formIndex(after: &index)
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Percent-encodes every UTF-8 byte outside RFC 3986's unreserved set (letters, digits,
    /// `-`, `.`, `_`, `~`), so the result is safe as one path segment: "a b/c" -> "a%20b%2Fc".
    public static func encodePathComponent(_ name: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(name.utf8.count)
        for byte in name.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                bytes.append(byte)
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                bytes += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0f)]]
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

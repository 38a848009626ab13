// Parsing request and response heads. Strict where laxness lets a hostile client confuse us
// (whitespace before a colon, obs-fold, bare CR, control characters, conflicting
// Content-Length), lenient where real clients differ (bare LF line ends, empty lines before
// the request line, UTF-8 in the target). Never reads past `HTTPLimits.maxHead` bytes.

public enum HTTP {
    private static let cr: UInt8 = 0x0d, lf: UInt8 = 0x0a, space: UInt8 = 0x20, tab: UInt8 = 0x09

    /// `parseRequest` for a byte array, as the server's poller holds them: a concrete entry
    /// point, so the parse is specialized here rather than run through generic witnesses per
    /// byte from another module (generic metadata lookups showed in the poller's profile under wrk).
    public static func parseRequest(_ buffer: [UInt8]) throws(HTTPError) -> HTTPParse<HTTPRequest> {
        try parseRequest(buffer[...])
    }

    /// Parses a request head from the front of `buffer` (CRLF line ends; bare LF too).
    /// `.incomplete` while there is no blank line yet and fewer than `maxHead` bytes; throws
    /// `.headTooLarge` past that or over `maxHeaders` fields, `.badRequest` for anything not
    /// HTTP/1.0 or HTTP/1.1. A Host header is not required here: the server may insist.
    public static func parseRequest(_ buffer: some Collection<UInt8>) throws(HTTPError) -> HTTPParse<HTTPRequest> {
        guard let (lines, consumed) = try headLines(buffer) else { return .incomplete }
        let parts = lines[0].split(separator: space, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts.count <= 3, parts.allSatisfy({ !$0.isEmpty }) else {
            throw .badRequest("request line is not METHOD TARGET VERSION")
        }
        guard parts.count == 3 else { throw .badRequest("missing HTTP version") }
        guard isToken(parts[0]) else { throw .badRequest("bad method") }
        guard parts[1].allSatisfy({ $0 > space && $0 != 0x7f }), let target = String(validating: parts[1], as: UTF8.self) else {
            throw .badRequest("bad request target")
        }
        let version = try checkVersion(parts[2])
        var request = HTTPRequest(method: String(decoding: parts[0], as: UTF8.self), target: target, version: version)
        request.headers = try fields(lines.dropFirst())
        return .complete(request, consumed: consumed)
    }

    /// Parses a response head (the client side of a download). Same limits as requests.
    public static func parseResponse(_ buffer: some Collection<UInt8>) throws(HTTPError) -> HTTPParse<HTTPResponseHead> {
        guard let (lines, consumed) = try headLines(buffer) else { return .incomplete }
        // "HTTP/1.1 200 OK", the reason possibly empty or missing, possibly with spaces.
        let line = lines[0]
        let parts = line.split(separator: space, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2 else { throw .badRequest("status line is not VERSION STATUS REASON") }
        _ = try checkVersion(parts[0])
        guard parts[1].count == 3, let status = parseDecimal(parts[1]), status >= 100 else {
            throw .badRequest("bad status code")
        }
        var reason = ""
        if parts.count == 3 {
            guard parts[2].allSatisfy({ ($0 >= space && $0 != 0x7f) || $0 == tab }),
                  let text = String(validating: parts[2], as: UTF8.self) else { throw .badRequest("bad reason phrase") }
            reason = text
        }
        let head = HTTPResponseHead(status: Int(status), reason: reason, headers: try fields(lines.dropFirst()))
        return .complete(head, consumed: consumed)
    }

    /// Content-Length's value: 1 to 19 ASCII digits (so it cannot overflow), nothing else.
    public static func parseContentLength(_ value: String) -> UInt64? { parseDecimal(value.utf8) }

    /// 1 to 19 ASCII digits as a number; nil for anything else. 19 nines fit in a UInt64,
    /// and the arithmetic is checked anyway.
    static func parseDecimal(_ digits: some Collection<UInt8>) -> UInt64? {
        guard !digits.isEmpty, digits.count <= 19 else { return nil }
        var value: UInt64 = 0
        for byte in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !o1, !o2 else { return nil }
            value = sum
        }
        return value
    }

    /// The lines of the head (without line ends; the first non-empty line first) and the bytes
    /// up to and including the blank line; nil when the blank line has not arrived yet.
    private static func headLines(_ buffer: some Collection<UInt8>) throws(HTTPError) -> ([ArraySlice<UInt8>], Int)? {
        // Never look at more than maxHead bytes, however much the caller has buffered.
        let bytes = buffer.withContiguousStorageIfAvailable { Array($0.prefix(HTTPLimits.maxHead)) }
            ?? Array(buffer.prefix(HTTPLimits.maxHead))
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        for index in bytes.indices where bytes[index] == lf {
            var line = bytes[start..<index]
            if line.last == cr { line = line.dropLast() }
            start = index + 1
            if line.contains(cr) { throw .badRequest("bare CR in the head") }
            if line.isEmpty {
                // RFC 9112 2.2: ignore empty lines before the request line (left over from a
                // previous message); otherwise the blank line ends the head.
                if lines.isEmpty { continue }
                return (lines, start)
            }
            // One line per field plus the start line; a head with more is 431 (fail early).
            guard lines.count <= HTTPLimits.maxHeaders else { throw .headTooLarge }
            lines.append(line)
        }
        if bytes.count >= HTTPLimits.maxHead { throw .headTooLarge }
        return nil
    }

    private static func checkVersion(_ bytes: ArraySlice<UInt8>) throws(HTTPError) -> String {
        let version = String(decoding: bytes, as: UTF8.self)
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            throw .badRequest(bytes.count <= 16 ? "unsupported version \(version)" : "unsupported version")
        }
        return version
    }

    /// Header field lines: `name: value`, name a token right before the colon, value trimmed
    /// of spaces and tabs, UTF-8 without control characters. Content-Length checked here so a
    /// request with two different ones (a smuggling trick) never reaches the server.
    private static func fields(_ lines: ArraySlice<ArraySlice<UInt8>>) throws(HTTPError) -> [HTTPHeader] {
        var headers: [HTTPHeader] = []
        var contentLength: UInt64?
        for line in lines {
            guard let first = line.first, first != space, first != tab else { throw .badRequest("obsolete line folding") }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { throw .badRequest("header line without a colon") }
            let name = line[..<colon]
            guard isToken(name) else { throw .badRequest("bad header name") }
            var value = line[(colon + 1)...]
            while let byte = value.first, byte == space || byte == tab { value = value.dropFirst() }
            while let byte = value.last, byte == space || byte == tab { value = value.dropLast() }
            guard value.allSatisfy({ ($0 >= space && $0 != 0x7f) || $0 == tab }),
                  let text = String(validating: value, as: UTF8.self) else {
                throw .badRequest("bad value of \(String(decoding: name, as: UTF8.self))")
            }
            if ASCII.equalsIgnoringCase(name, "content-length".utf8) {
                guard let length = parseDecimal(value), contentLength == nil || contentLength == length else {
                    throw .badRequest("bad Content-Length")
                }
                contentLength = length
            }
            headers.append(HTTPHeader(name: String(decoding: name, as: UTF8.self), value: text))
        }
        return headers
    }

    /// RFC 9110 token: one or more of the visible ASCII characters but delimiters.
    static func isToken(_ bytes: some Collection<UInt8>) -> Bool {
        !bytes.isEmpty && bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"):
                true
            default:
                "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }

    static func lookup(_ headers: [HTTPHeader], _ name: String) -> String? {
        headers.first { ASCII.equalsIgnoringCase($0.name.utf8, name.utf8) }?.value
    }

    /// Whether any Connection header lists `option` (comma-separated, any case).
    static func connectionHas(_ headers: [HTTPHeader], _ option: String) -> Bool {
        headers.contains { header in
            ASCII.equalsIgnoringCase(header.name.utf8, "connection".utf8)
                && header.value.utf8.split(separator: UInt8(ascii: ",")).contains { token in
                    ASCII.equalsIgnoringCase(token.filter { $0 != space && $0 != tab }, option.utf8)
                }
        }
    }

    /// "Name: value\r\n" per field, then the blank line.
    static func encodeFields(_ headers: [HTTPHeader]) -> [UInt8] {
        var bytes: [UInt8] = []
        encodeFields(headers, into: &bytes)
        return bytes
    }

    /// The same, onto the end of `bytes`: one buffer for the whole head (per-field arrays were
    /// the largest part of answering a small GET in user space).
    public static func encodeFields(_ headers: [HTTPHeader], into bytes: inout [UInt8]) {
        bytes.reserveCapacity(bytes.count + headers.reduce(2) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 })
        for header in headers {
            precondition(isToken(header.name.utf8), "HTTP header name must be a token: \(header.name)")
            bytes.append(contentsOf: header.name.utf8)
            bytes.append(UInt8(ascii: ":"))
            bytes.append(space)
            appendSanitized(header.value, to: &bytes)
            bytes.append(cr)
            bytes.append(lf)
        }
        bytes.append(cr)
        bytes.append(lf)
    }

    /// `text` with CR, LF and NUL replaced by spaces, so no text can end a line or the head early.
    static func appendSanitized(_ text: String, to bytes: inout [UInt8]) {
        let start = bytes.count
        bytes.append(contentsOf: text.utf8)
        for index in start..<bytes.count where bytes[index] == cr || bytes[index] == lf || bytes[index] == 0 {
            bytes[index] = space
        }
    }
}

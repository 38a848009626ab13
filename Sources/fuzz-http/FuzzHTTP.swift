// libFuzzer target for the HTTP subset (.ci/fuzz; glue in Sources/FuzzSupport): request heads
// as the file server reads them, response heads and Content-Length as the downloader reads
// them, Range values and request targets.

import FuzzSupport
import Wire

@main enum FuzzHTTP {
    static func main() {
        LibFuzzer.run { data, size in FuzzHTTP.check(LibFuzzer.bytes(data, size)) }
    }

    /// One input through every parser: none may trap, and what they accept must be consistent.
    static func check(_ bytes: [UInt8]) -> CInt {
        checkRequest(bytes)
        checkResponse(bytes)
        // The raw bytes as a header value and as a target, when they are text at all.
        if let text = String(validating: bytes, as: UTF8.self) {
            if let range = ByteRange.parse(text) { checkResolve(range) }
            _ = HTTP.decodeTarget(text)
            _ = HTTP.parseContentLength(text)
        }
        return 0
    }

    /// The server's side: a head it accepts is whole, re-encodes to itself, and its target and
    /// Range make sense.
    static func checkRequest(_ bytes: [UInt8]) {
        guard case let .complete(request, consumed)? = parsed(bytes, HTTP.parseRequest) else { return }
        // The head alone parses the same: nothing after the blank line changed it.
        guard case let .complete(alone, _)? = parsed(bytes.prefix(consumed), HTTP.parseRequest), alone == request else {
            fatalError("request head depends on the bytes after it: \(request)")
        }
        guard case let .complete(again, _)? = parsed(request.encoded(), HTTP.parseRequest), again == request else {
            fatalError("request does not survive re-encoding: \(request)")
        }
        if let name = HTTP.decodeTarget(request.target) {
            // Encoding a decoded name and decoding it again gives the name back.
            guard HTTP.decodeTarget("/" + HTTP.encodePathComponent(name)) == name else { fatalError("target round trip: \(name)") }
        }
        checkContentLength(request.headers, request.contentLength)
        if let range = request.header("Range").flatMap(ByteRange.parse) { checkResolve(range) }
    }

    /// The downloader's side: the status line and Content-Length it decides on.
    static func checkResponse(_ bytes: [UInt8]) {
        guard case let .complete(head, consumed)? = parsed(bytes, HTTP.parseResponse) else { return }
        guard (100...999).contains(head.status) else { fatalError("status \(head.status) accepted") }
        guard case let .complete(alone, _)? = parsed(bytes.prefix(consumed), HTTP.parseResponse), alone == head else {
            fatalError("response head depends on the bytes after it: \(head)")
        }
        guard case let .complete(again, _)? = parsed(head.encoded(), HTTP.parseResponse), again == head else {
            fatalError("response does not survive re-encoding: \(head)")
        }
        checkContentLength(head.headers, head.contentLength)
    }

    /// Parses with `parse`; checks what any head parse must satisfy (consumed within the
    /// bytes and the cap; incomplete only below the cap). nil when refused.
    static func parsed<Head>(_ bytes: some Collection<UInt8>,
                             _ parse: (ArraySlice<UInt8>) throws(HTTPError) -> HTTPParse<Head>) -> HTTPParse<Head>? {
        let slice = ArraySlice(bytes)
        guard let result = try? parse(slice) else { return nil }
        switch result {
        case .complete(_, let consumed):
            guard consumed > 0, consumed <= min(slice.count, HTTPLimits.maxHead) else { fatalError("bad consumed \(consumed)") }
        case .incomplete:
            guard slice.count < HTTPLimits.maxHead else { fatalError("incomplete at \(slice.count) bytes, past the cap") }
        }
        return result
    }

    /// A head with a Content-Length field has a usable length (the parser checked it).
    static func checkContentLength(_ headers: [HTTPHeader], _ length: UInt64?) {
        let present = headers.contains { $0.name.lowercased() == "content-length" }
        guard present == (length != nil) else { fatalError("Content-Length present \(present) but parsed \(String(describing: length))") }
    }

    /// Whatever a range resolves to must lie inside the file and be non-empty.
    static func checkResolve(_ range: ByteRange) {
        for size: UInt64 in [0, 1, 2, 10, 1 << 32, UInt64.max] {
            guard let (offset, length) = range.resolve(size: size) else { continue }
            guard length > 0, offset < size, length <= size - offset else {
                fatalError("\(range) resolves to \(offset)+\(length) on a file of \(size)")
            }
            _ = ByteRange.contentRange(offset: offset, length: length, size: size)
        }
    }
}

import Testing
@testable import Wire

private func parsed(_ text: String) throws -> (HTTPRequest, Int) {
    guard case let .complete(request, consumed) = try HTTP.parseRequest(Array(text.utf8)) else {
        throw HTTPError.badRequest("test: incomplete")
    }
    return (request, consumed)
}

@Suite struct HTTPRequests {
    @Test func getWithHeaders() throws {
        let text = "GET /f1.txt HTTP/1.1\r\nHost: 127.0.0.1:7001\r\nRange:   bytes=0-9 \t\r\nUser-Agent: curl/8\r\n\r\n"
        let (request, consumed) = try parsed(text + "body")
        #expect(consumed == text.utf8.count)
        #expect(request.method == "GET" && request.target == "/f1.txt" && request.version == "HTTP/1.1")
        #expect(request.headers.count == 3)
        #expect(request.header("range") == "bytes=0-9")
        #expect(request.header("HOST") == "127.0.0.1:7001")
        #expect(request.header("user-agent") == "curl/8")
        #expect(request.header("Accept") == nil)
        #expect(request.keepAlive)
    }

    @Test func headHTTP10() throws {
        let (request, _) = try parsed("HEAD /x HTTP/1.0\r\n\r\n")
        #expect(request.method == "HEAD" && request.version == "HTTP/1.0" && request.headers.isEmpty)
        #expect(!request.keepAlive)
        #expect(try parsed("HEAD /x HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").0.keepAlive)
        #expect(try !parsed("GET /x HTTP/1.1\r\nConnection: foo, close\r\n\r\n").0.keepAlive)
    }

    @Test func bareLineFeeds() throws {
        let (request, consumed) = try parsed("GET /a HTTP/1.1\nHost: x\n\nrest")
        #expect(request.header("host") == "x")
        #expect(consumed == 25)
    }

    @Test func emptyLinesBeforeTheRequestLineAreSkipped() throws {
        let (request, consumed) = try parsed("\r\n\r\nGET /a HTTP/1.1\r\n\r\n")
        #expect(request.target == "/a")
        #expect(consumed == 23)
    }

    @Test(arguments: ["", "GET", "GET /a HTTP/1.1", "GET /a HTTP/1.1\r\n", "GET /a HTTP/1.1\r\nHost: x\r\n", "GET /a HTTP/1.1\r\n\r"])
    func incomplete(_ text: String) throws {
        #expect(try HTTP.parseRequest(Array(text.utf8)) == .incomplete)
    }

    @Test func hundredKilobyteRequestLineIsTooLarge() {
        let line = Array("GET /".utf8) + Array(repeating: UInt8(ascii: "a"), count: 100_000)
        #expect(throws: HTTPError.headTooLarge) { try HTTP.parseRequest(line) }
        #expect(throws: HTTPError.headTooLarge) { try HTTP.parseRequest(line + Array(" HTTP/1.1\r\n\r\n".utf8)) }
        #expect(HTTPError.headTooLarge.status == .headerFieldsTooLarge)
    }

    @Test func headAtTheLimit() throws {
        // Exactly maxHead bytes including the blank line is accepted; one more is not.
        let start = "GET /a HTTP/1.1\r\nX: "
        let filler = String(repeating: "v", count: HTTPLimits.maxHead - start.utf8.count - 4)
        let (_, consumed) = try parsed(start + filler + "\r\n\r\n")
        #expect(consumed == HTTPLimits.maxHead)
        #expect(throws: HTTPError.headTooLarge) { try HTTP.parseRequest(Array((start + filler + "v\r\n\r\n").utf8)) }
    }

    @Test func tooManyHeaders() throws {
        let fields = { (count: Int) in (0..<count).map { "X-\($0): v\r\n" }.joined() }
        _ = try parsed("GET / HTTP/1.1\r\n" + fields(HTTPLimits.maxHeaders) + "\r\n")
        #expect(throws: HTTPError.headTooLarge) {
            try HTTP.parseRequest(Array(("GET / HTTP/1.1\r\n" + fields(HTTPLimits.maxHeaders + 1) + "\r\n").utf8))
        }
    }

    @Test(arguments: [
        ("GET /a\r\n\r\n", "missing HTTP version"),
        ("GET /a HTTP/2.0\r\n\r\n", "unsupported version HTTP/2.0"),
        ("GET /a http/1.1\r\n\r\n", "unsupported version http/1.1"),
        ("GET  /a HTTP/1.1\r\n\r\n", "request line is not METHOD TARGET VERSION"),
        ("GET /a HTTP/1.1 x\r\n\r\n", "request line is not METHOD TARGET VERSION"),
        ("G(T /a HTTP/1.1\r\n\r\n", "bad method"),
        ("GET /a\u{7f} HTTP/1.1\r\n\r\n", "bad request target"),
        ("GET /a HTTP/1.1\r\nHost : x\r\n\r\n", "bad header name"),
        ("GET /a HTTP/1.1\r\nNoColon\r\n\r\n", "header line without a colon"),
        ("GET /a HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", "obsolete line folding"),
        ("GET /a HTTP/1.1\r\nA: b\rc\r\n\r\n", "bare CR in the head"),
        ("GET /a HTTP/1.1\r\nA: b\u{1}\r\n\r\n", "bad value of A"),
        ("GET /a HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", "bad Content-Length"),
        ("GET /a HTTP/1.1\r\nContent-Length: -1\r\n\r\n", "bad Content-Length"),
        ("GET /a HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", "bad Content-Length"),
    ])
    func badRequests(_ text: String, _ why: String) {
        #expect(throws: HTTPError.badRequest(why)) { try HTTP.parseRequest(Array(text.utf8)) }
    }

    @Test func invalidUTF8InAValue() {
        let bytes = Array("GET /a HTTP/1.1\r\nA: ".utf8) + [0xff, 0xfe] + Array("\r\n\r\n".utf8)
        #expect(throws: HTTPError.badRequest("bad value of A")) { try HTTP.parseRequest(bytes) }
        #expect(HTTPError.badRequest("x").status == .badRequest)
    }

    @Test func contentLength() throws {
        #expect(try parsed("GET /a HTTP/1.1\r\nContent-Length: 42\r\ncontent-length: 42\r\n\r\n").0.contentLength == 42)
        #expect(HTTP.parseContentLength("9999999999999999999") == 9_999_999_999_999_999_999)
        for bad in ["", "+1", " 1", "1 ", "0x10", "18446744073709551616", "12345678901234567890"] {
            #expect(HTTP.parseContentLength(bad) == nil)
        }
    }

    @Test func encodedRequestParsesBack() throws {
        let original = HTTPRequest(method: "GET", target: "/" + HTTP.encodePathComponent("a b.txt"), headers: [("Host", "h"), ("Range", "bytes=5-")])
        let (parsed, consumed) = try parsed(String(decoding: original.encoded(), as: UTF8.self))
        #expect(parsed == original)
        #expect(consumed == original.encoded().count)
    }
}

@Suite struct HTTPResponses {
    @Test func encodeAndParse() throws {
        let head = HTTPResponseHead(status: .partialContent, headers: [("Content-Length", "10"), ("ETag", "\"ab\"")])
        let bytes = head.encoded()
        #expect(String(decoding: bytes, as: UTF8.self) == "HTTP/1.1 206 Partial Content\r\nContent-Length: 10\r\nETag: \"ab\"\r\n\r\n")
        guard case let .complete(parsed, consumed) = try HTTP.parseResponse(bytes + [1, 2, 3]) else {
            Issue.record("incomplete")
            return
        }
        #expect(parsed == head)
        #expect(consumed == bytes.count)
        #expect(parsed.contentLength == 10)
        #expect(parsed.header("etag") == "\"ab\"")
    }

    @Test func reasonMayBeMissingOrHaveSpaces() throws {
        guard case let .complete(bare, _) = try HTTP.parseResponse(Array("HTTP/1.0 404\r\n\r\n".utf8)),
              case let .complete(long, _) = try HTTP.parseResponse(Array("HTTP/1.1 416 Range Not  Satisfiable\n\n".utf8)) else {
            Issue.record("incomplete")
            return
        }
        #expect(bare.status == 404 && bare.reason == "")
        #expect(long.status == 416 && long.reason == "Range Not  Satisfiable")
    }

    @Test(arguments: ["HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1 099 X\r\n\r\n", "HTTP/1.1 abc OK\r\n\r\n",
                      "HTTP/3 200 OK\r\n\r\n", "ICY 200 OK\r\n\r\n", "HTTP/1.1\r\n\r\n"])
    func badStatusLines(_ text: String) {
        #expect(throws: HTTPError.self) { try HTTP.parseResponse(Array(text.utf8)) }
    }

    @Test func incompleteResponse() throws {
        #expect(try HTTP.parseResponse(Array("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n".utf8)) == .incomplete)
    }

    @Test func headerInjectionIsDefused() {
        let head = HTTPResponseHead(status: .ok, headers: [("X-Name", "evil\r\nSet-Cookie: a=b\u{0}")])
        #expect(String(decoding: head.encoded(), as: UTF8.self) == "HTTP/1.1 200 OK\r\nX-Name: evil  Set-Cookie: a=b \r\n\r\n")
    }

    @Test func statusReasons() {
        #expect(HTTPStatus.ok.reason == "OK")
        #expect(HTTPStatus.rangeNotSatisfiable.reason == "Range Not Satisfiable")
        #expect(HTTPStatus.headerFieldsTooLarge.rawValue == 431)
    }
}

@Suite struct HTTPTargets {
    @Test(arguments: [
        ("/f1.txt", "f1.txt"),
        ("/na%20me", "na me"),
        ("/na%20me?x=1&y", "na me"),
        ("/", ""),
        ("/%C3%A9t%c3%a9", "été"),
        ("/été", "été"),
        ("/a+b", "a+b"),
        ("/a%2Fb", "a/b"),
        // Decoding only undoes escapes: the server must still refuse these names.
        ("/../../etc/passwd", "../../etc/passwd"),
        ("/%2e%2e/x", "../x"),
        ("/a%00b", "a\u{0}b"),
    ])
    func decodes(_ target: String, _ name: String) {
        #expect(HTTP.decodeTarget(target) == name)
    }

    @Test(arguments: ["/%zz", "/%", "/%4", "/a%g1", "/%ff", "/%c3", "http://x/y", "*", "", "x/y", "?a"])
    func rejects(_ target: String) {
        #expect(HTTP.decodeTarget(target) == nil)
    }

    @Test(arguments: ["f1.txt", "a b", "../x", "a/b?c#d%e", "été 🎉", "~-._", "\u{0}\r\n", ""])
    func encodeThenDecode(_ name: String) {
        let encoded = HTTP.encodePathComponent(name)
        #expect(encoded.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "?") })
        #expect(HTTP.decodeTarget("/" + encoded) == name)
    }

    @Test func encodesEverythingOutsideUnreserved() {
        #expect(HTTP.encodePathComponent("a b/c") == "a%20b%2Fc")
        #expect(HTTP.encodePathComponent("é") == "%C3%A9")
        #expect(HTTP.encodePathComponent("AZaz09-._~") == "AZaz09-._~")
    }
}

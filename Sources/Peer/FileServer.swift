#if canImport(Glibc)
import Glibc
#endif
import Control
import Digest
import NodeRuntime
import Serving
import Sockets
import System
import Wire

/// The HTTP/1.1 side of a peer's port: GET and HEAD of its shared files, with Range, an ETag
/// of the SHA-256 (If-Match, If-None-Match, If-Range), Date and Last-Modified, and `GET /`, an
/// index (HTML, or JSON when asked). Connections wait in the `ConnectionPoller`; what can be
/// answered at once (errors, heads, 304s, small bodies whose hash is known) is answered on
/// its thread, the rest (large bodies, by `Socket.sendFile`, and hashing) by a worker.
extension PeerNode {
    /// Bodies up to this size are read and sent by the poller's thread in one write.
    static let smallBody: UInt64 = 64 * 1024

    /// The answer to one request.
    func reply(to request: HTTPRequest) -> HTTPReply {
        counterBook.count { $0.httpRequests += 1 }
        let keepAlive = request.keepAlive
        // We serve files, we take none: a request body would be read as the next request.
        if (request.contentLength ?? 0) > 0 || request.header("Transfer-Encoding") != nil {
            return .now(text(.badRequest, "requests with a body are not accepted\n", for: request, keepAlive: false), keepAlive: false)
        }
        let isHead = request.method == "HEAD"
        guard isHead || request.method == "GET" else {
            return .now(text(.methodNotAllowed, "only GET and HEAD\n", extra: [("Allow", "GET, HEAD")], for: request, keepAlive: false),
                        keepAlive: false)
        }
        if let secret = configuration.secret, !secret.accepts(authorization: request.header("Authorization")) {
            return .now(text(.unauthorized, "this network has a shared secret: send 'Authorization: Bearer TOKEN' (p2pctl token prints it)\n",
                             extra: [("WWW-Authenticate", "Bearer realm=\"p2pnet\"")], for: request, keepAlive: keepAlive), keepAlive: keepAlive)
        }
        guard let name = HTTP.decodeTarget(request.target) else { return notFound(request, keepAlive: keepAlive) }
        if name.isEmpty { return index(request, keepAlive: keepAlive) }
        guard let entry = store.servable(name) else { return notFound(request, keepAlive: keepAlive) }
        if let whole = wholeFiles.response(entry, to: request, closing: closingFields(for: request, keepAlive: keepAlive)) {
            if request.method == "GET" { countWholeBody(entry.size) }
            return .now(whole, keepAlive: keepAlive)
        }
        if let digest = store.knownDigest(of: entry) { return fileReply(request, entry, digest, keepAlive: keepAlive) }
        // Not hashed yet (a file just added): a worker hashes it, off the poller's thread.
        return .later { [self] socket in
            guard let digest = try? store.digest(of: entry) else { return perform(notFound(request, keepAlive: keepAlive), on: socket) }
            return perform(fileReply(request, entry, digest, keepAlive: keepAlive), on: socket)
        }
    }

    private func notFound(_ request: HTTPRequest, keepAlive: Bool) -> HTTPReply {
        .now(text(.notFound, "no such file here\n", for: request, keepAlive: keepAlive), keepAlive: keepAlive)
    }

    /// A GET body sent whole at once (`served` and `bytesServed`; large ones count as they go).
    private func countWholeBody(_ bytes: UInt64) {
        counterBook.count { $0.bytesServed += bytes }
        served.add(1, ordering: .relaxed)
    }

    private func fileReply(_ request: HTTPRequest, _ entry: FileStore.Entry, _ digest: SHA256Digest, keepAlive: Bool) -> HTTPReply {
        let etag = "\"\(digest.hex)\""
        let validators = [("ETag", etag), ("Last-Modified", HTTPDate.format(secondsSince1970: entry.identity.mtime))]
        // A client that names the bytes it wants, as a peer's download does, is told the file
        // changed rather than sent other bytes.
        if let wanted = request.header("If-Match"), !Self.list(wanted, matches: etag, weakly: false) {
            return .now(text(.preconditionFailed, "the file has changed\n", extra: [("ETag", etag)], for: request, keepAlive: keepAlive),
                        keepAlive: keepAlive)
        }
        if let cached = request.header("If-None-Match"), Self.list(cached, matches: etag, weakly: true) {
            return .now(head(.notModified, validators, for: request, keepAlive: keepAlive), keepAlive: keepAlive)
        }
        var status = HTTPStatus.ok
        var offset: UInt64 = 0
        var length = entry.size
        var headers = validators + [("Accept-Ranges", "bytes"), ("Content-Type", "application/octet-stream")]
        // A Range with an If-Range that does not match the current ETag gets the whole file.
        if let value = request.header("Range"), let range = ByteRange.parse(value),
           request.header("If-Range").map({ $0 == etag }) ?? true {
            guard let (start, count) = range.resolve(size: entry.size) else {
                return .now(text(.rangeNotSatisfiable, "range outside the file's \(entry.size) bytes\n",
                                 extra: [("Content-Range", ByteRange.unsatisfiedContentRange(size: entry.size))],
                                 for: request, keepAlive: keepAlive), keepAlive: keepAlive)
            }
            status = .partialContent
            offset = start
            length = count
            headers.append(("Content-Range", ByteRange.contentRange(offset: start, length: count, size: entry.size)))
        }
        headers.append(("Content-Length", "\(length)"))
        let responseHead = head(status, headers, for: request, keepAlive: keepAlive)
        if request.method == "HEAD" { return .now(responseHead, keepAlive: keepAlive) }
        if length <= Self.smallBody, let body = Self.read(entry.path, offset: offset, count: Int(length)) {
            if status == .ok { wholeFiles.keep(entry, head: HTTPResponseHead(status: .ok, headers: headers), body: body) }
            countWholeBody(length)
            return .now(responseHead + body, keepAlive: keepAlive)
        }
        return .later { [self, offset, length] socket in
            let file = open(entry.path, O_RDONLY | O_CLOEXEC)
            guard file >= 0 else { return perform(notFound(request, keepAlive: keepAlive), on: socket) }
            defer { close(file) }
            do {
                try socket.write(responseHead, until: .after(configuration.stallTimeout))
                // Counted as the bytes go, a few MiB at a time (the socket's own chunks).
                var counted: Int64 = 0
                try socket.sendFile(from: file, offset: Int64(offset), count: Int64(length), stall: configuration.stallTimeout) { [counterBook] sent in
                    counterBook.count { $0.bytesServed += UInt64(sent - counted) }
                    counted = sent
                }
                served.add(1, ordering: .relaxed)
                return keepAlive
            } catch {
                return false
            }
        }
    }

    /// `GET /`: the shared files, as HTML or (with `Accept: application/json`) as JSON.
    private func index(_ request: HTTPRequest, keepAlive: Bool) -> HTTPReply {
        let entries = store.shared()
        let build: @Sendable ([(FileStore.Entry, SHA256Digest)]) -> HTTPReply = { [self] files in
            let json = request.header("Accept")?.lowercased().contains("application/json") ?? false
            let body = Array((json ? Self.jsonIndex(files) : Self.htmlIndex(files, peer: name)).utf8)
            let headers = [("Content-Type", json ? "application/json" : "text/html; charset=utf-8"), ("Content-Length", "\(body.count)")]
            let responseHead = head(.ok, headers, for: request, keepAlive: keepAlive)
            return .now(request.method == "HEAD" ? responseHead : responseHead + body, keepAlive: keepAlive)
        }
        let known = entries.compactMap { entry in store.knownDigest(of: entry).map { (entry, $0) } }
        if known.count == entries.count { return build(known) }
        return .later { [self] socket in
            perform(build(entries.compactMap { entry in (try? store.digest(of: entry)).map { (entry, $0) } }), on: socket)
        }
    }

    static func htmlIndex(_ files: [(FileStore.Entry, SHA256Digest)], peer: String) -> String {
        func escaped(_ text: String) -> String {
            var out = ""
            for character in text {
                switch character {
                case "&": out += "&amp;"
                case "<": out += "&lt;"
                case ">": out += "&gt;"
                case "\"": out += "&quot;"
                case "'": out += "&#39;"
                default: out.append(character)
                }
            }
            return out
        }
        let rows = files.map { entry, digest in
            "<tr><td><a href=\"/\(HTTP.encodePathComponent(entry.name))\">\(escaped(entry.name))</a></td>"
                + "<td>\(entry.size)</td><td><code>\(digest.hex)</code></td></tr>"
        }
        return """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>\(escaped(peer)): shared files</title></head>
            <body><h1>\(escaped(peer)): \(files.count) shared file\(files.count == 1 ? "" : "s")</h1>
            <table><tr><th>name</th><th>bytes</th><th>SHA-256</th></tr>
            \(rows.joined(separator: "\n"))
            </table></body></html>

            """
    }

    static func jsonIndex(_ files: [(FileStore.Entry, SHA256Digest)]) -> String {
        "[" + files.map { entry, digest in
            "{\"name\":\(JSONText.quoted(entry.name)),\"sha256\":\"\(digest.hex)\",\"size\":\(entry.size)}"
        }.joined(separator: ",") + "]\n"
    }

    /// Writes a reply on a worker's thread; true when the connection stays open.
    private func perform(_ reply: HTTPReply, on socket: Socket) -> Bool {
        switch reply {
        case .now(let bytes, let keepAlive):
            return (try? socket.write(bytes, until: .after(configuration.stallTimeout))) != nil && keepAlive
        case .later(let job):
            return job(socket)
        }
    }

    /// A response head: the status, `headers`, then `closingFields`.
    func head(_ status: HTTPStatus, _ headers: [(String, String)], for request: HTTPRequest?, keepAlive: Bool) -> [UInt8] {
        HTTPResponseHead(status: status, headers: headers + closingFields(for: request, keepAlive: keepAlive)).encoded()
    }

    /// The fields every response ends with: Date, and the Connection field the request's
    /// version asks for (HTTP/1.0 keep-alive is said, HTTP/1.1's is implied).
    func closingFields(for request: HTTPRequest?, keepAlive: Bool) -> [(String, String)] {
        var fields = [("Date", Self.date())]
        if !keepAlive { fields.append(("Connection", "close")) }
        else if request?.version == "HTTP/1.0" { fields.append(("Connection", "keep-alive")) }
        return fields
    }

    /// The Date field's value, formatted once a second rather than for every response.
    private static let lastDate = Protected((second: -1, text: ""))
    static func date() -> String {
        let now = time(nil)
        return lastDate.withLock { last in
            if last.second != now { last = (now, HTTPDate.format(secondsSince1970: now)) }
            return last.text
        }
    }

    /// A short plain-text answer (errors), head and body.
    func text(_ status: HTTPStatus, _ body: String, extra: [(String, String)] = [], for request: HTTPRequest?, keepAlive: Bool) -> [UInt8] {
        let bytes = Array(body.utf8)
        return head(status, extra + [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", "\(bytes.count)")],
                    for: request, keepAlive: keepAlive) + bytes
    }

    /// Whether an If-Match or If-None-Match list names `etag` (or is "*"); If-None-Match
    /// compares weakly (RFC 9110 13.1.2), so W/"x" matches "x".
    static func list(_ value: String, matches etag: String, weakly: Bool) -> Bool {
        value.split(separator: ",").contains { item in
            var tag = String(item).trimmingSpaces
            if weakly && tag.hasPrefix("W/") { tag.removeFirst(2) }
            return tag == "*" || tag == etag
        }
    }

    /// `count` bytes of the file at `path` from `offset`; nil when it cannot be read whole.
    static func read(_ path: String, offset: UInt64, count: Int) -> [UInt8]? {
        let file = open(path, O_RDONLY | O_CLOEXEC)
        guard file >= 0 else { return nil }
        defer { close(file) }
        var bytes = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = bytes[got...].withUnsafeMutableBytes { pread(file, $0.baseAddress, $0.count, off_t(offset) + off_t(got)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            got += n
        }
        return bytes
    }
}

/// Whole 200 responses of small files as last sent, but for their closing fields, kept while
/// the file is the same (size, inode, mtime, ctime): a GET of one is then a lookup and a
/// write, without building a head or reading the file (which was most of the poller's own
/// time under wrk). Only plain requests use them: no Range, no conditions.
struct WholeFiles: Sendable {
    private struct Kept: Sendable {
        let entry: FileStore.Entry
        /// The status line and fields, without the blank line.
        let head: [UInt8]
        let body: [UInt8]
    }
    private let kept = Protected([String: Kept]())
    private let budget = 8 << 20

    /// The kept response to `request` for `entry`, ended with `closing` (`closingFields`).
    func response(_ entry: FileStore.Entry, to request: HTTPRequest, closing: [(String, String)]) -> [UInt8]? {
        guard let found = kept.withLock({ $0[entry.path] }), found.entry == entry else { return nil }
        for name in ["Range", "If-Match", "If-None-Match", "If-Range"] where request.header(name) != nil { return nil }
        var bytes = found.head
        bytes.reserveCapacity(found.head.count + found.body.count + 64)
        HTTP.encodeFields(closing.map { HTTPHeader(name: $0.0, value: $0.1) }, into: &bytes)
        if request.method == "GET" { bytes += found.body }
        return bytes
    }

    func keep(_ entry: FileStore.Entry, head: HTTPResponseHead, body: [UInt8]) {
        var bytes = head.encoded()
        bytes.removeLast(2)   // the blank line: the closing fields go before it
        kept.withLock { kept in
            if kept.values.reduce(0, { $0 + $1.body.count }) + body.count > budget { kept.removeAll() }
            kept[entry.path] = Kept(entry: entry, head: bytes, body: body)
        }
    }
}

/// The peer as the poller sees it: which connections are HTTP, where the others go, the
/// answers, and the counters for what it turned away.
struct PeerHTTP: ConnectionHandler {
    let node: PeerNode

    func isHTTP(_ firstBytes: ArraySlice<UInt8>) -> Bool? {
        switch Overlay.sniff(Array(firstBytes.prefix(Overlay.magic.count))) {
        case .undecided: nil
        case .overlay: false
        case .other: true
        }
    }

    func handOff(_ socket: Socket, received: [UInt8]) { node.serveOverlay(socket, received: received) }
    func reply(to request: HTTPRequest) -> HTTPReply { node.reply(to: request) }
    func reply(to error: HTTPError) -> [UInt8] { node.text(error.status, "\(error)\n", for: nil, keepAlive: false) }

    func busy() -> [UInt8] {
        node.counterBook.count { $0.httpRefused += 1 }
        return node.text(.serviceUnavailable, "busy, try again\n", extra: [("Retry-After", "1")], for: nil, keepAlive: false)
    }

    func closed(_ reason: ConnectionPoller.CloseReason) {
        if reason == .madeRoom { node.counterBook.count { $0.httpRefused += 1 } }
    }
}

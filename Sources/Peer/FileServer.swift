#if canImport(Glibc)
import Glibc
#endif
import NodeRuntime
import Sockets
import System
import Wire

/// The HTTP/1.1 side of a peer's port: GET and HEAD of its shared files, with Range and an
/// ETag of the SHA-256, bodies sent from a mapping of the file (`Socket.sendFile`). So `curl`
/// can fetch from any peer, and peers download from each other the same way.
extension PeerNode {
    func serveHTTP(_ reader: SocketReader) {
        var reader = reader
        let socket = reader.socket
        while !isStopping {
            let request: HTTPRequest
            do {
                guard let parsed = try readRequest(&reader) else { return }
                request = parsed
            } catch let error as HTTPError {
                respond(socket, error.status, body: "\(error)\n")
                return
            } catch {
                return   // timed out or went away
            }
            guard respond(to: request, on: socket), request.keepAlive else { return }
        }
    }

    /// Reads one request head; nil at a clean end of stream between requests.
    private func readRequest(_ reader: inout SocketReader) throws -> HTTPRequest? {
        let deadline = Deadline.after(configuration.limits.idleTimeout)
        while true {
            if case .complete(let request, let consumed) = try HTTP.parseRequest(reader.buffered) {
                reader.consume(consumed)
                return request
            }
            guard try reader.fill(until: deadline) else {
                if reader.buffered.isEmpty { return nil }
                throw SocketError.endOfStream(received: reader.buffered.count)
            }
        }
    }

    /// Answers one request. Returns false when the connection must close.
    private func respond(to request: HTTPRequest, on socket: Socket) -> Bool {
        counterBook.count { $0.httpRequests += 1 }
        let isHead = request.method == "HEAD"
        // We serve files, we take none: a request body would be read as the next request.
        if (request.contentLength ?? 0) > 0 || request.header("Transfer-Encoding") != nil {
            respond(socket, .badRequest, body: "requests with a body are not accepted\n")
            return false
        }
        guard isHead || request.method == "GET" else {
            respond(socket, .methodNotAllowed, extra: [("Allow", "GET, HEAD")], body: "only GET and HEAD\n")
            return false
        }
        if let secret = configuration.secret, !secret.accepts(authorization: request.header("Authorization")) {
            return respond(socket, .unauthorized, extra: [("WWW-Authenticate", "Bearer realm=\"p2pnet\"")],
                           body: "this network has a shared secret: send 'Authorization: Bearer TOKEN' (p2pctl token prints it)\n",
                           keepAlive: request.keepAlive)
        }
        guard let name = HTTP.decodeTarget(request.target), let entry = store.servable(name) else {
            return respond(socket, .notFound, body: "no such file here\n", keepAlive: request.keepAlive)
        }
        guard let digest = try? store.digest(of: entry) else {
            return respond(socket, .notFound, body: "file vanished\n", keepAlive: request.keepAlive)
        }
        let etag = "\"\(digest.hex)\""
        // A client that names the bytes it wants, as a peer's download does, is told the file
        // changed rather than sent other bytes.
        if let wanted = request.header("If-Match"),
           !wanted.split(separator: ",").contains(where: { [etag, "*"].contains(String($0).trimmingSpaces) }) {
            return respond(socket, .preconditionFailed, extra: [("ETag", etag)], body: "the file has changed\n", keepAlive: request.keepAlive)
        }
        var status = HTTPStatus.ok
        var offset: UInt64 = 0
        var length = entry.size
        var headers: [(String, String)] = [("ETag", etag), ("Accept-Ranges", "bytes"),
                                           ("Content-Type", "application/octet-stream")]
        // A Range with an If-Range that does not match the current ETag gets the whole file.
        if let value = request.header("Range"), let range = ByteRange.parse(value),
           request.header("If-Range").map({ $0 == etag }) ?? true {
            guard let (start, count) = range.resolve(size: entry.size) else {
                return respond(socket, .rangeNotSatisfiable, extra: [("Content-Range", ByteRange.unsatisfiedContentRange(size: entry.size))],
                               body: "range outside the file's \(entry.size) bytes\n", keepAlive: request.keepAlive)
            }
            status = .partialContent
            offset = start
            length = count
            headers.append(("Content-Range", ByteRange.contentRange(offset: start, length: count, size: entry.size)))
        }
        guard uploads.take() else {
            counterBook.count { $0.httpRefused += 1 }
            return respond(socket, .serviceUnavailable, extra: [("Retry-After", "1")], body: "busy, try again\n")
        }
        defer { uploads.give() }

        let file = open(entry.path, O_RDONLY | O_CLOEXEC)
        guard file >= 0 else { return respond(socket, .notFound, body: "file vanished\n", keepAlive: request.keepAlive) }
        defer { close(file) }
        headers.append(("Content-Length", "\(length)"))
        if !request.keepAlive { headers.append(("Connection", "close")) }
        do {
            try socket.write(HTTPResponseHead(status: status, headers: headers).encoded(), until: .after(configuration.stallTimeout))
            if !isHead && length > 0 {
                // Counted as the bytes go, a few MiB at a time (the socket's own chunks).
                var counted: Int64 = 0
                try socket.sendFile(from: file, offset: Int64(offset), count: Int64(length), stall: configuration.stallTimeout) { [counterBook] sent in
                    counterBook.count { $0.bytesServed += UInt64(sent - counted) }
                    counted = sent
                }
            }
            if !isHead { served.add(1, ordering: .relaxed) }
        } catch {
            return false
        }
        return true
    }

    /// A short plain-text answer (errors).
    @discardableResult
    private func respond(_ socket: Socket, _ status: HTTPStatus, extra: [(String, String)] = [], body: String,
                         keepAlive: Bool = false) -> Bool {
        let bytes = Array(body.utf8)
        var headers = extra + [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", "\(bytes.count)")]
        if !keepAlive { headers.append(("Connection", "close")) }
        let head = HTTPResponseHead(status: status, headers: headers).encoded()
        do { try socket.write(head + bytes, until: .after(.seconds(5))) } catch { return false }
        return keepAlive
    }
}

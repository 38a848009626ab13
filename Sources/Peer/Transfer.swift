#if canImport(Glibc)
import Glibc
#endif
import Admission
import Digest
import Sockets
import Wire

/// The downloading side: GET a file from its holder over HTTP into a hidden temporary file,
/// hashing while writing; check size and SHA-256; only then rename it into `Downloads/`. A
/// transfer that fails for any reason leaves nothing behind.
enum Transfer {
    enum Failure: Error, CustomStringConvertible {
        case status(Int, String)
        case sizeMismatch(expected: UInt64, announced: UInt64?)
        case digestMismatch
        case local(String, Int32)
        case network(SocketError)

        var description: String {
            switch self {
            case .status(412, _): return "the holder's file changed since it answered the query (412)"
            case .status(let code, let reason): return "holder answered \(code) \(reason)"
            case .sizeMismatch(let expected, let announced):
                return "holder announced \(announced.map(String.init) ?? "no") length, expected \(expected) bytes"
            case .digestMismatch: return "the bytes received do not match the SHA-256 the holder announced"
            case .local(let what, let code): return "\(what): \(String(cString: strerror(code)))"
            case .network(let error): return error.description
            }
        }
    }

    static let bufferSize = 1 << 20

    /// Fetches `file` from `holder`; returns where it now lies and its verified digest.
    static func fetch(_ file: FileHit, from holder: PeerAddress, into store: FileStore, secret: SharedSecret? = nil, stall: Duration,
                      progress: (UInt64, UInt64) -> Void) throws -> (path: String, digest: SHA256Digest) {
        guard FileStore.isServableName(file.name) else { throw Failure.status(0, "unusable file name in the hit") }
        guard let expected = SHA256Digest(bytes: file.sha256) else { throw Failure.status(0, "unusable SHA-256 in the hit") }
        let socket: Socket
        do { socket = try Socket.connect(host: holder.host, port: holder.port, timeout: .seconds(5)) }
        catch { throw Failure.network(error) }
        defer { socket.close() }
        var reader = SocketReader(socket)
        var headers = [("Host", "\(holder.host):\(holder.port)"), ("Connection", "close"),
                       // A holder whose file changed since its hit answers 412, not other bytes.
                       ("If-Match", "\"\(expected.hex)\"")]
        if let secret { headers.append(("Authorization", "Bearer \(secret.httpToken)")) }
        let request = HTTPRequest(method: "GET", target: "/" + HTTP.encodePathComponent(file.name), headers: headers)
        let head: HTTPResponseHead
        do {
            try socket.write(request.encoded(), until: .after(stall))
            head = try readHead(&reader, until: .after(stall))
        } catch let error as SocketError { throw Failure.network(error) }
        guard head.status == 200 else { throw Failure.status(head.status, head.reason) }
        guard head.contentLength == file.size else {
            throw Failure.sizeMismatch(expected: file.size, announced: head.contentLength)
        }

        // The temporary file lives in the peer's own hidden folder, never in Downloads/.
        let temporary = "\(store.partials)/\(QueryID.random()).part"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure.local("cannot create \(temporary)", errno) }
        var keep = false
        defer {
            close(fd)
            if !keep { unlink(temporary) }
        }
        var hasher = SHA256()
        var received: UInt64 = 0
        func take(_ bytes: UnsafeRawBufferPointer) throws {
            var written = 0
            while written < bytes.count {
                let count = write(fd, bytes.baseAddress! + written, bytes.count - written)
                if count < 0 {
                    if errno == EINTR { continue }
                    throw Failure.local("cannot write \(file.name) into \(store.partials)", errno)
                }
                written += count
            }
            hasher.update(bytes)
            received += UInt64(bytes.count)
            progress(received, file.size)
        }
        // Whatever came with the head is the start of the body.
        let early = Array(reader.buffered.prefix(Int(clamping: file.size)))
        try early.withUnsafeBytes { try take($0) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 64)
        defer { buffer.deallocate() }
        while received < file.size {
            let want = Int(min(UInt64(bufferSize), file.size - received))
            let count: Int
            do { count = try socket.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<want]), until: .after(stall)) }
            catch { throw Failure.network(error) }
            if count == 0 { throw Failure.network(.endOfStream(received: Int(clamping: received))) }
            try take(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
        let digest = hasher.finalize()
        guard digest == expected else { throw Failure.digestMismatch }
        let destination = "\(store.downloads)/\(file.name)"
        guard rename(temporary, destination) == 0 else { throw Failure.local("cannot move the file into \(store.downloads)", errno) }
        keep = true
        return (destination, digest)
    }

    private static func readHead(_ reader: inout SocketReader, until deadline: Deadline) throws -> HTTPResponseHead {
        while true {
            if case .complete(let head, let consumed) = try HTTP.parseResponse(reader.buffered) {
                reader.consume(consumed)
                return head
            }
            guard try reader.fill(until: deadline) else { throw SocketError.endOfStream(received: reader.buffered.count) }
        }
    }
}

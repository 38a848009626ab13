import Sockets
import System
import Wire

/// Wire frames over one socket: the overlay link between two peers, or a peer's session with
/// the registry. One thread reads; any thread may send (sends are serialised by a lock, so two
/// frames never interleave). A peer that stops reading cannot stall a sender forever: each
/// send has a deadline, after which the connection is shut down.
public final class FrameConnection: Sendable {
    public let socket: Socket
    private let reader: Protected<SocketReader>
    private let sendLock = Protected(())
    /// How long one frame may take to leave before the other side counts as stuck.
    public static let sendTimeout: Duration = .seconds(10)

    public convenience init(_ socket: Socket) {
        self.init(socket, reader: SocketReader(socket, chunk: 16 * 1024))
    }

    /// Takes over a reader that may already hold the first bytes (the peer sniffs them to tell
    /// the overlay from HTTP).
    public init(_ socket: Socket, reader: SocketReader) {
        self.socket = socket
        self.reader = Protected(reader)
    }

    /// Reads and checks the 5-byte preface the connecting side sends.
    func expectPreface(until deadline: Deadline) throws {
        let bytes = try reader.withLock { (reader) throws(SocketError) in try reader.read(exactly: 5, until: deadline) }
        try Overlay.checkPreface(bytes)
    }

    /// Reads one frame. Throws `SocketError` (closed, timed out) or `FrameError` (bad bytes; the
    /// caller drops the connection).
    public func receive(until deadline: Deadline) throws -> Frame {
        try reader.withLock { (reader) throws -> Frame in
            let header = try reader.read(exactly: Frame.headerSize, until: deadline)
            let (type, length) = try Frame.decodeHeader(header)   // checks the cap before allocating
            let payload = try reader.read(exactly: length, until: deadline)
            return try Frame.decodePayload(type: type, payload: payload)
        }
    }

    /// Sends one frame; on failure the connection is shut down so its reader notices too.
    public func send(_ frame: Frame) throws(SocketError) {
        let bytes = frame.encoded()
        do {
            try sendLock.withLock { (_) throws(SocketError) in try socket.write(bytes, until: .after(Self.sendTimeout)) }
        } catch {
            socket.shutdown()
            throw error
        }
    }

    /// Sends without caring whether it arrived (a bye on the way out).
    public func sendQuietly(_ frame: Frame) { try? send(frame) }

    public func shutdown() { socket.shutdown() }
    public func close() { socket.shutdown(); socket.close() }
}

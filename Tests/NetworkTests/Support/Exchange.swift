import Foundation
import Sockets
import System

/// Writes `bytes` to `socket` and reads until the other side closes, or until `enough` says
/// what has arrived will do (HTTP keeps a connection open after a 404). Returns what arrived;
/// nil when neither happened within `seconds` (a hang). Closes the socket.
func exchange(_ bytes: [UInt8], over socket: Socket, seconds: Double = 20,
              until enough: ([UInt8]) -> Bool = { _ in false }) throws -> [UInt8]? {
    defer { socket.close() }
    try? socket.write(bytes, until: .after(.seconds(5)))
    var reader = SocketReader(socket)
    let deadline = Deadline.after(seconds: seconds)
    do {
        while try reader.fill(until: deadline), !enough(Array(reader.buffered)) {}
    } catch SocketError.timedOut {
        return nil
    } catch {}   // a reset is a dropped connection too
    return Array(reader.buffered)
}

/// The same over a new connection to 127.0.0.1:`port`.
func exchange(_ bytes: [UInt8], port: UInt16, seconds: Double = 20) throws -> [UInt8]? {
    try exchange(bytes, over: Socket.connect(host: "127.0.0.1", port: port, timeout: .seconds(5)), seconds: seconds)
}

/// The first 12 bytes of a response as text: "HTTP/1.1 404".
func statusLine(of response: [UInt8]?) -> String {
    String(decoding: (response ?? []).prefix(12), as: UTF8.self)
}

/// The status line of a GET of `name` from 127.0.0.1:`port`, sent from `source`.
func getStatus(_ name: String, port: UInt16, from source: String = "127.0.0.1") throws -> String {
    let socket = try Socket.connect(host: "127.0.0.1", port: port, from: source, timeout: .seconds(5))
    defer { socket.close() }
    try socket.write(Array("GET /\(name) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8), until: .after(.seconds(5)))
    var reader = SocketReader(socket)
    let line = try reader.readLine(maxLength: 1024, until: .after(.seconds(10))) ?? []
    return String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

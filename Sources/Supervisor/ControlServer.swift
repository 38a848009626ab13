import Control
import Foundation
import NodeRuntime
import Sockets

/// The control socket: one JSON request per connection, answered with one JSON line (or a
/// stream of progress or log lines, then the answer). Anything malformed gets an error and the
/// connection is closed; the supervisor keeps going.
public final class ControlServer: Sendable {
    let supervisor: Supervisor
    let listener: Socket
    /// Called after a `down` request has stopped everything (the supervisor then exits).
    let onDown: @Sendable () -> Void
    let configDigest: String
    /// Connections following the logs, shut down when the supervisor stops.
    private let followers = Protected([ObjectIdentifier: Socket]())
    /// Connections being served now; past 128 new ones are told "busy".
    private let served = Slots(128)

    public init(supervisor: Supervisor, configDigest: String, onDown: @escaping @Sendable () -> Void) throws {
        self.supervisor = supervisor
        self.configDigest = configDigest
        self.onDown = onDown
        listener = try Socket.listen(unixPath: supervisor.directory.socketPath)
        Threads.detach(name: "control") { [self] in acceptLoop() }
    }

    public func close() {
        listener.shutdown()
        for socket in followers.withLock({ $0.values }) { socket.shutdown() }
    }

    private func acceptLoop() {
        AcceptLoop.run(listener: { listener }, log: { supervisor.note("control socket: \($0)") }) { connection in
            guard served.take() else {
                // No thread to spare: a best-effort answer that fits the socket's buffer, then close.
                let busy = ControlResponse.failure("busy: \(served.capacity) requests are being served; try again")
                try? connection.write(Array((JSONLines.encode(busy) + "\n").utf8), until: .after(.milliseconds(10)))
                connection.close()
                return
            }
            if !Threads.detach(name: "control-conn", { [self] in serve(connection); served.give() }) {
                served.give()
                connection.close()
            }
        }
    }

    private func serve(_ socket: Socket) {
        defer { socket.close() }
        let reply: @Sendable (ControlResponse) -> Bool = { response in
            (try? socket.write(Array((JSONLines.encode(response) + "\n").utf8), until: .after(.seconds(10)))) != nil
        }
        var reader = SocketReader(socket, chunk: 4096)
        let line = try? reader.readLine(maxLength: 64 * 1024, until: .after(.seconds(10)))
        // The socket file is 0600, but root ignores modes and a socket file's mode can be
        // changed: the kernel's record of who connected is what counts. Checked after reading
        // the request, so the refusal is not lost to a reset of unread bytes.
        guard socket.peerUserID == geteuid() else {
            _ = reply(.failure("refused: this network's supervisor answers only its own user (uid \(geteuid()))"))
            return
        }
        guard let line, let request = try? JSONLines.decode(ControlRequest.self, from: String(decoding: line, as: UTF8.self)) else {
            _ = reply(.failure("malformed request: expected one JSON object on one line"))
            return
        }
        if request.command == .follow {
            follow(request.names ?? [], on: socket, stream: reply)
        } else {
            _ = reply(answer(request, stream: reply))
        }
    }

    /// Streams log lines until the follower hangs up or the supervisor stops (which shuts the
    /// socket down): the thread waits on the socket itself, not on a timer.
    private func follow(_ names: [String], on socket: Socket, stream: @escaping @Sendable (ControlResponse) -> Bool) {
        let wanted = Set(names.map { $0.lowercased() })
        let token = supervisor.log.follow { line in
            guard wanted.isEmpty || wanted.contains(line.name.lowercased()) else { return }
            var update = ControlResponse(ok: true)
            update.log = line
            if !stream(update) { socket.shutdown() }
        }
        followers.withLock { $0[ObjectIdentifier(socket)] = socket }
        var subscribed = ControlResponse(ok: true)
        subscribed.following = true
        _ = stream(subscribed)
        defer {
            supervisor.log.unfollow(token)
            followers.withLock { $0[ObjectIdentifier(socket)] = nil }
        }
        var byte = [UInt8](repeating: 0, count: 1)
        while !supervisor.isStopping {
            // Readable means the follower closed (it sends nothing more) or we were shut down.
            let count = try? byte.withUnsafeMutableBytes { try socket.read(into: $0, until: .never) }
            if count == nil || count == 0 { break }
        }
        _ = stream(ControlResponse(ok: true))
    }

    private func answer(_ request: ControlRequest, stream: @escaping @Sendable (ControlResponse) -> Bool) -> ControlResponse {
        switch request.command {
        case .hello:
            var response = ControlResponse(ok: true)
            response.pid = getpid()
            response.config = supervisor.config.source
            response.configDigest = configDigest
            response.ready = supervisor.peers.allSatisfy { $0.runtime.withLock { $0.everReady } }
            return response
        case .status:
            var response = ControlResponse(ok: true)
            response.status = supervisor.statuses()
            return response
        case .topology:
            var response = ControlResponse(ok: true)
            response.topology = supervisor.topology()
            return response
        case .files:
            return supervisor.files(of: request.names ?? [])
        case .send:
            guard let name = request.name, let line = request.line else { return .failure("send needs a peer and words", exitCode: 2) }
            return supervisor.send(to: name, line: line, timeout: request.timeout ?? 30) { step in
                var update = ControlResponse(ok: true)
                update.progress = step
                _ = stream(update)
            }
        case .restart:
            guard let name = request.name else { return .failure("restart needs a name", exitCode: 2) }
            return supervisor.restart(name)
        case .kill:
            guard let name = request.name else { return .failure("kill needs a name", exitCode: 2) }
            return supervisor.signal(name, request.signal ?? SIGKILL)
        case .down:
            var response = ControlResponse(ok: true)
            response.killed = supervisor.stopAll(grace: request.timeout ?? 10)
            response.pid = getpid()
            _ = stream(response)
            onDown()
            return response
        case .follow:
            return ControlResponse(ok: true)   // handled by `follow` above
        }
    }
}

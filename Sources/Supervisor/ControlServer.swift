import Control
import Foundation
import NodeRuntime
import Sockets
import System

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
        guard let line else {
            _ = reply(.failure("malformed request: expected one JSON object on one line"))
            return
        }
        let text = String(decoding: line, as: UTF8.self)
        if let version = JSONLines.version(of: text), version != ControlProtocol.version {
            let message = "this p2pctl speaks control protocol \(version), the supervisor (pid \(getpid())) protocol \(ControlProtocol.version): use the p2pctl it was started with"
            _ = try? socket.write(Array((ControlResponse.versionMismatchLine(message) + "\n").utf8), until: .after(.seconds(10)))
            return
        }
        guard let request = try? JSONLines.decode(ControlRequest.self, from: text) else {
            _ = reply(.failure("malformed request: expected one JSON object on one line"))
            return
        }
        if case .follow(let names) = request {
            follow(names, on: socket, stream: reply)
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
            if !stream(.log(line)) { socket.shutdown() }
        }
        followers.withLock { $0[ObjectIdentifier(socket)] = socket }
        _ = stream(.following)
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
        _ = stream(.done)
    }

    private func answer(_ request: ControlRequest, stream: @escaping @Sendable (ControlResponse) -> Bool) -> ControlResponse {
        switch request {
        case .hello:
            return .hello(SupervisorInfo(pid: getpid(), config: supervisor.config.source, configDigest: configDigest,
                                         ready: supervisor.peers.allSatisfy { $0.runtime.withLock { $0.everReady } }))
        case .status:
            return .status(supervisor.statuses())
        case .topology:
            return .topology(supervisor.topology())
        case .files(let peers):
            return supervisor.files(of: peers)
        case .send(let peer, let command, let timeout):
            return supervisor.send(to: peer, command, timeout: timeout.value) { step in _ = stream(.progress(step)) }
        case .restart(let name):
            return supervisor.restart(name)
        case .kill(let name, let signal):
            return supervisor.signal(name, signal)
        case .down(let grace):
            let response = ControlResponse.down(killed: supervisor.stopAll(grace: grace.value), pid: getpid())
            _ = stream(response)
            onDown()
            return response
        case .follow:
            return .done   // handled by `follow` above
        }
    }
}

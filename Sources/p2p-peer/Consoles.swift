#if canImport(Glibc)
import Glibc
#endif
import Control
import NodeRuntime
import Peer
import Sockets

/// The console a person types into: one command per line, answers as text on stdout. When
/// stdin ends the peer keeps serving (it may run in the background) until Stop or a signal.
func serveConsole(_ peer: PeerNode) {
    while let line = readLine() {
        let command = ConsoleCommand(line: line)
        if command == .stop {
            peer.stop()
            exit(ExitCode.success)
        }
        let reply = peer.reply(to: command)
        if let text = reply.text ?? reply.error, !text.isEmpty { Log.answer(text) }
    }
}

/// Under p2pctl: typed requests on stdin, one JSON object per line, answered on stdout, each
/// on its own thread so a long download does not hold up a TOPO. Bad lines get an error reply
/// (or are logged when they carry no id). Exits when stdin closes, so the peer cannot outlive
/// the supervisor.
func serveSupervisor(_ peer: PeerNode) {
    let emit: @Sendable (ChildMessage) -> Void = { Log.answer(JSONLines.encode($0)) }
    peer.observeNeighbours { emit(.neighbours($0)) }
    emit(.ready(port: peer.port))
    while let line = readLine(strippingNewline: true) {
        guard line.utf8.count <= 64 * 1024, let request = try? JSONLines.decode(ChildRequest.self, from: line) else {
            Log.event("ignored a malformed request from the supervisor (\(line.utf8.count) bytes)")
            continue
        }
        Threads.detach(name: "request") {
            switch request.command {
            case .files:
                emit(.reply(id: request.id, peer.sharedFiles()))
            case .line(let text):
                let command = ConsoleCommand(line: text)
                var lastReported: UInt64 = 0
                let reply = peer.reply(to: command) { bytes, total in
                    // At most ~100 progress events per download, and only for large ones. A
                    // transfer from the next holder starts again below what was reported.
                    if total >= 4 << 20 && (bytes < lastReported || bytes - lastReported >= total / 100 || bytes == total) {
                        lastReported = bytes
                        emit(.progress(id: request.id, bytes: bytes, total: total))
                    }
                }
                emit(.reply(id: request.id, reply))
                if command == .stop {
                    peer.stop()
                    exit(ExitCode.success)
                }
            }
        }
    }
    peer.stop(reason: "supervisor went away")
    exit(ExitCode.success)
}

#if canImport(Glibc)
import Glibc
#endif
import Control
import NodeRuntime
import Peer
import System

/// The console a person types into: one command per line, answers as text on stdout. When
/// stdin ends the peer keeps serving (it may run in the background) until Stop or a signal.
func serveConsole(_ peer: PeerNode) {
    var input = LineReader()
    while let next = input.next() {
        guard case .text(let line) = next else {
            Log.answer("that line is too long (over \(input.maxLength) bytes); nothing was done")
            continue
        }
        let command = PeerCommand(words: line)
        if command == .stop {
            peer.stop()
            exit(ExitCode.success)
        }
        let text = peer.perform(command).text
        if !text.isEmpty { Log.answer(text) }
    }
}

/// Under p2pctl: typed requests on stdin, one JSON object per line, answered on stdout, each
/// on its own thread so a long download does not hold up a TOPO, at most 64 at once (more are
/// answered "busy"). Bad lines are logged and dropped. Exits when stdin closes, so
/// the peer cannot outlive the supervisor.
func serveSupervisor(_ peer: PeerNode) {
    let emit: @Sendable (ChildMessage) -> Void = { Log.answer($0.line) }
    peer.observeNeighbours { emit(.neighbours($0)) }
    peer.observeCounters { emit(.counters($0)) }
    emit(.ready(port: peer.port))
    let running = Slots(64)
    let busy = PeerAnswer.refused("busy: \(running.capacity) requests are running; try again")
    var input = LineReader()
    while let next = input.next() {
        guard case .text(let line) = next, let request = try? JSONLines.decode(ChildRequest.self, from: line) else {
            let size = switch next { case .text(let line): "\(line.utf8.count) bytes"; case .tooLong(let count): "\(count) bytes, over the cap" }
            Log.event("ignored a malformed request from the supervisor (\(size))")
            continue
        }
        guard running.take() else {
            emit(.answer(id: request.id, busy))
            continue
        }
        let started = Threads.detach(name: "request") {
            defer { running.give() }
            var lastReported: UInt64 = 0
            let answer = peer.perform(request.command) { bytes, total in
                // At most ~100 progress events per download, and only for large ones. A
                // transfer from the next holder starts again below what was reported.
                if total >= 4 << 20 && (bytes < lastReported || bytes - lastReported >= total / 100 || bytes == total) {
                    lastReported = bytes
                    emit(.progress(id: request.id, TransferProgress(bytes: bytes, total: total)))
                }
            }
            emit(.answer(id: request.id, answer))
            if request.command == .stop {
                peer.stop()
                exit(ExitCode.success)
            }
        }
        if !started {
            running.give()
            emit(.answer(id: request.id, busy))
        }
    }
    peer.stop(reason: "supervisor went away")
    exit(ExitCode.success)
}

import Control
import Foundation
import NetworkConfig
import System

/// What the control socket's commands do: status, topology, files, send, restart, kill, down.
extension Supervisor {
    public func statuses() -> [ProcessStatus] { all.map { $0.status() } }

    /// The overlay from every running peer's own neighbour list.
    public func topology() -> TopologyDocument {
        var entries: [String: (port: UInt16, neighbours: [String])] = [:]
        for peer in peers {
            let state = peer.runtime.snapshot
            if state.pid != nil, let port = state.port { entries[peer.name] = (port, state.neighbours) }
        }
        return TopologyDocument(peers: entries)
    }

    /// Resolves names given by a user; the error lists the names that exist (exit code 2).
    func choosePeers(_ names: [String]) -> (peers: [ManagedProcess], refusal: ControlResponse?) {
        var chosen: [ManagedProcess] = []
        for name in names {
            guard let peer = peers.first(where: { $0.name.lowercased() == name.lowercased() }) else {
                return ([], unknownName(name, peersOnly: true))
            }
            chosen.append(peer)
        }
        return (chosen.isEmpty ? peers : chosen, nil)
    }

    func unknownName(_ name: String, peersOnly: Bool) -> ControlResponse {
        let names = (peersOnly ? peers : all).map(\.name).joined(separator: ", ")
        return .failure("no \(peersOnly ? "peer" : "process") named '\(name)'; there are: \(names)", exitCode: 2)
    }

    /// The shared files of the named peers (all by default), asked of the peers themselves.
    func files(of names: [String]) -> ControlResponse {
        let (chosen, refusal) = choosePeers(names)
        if let refusal { return refusal }
        let answers = Protected([String: PeerFiles]())
        for peer in chosen {
            Threads.detach(name: "files") {
                let files: PeerFiles
                do throws(ManagedProcess.Unanswered) {
                    let answer = try peer.request(.list, timeout: 10)
                    if case .files(let list) = answer { files = PeerFiles(peer: peer.name, files: list) }
                    else { files = PeerFiles(peer: peer.name, files: [], error: answer.error ?? "no list of files") }
                } catch {
                    files = PeerFiles(peer: peer.name, files: [], error: error.reason)
                }
                answers.withLock(notify: true) { $0[peer.name] = files }
            }
        }
        let collected = answers.wait(until: .after(.seconds(15))) { $0.count == chosen.count ? $0 : nil } ?? answers.snapshot
        return .files(chosen.map { collected[$0.name] ?? PeerFiles(peer: $0.name, files: [], error: "no answer") })
    }

    /// Forwards a command to a peer; waits for it while it is starting or restarting, and
    /// asks again once if it died while answering and is coming back.
    func send(to name: String, _ command: PeerCommand, timeout: Double, progress: (TransferProgress) -> Void) -> ControlResponse {
        guard let peer = peers.first(where: { $0.name.lowercased() == name.lowercased() }) else {
            return unknownName(name, peersOnly: true)
        }
        for attempt in 0..<2 {
            let phase = peer.runtime.wait(until: .after(seconds: timeout)) { state -> ProcessStatus.State? in
                state.phase == .starting || state.phase == .restarting ? nil : state.phase
            }
            guard phase == .running else {
                return .failure("\(peer.name) is \(phase?.rawValue ?? "still starting after \(formatSeconds(timeout))"); nothing was sent")
            }
            // Stop is a stop on purpose, whatever the restart policy: it stays `stopped` until
            // `p2pctl restart` starts it again.
            if command == .stop { peer.runtime.withLock { $0.stopping = true } }
            do {
                return .answer(try peer.request(command, timeout: timeout, progress: progress))
            } catch {
                if !error.childWentAway || attempt == 1 { return .failure(error.reason) }
                note("\(peer.name) exited while answering; asking again once it is back")
            }
        }
        return .failure("\(peer.name) did not answer")
    }

    /// Sends a signal (KILL by default), for trying out failures; the restart policy applies.
    func signal(_ name: String, _ number: Int32) -> ControlResponse {
        guard let process = process(named: name) else { return unknownName(name, peersOnly: false) }
        guard (1...64).contains(number) else { return .failure("there is no signal \(number); Linux's are 1 to 64", exitCode: 2) }
        guard let pid = process.runtime.withLock({ $0.pid }) else { return .failure("\(process.name) is not running") }
        do { try Syscall.call("kill \(pid)") { kill(pid, number) } } catch { return .failure(error.description) }
        note("sent signal \(number) to \(process.name) (pid \(pid)) on request")
        return .done
    }

    /// Stops the process on purpose and starts it again at once (or starts it, if it had stopped).
    func restart(_ name: String) -> ControlResponse {
        guard let process = process(named: name) else { return unknownName(name, peersOnly: false) }
        let pid = process.runtime.withLock { state -> Int32? in
            if state.pid != nil { state.restartWhenStopped = true }
            return state.pid
        }
        if let pid {
            note("restarting \(process.name) on request")
            terminate([process], pid: [pid], grace: 5)
        } else {
            process.runtime.withLock { $0.restarts += 1 }
            if let problem = spawn(process, arguments: arguments(for: process)) { return .failure(problem) }
        }
        let ready = process.runtime.wait(until: .after(.seconds(30))) { $0.phase == .running ? true : $0.phase == .failed ? false : nil }
        return ready == true ? .done : .failure("\(process.name) did not come back: \(process.runtime.withLock { $0.lastExit ?? "" })")
    }

    // MARK: Stopping

    /// Stops the peers (Stop), then the registry; after `grace` seconds escalates to SIGTERM,
    /// then SIGKILL, to each process group. Returns what had to be killed.
    public func stopAll(grace: Double) -> [String] {
        if stopping.exchange(true, ordering: .acquiringAndReleasing) {
            _ = stopped.wait(until: .never) { $0 ? true : nil }
            return []
        }
        note("stopping: peers first, then the registry")
        var killed = stopGracefully(peers, grace: grace)
        killed += stopGracefully([registry], grace: grace)
        stopped.withLock(notify: true) { $0 = true }
        return killed
    }

    private func stopGracefully(_ processes: [ManagedProcess], grace: Double) -> [String] {
        var running: [(ManagedProcess, Int32)] = []
        for process in processes {
            let pid = process.runtime.withLock { state -> Int32? in
                state.stopping = true
                return state.pid
            }
            guard let pid else { continue }
            running.append((process, pid))
            // Stop, as typed at its console; then its stdin closes, which a supervised child
            // takes as the end in any case.
            if process.spec.role == .peer {
                try? process.writeLine(JSONLines.encode(ChildRequest(id: 0, command: .stop)))
            }
            process.input.close()
        }
        return terminate(running.map(\.0), pid: running.map(\.1), grace: grace)
    }

    /// Waits `grace` seconds for the processes to exit, then SIGTERM, then SIGKILL.
    @discardableResult
    func terminate(_ processes: [ManagedProcess], pid pids: [Int32], grace: Double) -> [String] {
        var killed: [String] = []
        for (signal, wait) in [(Int32(0), grace), (SIGTERM, 2.0), (SIGKILL, 5.0)] {
            let left = zip(processes, pids).filter { process, pid in process.runtime.withLock { $0.pid == pid } }
            if left.isEmpty { break }
            if signal != 0 {
                for (process, pid) in left {
                    kill(-pid, signal)   // the child's process group (Foundation makes it a leader)
                    kill(pid, signal)
                    killed.append("\(process.name) (\(signal == SIGTERM ? "SIGTERM" : "SIGKILL"))")
                }
            }
            let deadline = Deadline.after(seconds: wait)
            for (process, pid) in left {
                _ = process.runtime.wait(until: deadline) { $0.pid == pid ? nil : true }
            }
        }
        return killed
    }

    /// Blocks until `stopAll` has finished.
    public func waitUntilStopped() {
        _ = stopped.wait(until: .never) { $0 ? true : nil }
    }
}

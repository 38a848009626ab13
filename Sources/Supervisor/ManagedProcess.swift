import Control
import Foundation
import NetworkConfig
import System

/// What to run for one entry of the network, and how to treat its exits.
struct ProcessSpec: Sendable {
    let name: String
    let role: ProcessStatus.Role
    let executable: String
    let restart: NetworkConfig.RestartPolicy
    /// A peer's shared folder (for the file count in `status`).
    let folder: String?
}

/// One supervised process across its restarts: its state, its stdin for typed requests, the
/// requests waiting for an answer, and the restart bookkeeping (see `RestartRules`).
final class ManagedProcess: Sendable {
    struct Pending: Sendable {
        var answer: PeerAnswer?
        var progress: TransferProgress?
        /// Bumped on each progress event, so a waiter sees news.
        var events = 0
        var lastActivity = ContinuousClock.now
    }

    /// Why a request got no answer; `childWentAway` when the child exited (or was gone) before
    /// answering, so the caller may ask again once it is back.
    struct Unanswered: Error {
        let reason: String
        let childWentAway: Bool
    }

    struct Runtime: Sendable {
        var phase = ProcessStatus.State.stopped
        var pid: Int32?
        var port: UInt16?
        var startedAt: ContinuousClock.Instant?
        var generation = 0
        var restarts = 0
        /// Exits within `RestartRules.quickExit` of starting, in a row.
        var quickFailures = 0
        var backoff = RestartRules.firstBackoff
        var neighbours: [String] = []
        /// The peer's counters as it last reported them (reset with each new process).
        var counters: PeerCounters?
        /// The registry's members, as it reported them (a restarted registry starts empty).
        var members: Set<String> = []
        var lastExit: String?
        var everReady = false
        /// Set when the supervisor stops it on purpose (down, restart): the exit is no failure.
        var stopping = false
        var restartWhenStopped = false
        var pending: [Int: Pending] = [:]
        var nextRequest = 0
    }

    let spec: ProcessSpec
    let runtime = Protected(Runtime())
    /// Its stdin, with a lock of its own (see `writeLine`).
    let input = ChildInput()

    init(spec: ProcessSpec) {
        self.spec = spec
    }

    var name: String { spec.name }

    /// Writes one line to the child's stdin, whole, never interleaved with another writer's.
    func writeLine(_ line: String) throws {
        try input.writeLine(line)
    }

    // MARK: Messages from the child

    /// A line the child wrote on stdout: a typed message, or (from a confused child) text,
    /// which goes to its log like stderr does.
    func received(_ line: String, log: LogBook) {
        guard line.hasPrefix("{"), let message = try? JSONLines.decode(ChildMessage.self, from: line) else {
            log.write(name, line)
            return
        }
        if case .ready(_, let version) = message, version != ControlProtocol.version {
            // Another build's child: it would misread every request. Its last words say why.
            log.write(name, "\(spec.executable) speaks control protocol \(version), this supervisor \(ControlProtocol.version): build them together (swift build)")
            if let pid = runtime.withLock({ $0.pid }) { kill(pid, SIGKILL) }
            return
        }
        runtime.withLock(notify: true) { state in
            switch message {
            case .ready(let port, _):
                state.port = port
                state.phase = .running
                state.everReady = true
            case .neighbours(let names):
                state.neighbours = names
            case .counters(let counters):
                state.counters = counters
            case .progress(let id, let step):
                state.pending[id]?.progress = step
                state.pending[id]?.events += 1
                state.pending[id]?.lastActivity = .now
            case .answer(let id, let answer):
                state.pending[id]?.answer = answer
            case .memberJoined(let name):
                state.members.insert(name)
            case .memberLeft(let name):
                state.members.remove(name)
            }
        }
    }

    // MARK: Requests to the child

    /// Sends `command` and waits for the answer. `timeout` bounds each wait for news: a
    /// download that keeps making progress is not cut off. `progress` hears every step.
    func request(_ command: PeerCommand, timeout: Double,
                 progress: (TransferProgress) -> Void = { _ in }) throws(Unanswered) -> PeerAnswer {
        let started = runtime.withLock { state -> Int? in
            guard state.phase == .running, state.pid != nil else { return nil }
            state.nextRequest += 1
            state.pending[state.nextRequest] = Pending()
            return state.nextRequest
        }
        guard let id = started else { throw Unanswered(reason: "\(name) is not running", childWentAway: true) }
        defer { runtime.withLock { _ = $0.pending.removeValue(forKey: id) } }
        do {
            try writeLine(JSONLines.encode(ChildRequest(id: id, command: command)))
        } catch {
            // Its stdin is closed: the child has just died. Wait until its exit is handled (that
            // ends every pending request), so the caller sees it restarting and can ask again.
            _ = runtime.wait(until: .after(seconds: timeout)) { $0.pending[id] == nil ? true : nil }
            throw Unanswered(reason: "\(name) did not take the request: \(error.localizedDescription)", childWentAway: true)
        }
        var seen = 0
        while true {
            let lastActivity = runtime.withLock { $0.pending[id]?.lastActivity } ?? .now
            let deadline = Deadline(instant: lastActivity + .milliseconds(Int64(timeout * 1000)))
            let outcome = runtime.wait(until: deadline) { state -> Pending? in
                guard let pending = state.pending[id] else { return Pending() }   // gone: the child exited
                return pending.answer != nil || pending.events != seen ? pending : nil
            }
            guard let outcome else {
                throw Unanswered(reason: "\(name) did not answer within \(formatSeconds(timeout))", childWentAway: false)
            }
            if let answer = outcome.answer { return answer }
            if outcome.events == 0 && runtime.withLock({ $0.pending[id] == nil }) {
                throw Unanswered(reason: "\(name) exited before it answered", childWentAway: true)
            }
            seen = outcome.events
            if let step = outcome.progress { progress(step) }
        }
    }

    // MARK: Status

    func status() -> ProcessStatus {
        let state = runtime.snapshot
        return ProcessStatus(
            name: name, role: spec.role, pid: state.pid, port: state.port, state: state.phase,
            uptime: state.pid == nil ? nil : state.startedAt.map { (ContinuousClock.now - $0) / .seconds(1) },
            restarts: state.restarts, neighbours: state.neighbours.sorted(),
            files: spec.folder.map(Self.countSharedFiles), lastExit: state.lastExit,
            members: spec.role == .registry ? state.members.sorted() : nil,
            counters: spec.role == .peer ? state.counters ?? PeerCounters() : nil)
    }

    /// Regular, non-hidden files directly in the folder: what the peer shares.
    static func countSharedFiles(in folder: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { name in
            var isFolder: ObjCBool = false
            return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: folder + "/" + name, isDirectory: &isFolder) && !isFolder.boolValue
        }.count
    }
}

public func formatSeconds(_ seconds: Double) -> String {
    seconds == seconds.rounded() ? "\(Int(seconds)) s" : String(format: "%.1f s", seconds)
}

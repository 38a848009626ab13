import Control
import NetworkConfig

/// What the restart rules remember of one process across its incarnations.
struct RestartHistory: Sendable, Equatable {
    /// Exits within `RestartRules.quickExit` of starting, in a row.
    var quickFailures = 0
    /// The wait before the next restart after a failure.
    var backoff = RestartRules.firstBackoff
    /// Restarts so far (`status` shows them).
    var restarts = 0
    /// `p2pctl restart`: start it again as soon as it has exited.
    var restartWhenStopped = false
    /// The supervisor is stopping it on purpose (down, restart): the exit is no failure.
    var stopping = false
    /// It said it was ready at least once.
    var everReady = false
}

/// How one incarnation ended.
struct ChildExit: Sendable, Equatable {
    /// The exit status, or the signal's number when `signalled`.
    var status: Int32
    var signalled: Bool
    /// How long it ran.
    var ran: Duration

    /// Exit status 0, not a signal.
    var isClean: Bool { !signalled && status == 0 }
}

/// What the supervisor does after an exit.
enum RestartDecision: Sendable, Equatable {
    /// Start it again after this many seconds (0: at once).
    case restart(after: Double)
    /// Leave it down, in this state: `.stopped` or `.failed`.
    case stop(ProcessStatus.State)

    /// The process's state from now on.
    var phase: ProcessStatus.State {
        switch self {
        case .restart: return .restarting
        case .stop(let state): return state
        }
    }
}

/// The restart policy of the README ("Processes"), as one pure function: backoff 0.1 s doubling
/// to 5 s, reset once a process has run 10 s; five exits in a row within 1 s of starting give
/// up (`failed`), as supervisord's startsecs/startretries do; a process stopped on purpose, or
/// that never became ready, stays down.
enum RestartRules {
    static let firstBackoff = 0.1
    static let maxBackoff = 5.0
    /// An exit sooner than this after starting is a quick failure.
    static let quickExit: Duration = .seconds(1)
    /// Quick failures in a row that give up.
    static let quickFailureLimit = 5
    /// A process that ran this long starts its backoff again from `firstBackoff`.
    static let stableAfter: Duration = .seconds(10)

    /// The decision after `exit`, and the history to keep. `policy` is the config's `restart`;
    /// `supervisorStopping` is true once the whole network is going down.
    static func decide(after exit: ChildExit, history: RestartHistory, policy: NetworkConfig.RestartPolicy,
                       supervisorStopping: Bool) -> (decision: RestartDecision, history: RestartHistory) {
        var history = history
        // Asked for (`p2pctl restart`): at once, whatever the exit and the policy.
        if history.restartWhenStopped && !supervisorStopping {
            history.restartWhenStopped = false
            history.restarts += 1
            return (.restart(after: 0), history)
        }
        // Stopped on purpose, or it never got going: no restart.
        if history.stopping || supervisorStopping || !history.everReady {
            let onPurpose = exit.isClean || history.stopping || supervisorStopping
            return (.stop(onPurpose ? .stopped : .failed), history)
        }
        switch policy {
        case .no: return (.stop(exit.isClean ? .stopped : .failed), history)
        case .onFailure where exit.isClean: return (.stop(.stopped), history)
        default: break
        }
        history.quickFailures = exit.ran < quickExit ? history.quickFailures + 1 : 0
        if history.quickFailures >= quickFailureLimit { return (.stop(.failed), history) }
        if exit.ran >= stableAfter { history.backoff = firstBackoff }
        let delay = history.backoff
        history.backoff = min(history.backoff * 2, maxBackoff)
        history.restarts += 1
        return (.restart(after: delay), history)
    }
}

extension ManagedProcess.Runtime {
    /// The fields the restart rules read and write.
    var restartHistory: RestartHistory {
        get {
            RestartHistory(quickFailures: quickFailures, backoff: backoff, restarts: restarts,
                           restartWhenStopped: restartWhenStopped, stopping: stopping, everReady: everReady)
        }
        set {
            quickFailures = newValue.quickFailures
            backoff = newValue.backoff
            restarts = newValue.restarts
            restartWhenStopped = newValue.restartWhenStopped
            stopping = newValue.stopping
            everReady = newValue.everReady
        }
    }
}

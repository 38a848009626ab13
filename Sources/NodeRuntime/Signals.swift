#if canImport(Glibc)
import Glibc
#endif
import CSystemShims
import System

/// Waits for termination signals on a thread of our choosing: the signals are blocked in every
/// thread (so call this before starting any) and taken with sigwait, which, unlike Dispatch
/// signal sources on Linux, never loses one.
public struct SignalWaiter: Sendable {
    private let signals: [Int32]

    public init(_ signals: Int32...) {
        self.signals = signals
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Blocks until one of the signals arrives; returns it.
    public func wait() -> Int32 {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        var received: Int32 = 0
        // sigwait returns its error instead of setting errno, and its only one (EINVAL, a bad
        // set) cannot happen with this set: not a call for the gate.
        while sigwait(&set, &received) != 0 {}
        return received
    }
}

public func signalName(_ signal: Int32) -> String {
    switch signal {
    case SIGINT: return "SIGINT"
    case SIGTERM: return "SIGTERM"
    case SIGHUP: return "SIGHUP"
    default: return "signal \(signal)"
    }
}

/// Under a supervisor: exit as soon as stdin reaches end of file, so no child outlives the
/// process that holds the other end of its stdin.
public func exitWhenStandardInputCloses(_ cleanup: @escaping @Sendable () -> Void) {
    Threads.detach(name: "stdin-watch") {
        var byte: [UInt8] = [0]
        while let count = try? Syscall.read(STDIN_FILENO, into: &byte), count > 0 {}   // until end of file (or an error)
        cleanup()
        exit(ExitCode.success)
    }
}

/// First thing in a child of the supervisor: undo what it inherited and make sure it cannot
/// outlive the supervisor.
/// - The signal mask is reset: a supervisor that blocks SIGTERM to sigwait for it would
///   otherwise hand its children a SIGTERM they never see.
/// - PR_SET_PDEATHSIG: the kernel kills this process when the supervisor's spawning thread dies,
///   even by SIGKILL; and if the supervisor is already gone (the start-up race), exit now.
public func becomeSupervisedChild() {
    var empty = sigset_t()
    sigemptyset(&empty)
    pthread_sigmask(SIG_SETMASK, &empty, nil)
    _ = p2p_set_parent_death_signal(SIGKILL)
    if let expected = getenv("P2P_SUPERVISOR_PID").flatMap({ Int32(String(cString: $0)) }), getppid() != expected {
        exit(ExitCode.failure)
    }
}

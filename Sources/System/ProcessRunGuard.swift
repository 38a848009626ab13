import CSystemShims

/// A guard for Foundation's `Process.run()` on Linux, to be installed by any program that
/// spawns while it holds many descriptors (the supervisor, the benchmark, the tests).
///
/// Before swift-corelibs-foundation's fix #5472 (so in Swift 6.3.1), `Process.run()` reads
/// /proc/self/fd and copies each entry's name as a whole 256-byte array. glibc's directory
/// buffer is 32 KiB: past about 1,365 open descriptors a full buffer's last entry sits at its
/// very end, and the copy reads up to 243 bytes beyond it. That is harmless inside a heap, and
/// a crash (SIGSEGV in memmove) when the buffer was cut from the end of the heap's last chunk,
/// with nothing mapped behind it: the supervisor died so at 600 of 1,000 peers, more often
/// than not. Only the last chunk of a heap borders unmapped memory; with 64 MiB of slack kept
/// behind it, the buffer can sit at the edge only after 64 MiB more have been taken from one
/// heap since it last grew, and the supervisor of 1,000 peers takes a few. The slack is address
/// space, never touched, so it costs no memory.
public enum ProcessRunGuard {
    public static func install() { _ = installed }

    private static let installed: Void = { _ = p2p_keep_heap_slack(64 << 20) }()
}

extension ProcessRunGuard {
    /// The slack covers heaps made after `install`; a process that had threads before it (a test
    /// runner) also keeps its spawns apart from the times it holds descriptors by the thousand.
    private static let gate = Protected((holdingMany: 0, spawning: 0))

    /// Runs `body` (a `Process.run`, and the making of its pipes) once nothing holds
    /// descriptors by the thousand and no other spawn is under way: Foundation makes its pipes
    /// and exit-notice socket without close-on-exec, so two spawns at once leak into each
    /// other's children, whose exits then go unseen (a test runner spawns from many threads;
    /// the supervisor from one). Waits 5 minutes at most, then runs it anyway.
    public static func spawning<T>(_ body: () throws -> T) rethrows -> T {
        install()
        let counted = gate.wait(until: .after(.seconds(300))) { state -> Bool? in
            guard state.holdingMany == 0, state.spawning == 0 else { return nil }
            state.spawning += 1
            return true
        } ?? false
        defer { if counted { gate.withLock(notify: true) { $0.spawning -= 1 } } }
        return try body()
    }

    /// Marks the start of a stretch that holds descriptors by the thousand (an in-process
    /// network of hundreds of peers); `endHoldingMany` ends it.
    public static func beginHoldingMany() {
        // Waits for no spawn to be under way and counts itself in one step, so none starts between.
        let counted = gate.wait(until: .after(.seconds(300))) { state -> Bool? in
            guard state.spawning == 0 else { return nil }
            state.holdingMany += 1
            return true
        } ?? false
        if !counted { gate.withLock(notify: true) { $0.holdingMany += 1 } }
    }

    public static func endHoldingMany() {
        gate.withLock(notify: true) { $0.holdingMany -= 1 }
    }
}

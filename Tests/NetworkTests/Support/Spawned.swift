import Foundation
import System
import Testing

/// The folder holding the built executables: $P2P_BIN, else the folder of this test binary
/// (SwiftPM builds the executables beside it).
let binFolder: String = {
    if let folder = ProcessInfo.processInfo.environment["P2P_BIN"] { return folder }
    let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var url = URL(fileURLWithPath: me).deletingLastPathComponent()
    // The .xctest bundle may be a folder on some layouts: climb until p2p-peer is beside us.
    for _ in 0..<4 where !FileManager.default.fileExists(atPath: url.appendingPathComponent("p2p-peer").path) {
        url = url.deletingLastPathComponent()
    }
    return url.path
}()

/// Set by the sanitized runs in .ci/run, which test only what runs inside the test process:
/// a sanitizer sees nothing of the processes a test starts, and multi-process suites are
/// too slow under one.
let inProcessOnly = ProcessInfo.processInfo.environment["P2P_IN_PROCESS_ONLY"] != nil

extension Trait where Self == ConditionTrait {
    /// Marks a suite whose tests start processes (Spawned, ProcessNetwork, CtlNetwork, curl):
    /// skipped when P2P_IN_PROCESS_ONLY is set. Every other test runs under the sanitizers.
    static var spawnsProcesses: Self {
        .disabled(if: inProcessOnly, "starts processes; this run (P2P_IN_PROCESS_ONLY) tests this process only")
    }
}

/// Called before starting a process: in a sanitized run, a test whose suite lacks
/// `.spawnsProcesses` fails and says so, so no suite has to be excluded by hand.
func requireProcessesAllowed() throws {
    try #require(!inProcessOnly, "this test starts processes: mark its suite @Suite(.spawnsProcesses)")
    ProcessRunGuard.install()   // this process may hold hundreds of in-process peers' sockets
}

/// One of our executables, started as a user would, with its stdin, stdout and stderr on
/// pipes read continuously by threads of their own. Ended by PID when released.
final class Spawned {
    let process: Process
    let name: String
    private let input: Pipe
    let stdout = Protected([String]())
    let stderr = Protected([String]())
    let exitStatus: Protected<Int32?>
    let wasSignalled: Protected<Bool>
    /// Output streams not yet at end of file.
    private let openStreams = Protected(2)
    /// Both stdout and stderr reached end of file (so `$(command)` would return).
    var released: Bool { openStreams.snapshot == 0 }

    init(_ executable: String, _ arguments: [String], name: String? = nil, directory: String? = nil,
         environment: [String: String] = [:]) throws {
        try requireProcessesAllowed()
        self.name = name ?? executable
        let process = Process()
        // One of ours by name, or any program by absolute path.
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "\(binFolder)/\(executable)")
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let status = Protected<Int32?>(nil), signalled = Protected(false)
        process.terminationHandler = { process in
            signalled.withLock { $0 = process.terminationReason == .uncaughtSignal }
            status.withLock(notify: true) { $0 = process.terminationStatus }
        }
        // The pipes are made inside the gate too: Foundation makes them without close-on-exec,
        // so one made while another thread spawns would leak into that child.
        let (input, output, errors) = try ProcessRunGuard.spawning { () throws -> (Pipe, Pipe, Pipe) in
            let input = Pipe(), output = Pipe(), errors = Pipe()
            process.standardInput = input
            process.standardOutput = output
            process.standardError = errors
            try process.run()
            return (input, output, errors)
        }
        self.process = process
        self.input = input
        exitStatus = status
        wasSignalled = signalled
        Spawned.collect(dup(output.fileHandleForReading.fileDescriptor), into: stdout, done: openStreams)
        Spawned.collect(dup(errors.fileHandleForReading.fileDescriptor), into: stderr, done: openStreams)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        _ = exitStatus.wait(until: .after(.seconds(10))) { $0 }
    }

    var pid: Int32 { process.processIdentifier }

    /// Reads lines from `descriptor` (a duplicate the thread owns) until end of file.
    private static func collect(_ descriptor: Int32, into lines: Protected<[String]>, done: Protected<Int>) {
        Threads.detach(name: "test-reader") {
            defer {
                close(descriptor)
                done.withLock(notify: true) { $0 -= 1 }
            }
            var pending: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while let count = try? Syscall.read(descriptor, into: &buffer), count > 0 {
                pending += buffer[..<count]
                var complete: [String] = []
                while let newline = pending.firstIndex(of: 10) {
                    complete.append(String(decoding: pending[..<newline], as: UTF8.self))
                    pending.removeSubrange(...newline)
                }
                if !complete.isEmpty { lines.withLock(notify: true) { $0 += complete } }
            }
            if !pending.isEmpty { lines.withLock(notify: true) { $0.append(String(decoding: pending, as: UTF8.self)) } }
        }
    }

    /// Types a line into the process's console.
    func type(_ line: String) throws {
        try input.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
    }

    func closeInput() throws { try input.fileHandleForWriting.close() }

    /// The first line (after `skipping` lines) containing `text`, waiting up to `seconds`.
    func line(in stream: KeyPath<Spawned, Protected<[String]>>, containing text: String, after skipping: Int = 0,
              seconds: Double = 20) -> String? {
        self[keyPath: stream].wait(until: .after(seconds: seconds)) { lines in
            lines.dropFirst(skipping).first { $0.contains(text) }
        }
    }

    /// Waits for the exit status, and for everything it printed to be read.
    func waitForExit(seconds: Double = 20) -> Int32? {
        let deadline = Deadline.after(seconds: seconds)
        let status = exitStatus.wait(until: deadline) { $0 }
        _ = openStreams.wait(until: deadline) { $0 == 0 ? true : nil }
        return status
    }

    func signal(_ number: Int32) { kill(pid, number) }

    /// The port a registry ("listening on 127.0.0.1:PORT") or a peer ("... on port PORT") logs.
    func port(seconds: Double = 20) -> UInt16? {
        guard let line = line(in: \.stderr, containing: name == "registry" ? "listening on" : "on port", seconds: seconds) else {
            return nil
        }
        let words = line.split(separator: " ")
        if let index = words.firstIndex(of: "port"), index + 1 < words.count {
            return UInt16(words[index + 1].filter(\.isNumber))
        }
        if let index = words.firstIndex(of: "on"), index + 1 < words.count, let last = words[index + 1].split(separator: ":").last {
            return UInt16(last)
        }
        return nil
    }
}

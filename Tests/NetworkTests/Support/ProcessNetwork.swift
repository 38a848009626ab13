import Foundation
import System
import Testing

/// A registry and peers as separate processes, the way a person runs them in terminals:
/// loopback, free ports, a temporary folder, every process ended by PID when released.
final class ProcessNetwork {
    let folder: TemporaryFolder
    let registry: Spawned
    let registryPort: UInt16
    private(set) var peers: [String: Spawned] = [:]

    init(registryArguments: [String] = []) throws {
        folder = try TemporaryFolder()
        registry = try Spawned("p2p-registry", ["--port", "0"] + registryArguments, name: "registry")
        registryPort = try #require(registry.port())
    }

    /// Starts a peer with `files` in its folder; waits until it has joined (or failed).
    @discardableResult
    func addPeer(_ name: String, files: [String: [UInt8]] = [:], extra: [String] = [], waitForJoin: Bool = true) throws -> Spawned {
        let directory = try folder.folder(name)
        for (file, bytes) in files { try folder.write("\(name)/\(file)", bytes) }
        let peer = try Spawned("p2p-peer", ["--name", name, "--dir", directory, "--registry", "127.0.0.1:\(registryPort)",
                                            "--query-timeout", "3"] + extra, name: name)
        peers[name] = peer
        if waitForJoin { _ = try #require(peer.port(), "peer \(name) did not join: \(peer.stderr.snapshot)") }
        return peer
    }

    /// Every process this network started, for checking none is left.
    var pids: [Int32] { [registry.pid] + peers.values.map(\.pid) }
}

/// True while a process with this PID exists (and is not a zombie).
func isAlive(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    let status = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
    return !status.contains(") Z ")
}

/// Runs a command (curl) to the end and returns its exit status and stdout.
func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: [UInt8]) {
    try requireProcessesAllowed()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardError = FileHandle.nullDevice
    // The pipe inside the gate: made beside another thread's spawn, it would leak into that child.
    let output = try ProcessRunGuard.spawning { () throws -> Pipe in
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        return output
    }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, Array(data))
}

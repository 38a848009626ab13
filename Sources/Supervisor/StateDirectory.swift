import Foundation
import Sockets
import System

/// The folder a running network keeps its state in (README, "The state dir"): `supervisor.pid`, the control
/// socket (or, when the folder's path is too long for one, `control.path` naming where it is),
/// `logs/NAME.log`, and a lock the supervisor holds for as long as it runs, which is how a
/// stale pid file from a killed supervisor is told from a live one.
public struct StateDirectory: Sendable {
    public let path: String

    public init(path: String) {
        self.path = (path as NSString).standardizingPath
    }

    /// `--state-dir`, else $P2P_STATE_DIR, else `.p2p/` under the current folder.
    public static func resolve(option: String?, environment: [String: String], currentDirectory: String) -> StateDirectory {
        let chosen = option ?? environment["P2P_STATE_DIR"] ?? ".p2p"
        let absolute = chosen.hasPrefix("/") ? chosen : currentDirectory + "/" + chosen
        return StateDirectory(path: absolute)
    }

    public var pidFile: String { path + "/supervisor.pid" }
    public var lockFile: String { path + "/lock" }
    public var logs: String { path + "/logs" }
    public var socketPointer: String { path + "/control.path" }
    public func log(_ name: String) -> String { "\(logs)/\(name).log" }

    /// `control.sock` in the folder when the path fits a Unix socket (107 bytes); otherwise a
    /// short path in /tmp derived from the folder's path, so every command finds the same one.
    public var socketPath: String {
        let inside = path + "/control.sock"
        if inside.utf8.count <= SocketAddress.maxUnixPathLength { return inside }
        var hash: UInt64 = 0xcbf29ce484222325   // FNV-1a
        for byte in path.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100000001b3 }
        return "/tmp/p2pnet-\(getuid())-\(String(hash, radix: 16)).sock"
    }

    public func create() throws {
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
    }

    /// The pid of the supervisor running on this folder, or nil. A pid file whose supervisor
    /// no longer holds the lock is stale.
    public func runningSupervisor() -> Int32? {
        guard let fd = try? Syscall.open(lockFile, O_RDONLY | O_CLOEXEC) else { return nil }
        defer { Syscall.close(fd) }
        guard flock(fd, LOCK_SH | LOCK_NB) != 0, Errno.current == .wouldBlock else { return nil }
        let text = (try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? ""
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Removes what a killed supervisor left behind (pid file, socket), if nobody holds the lock.
    public func removeStaleFiles() {
        guard runningSupervisor() == nil else { return }
        for file in [pidFile, socketPath, socketPointer] { unlink(file) }
    }
}

/// The supervisor's hold on a state folder: an exclusive lock for its lifetime, its pid file,
/// and where the control socket is.
public final class StateLock: Sendable {
    let directory: StateDirectory
    private let descriptor: Int32

    /// Takes the lock; nil when another supervisor holds it.
    public init?(_ directory: StateDirectory) throws {
        try directory.create()
        let fd = try Syscall.open(directory.lockFile, O_RDWR | O_CREAT | O_CLOEXEC, mode: 0o600)
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            Syscall.close(fd)
            return nil
        }
        self.directory = directory
        self.descriptor = fd
        unlink(directory.socketPath)   // a stale socket from a killed supervisor
        try "\(getpid())\n".write(toFile: directory.pidFile, atomically: true, encoding: .utf8)
        if directory.socketPath != directory.path + "/control.sock" {
            try (directory.socketPath + "\n").write(toFile: directory.socketPointer, atomically: true, encoding: .utf8)
        } else {
            unlink(directory.socketPointer)
        }
    }

    /// Removes the pid file and socket, then lets go of the lock.
    public func release() {
        for file in [directory.pidFile, directory.socketPath, directory.socketPointer] { unlink(file) }
        close(descriptor)
    }
}

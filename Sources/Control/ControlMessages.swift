import FoundationEssentials

// The typed messages between `p2pctl` commands and the running supervisor, one JSON object
// per line over the control socket (a Unix-domain socket, mode 0600, in the state dir).

public struct ControlRequest: Sendable, Equatable, Codable {
    public enum Command: String, Sendable, Codable {
        /// Who are you (pid, config)? Answered at once; `up` uses it to see what is running.
        case hello
        case status, topology, files, send, restart, kill, down
        /// Stream log lines as they are written (`logs -f`).
        case follow
    }

    public var command: Command
    /// The process a command is for (send, restart, kill).
    public var name: String?
    /// Several processes (files, follow); none means all.
    public var names: [String]?
    /// The words for `send`, as typed into the peer's console.
    public var line: String?
    /// Seconds: for `send` the longest wait without progress, for `down` the grace period.
    public var timeout: Double?
    /// The signal number for `kill`.
    public var signal: Int32?

    /// The seconds a timeout may be: what p2pctl takes on its command line. The decoder
    /// refuses others, so no request can ask the supervisor for a wait its clock cannot hold.
    public static let timeouts: ClosedRange<Double> = 0...86_400

    public init(_ command: Command, name: String? = nil, names: [String]? = nil, line: String? = nil,
                timeout: Double? = nil, signal: Int32? = nil) {
        self.command = command
        self.name = name
        self.names = names
        self.line = line
        self.timeout = timeout
        self.signal = signal
    }

    private enum CodingKeys: String, CodingKey { case command, name, names, line, timeout, signal }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        command = try container.decode(Command.self, forKey: .command)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        names = try container.decodeIfPresent([String].self, forKey: .names)
        line = try container.decodeIfPresent(String.self, forKey: .line)
        timeout = try container.decodeIfPresent(Double.self, forKey: .timeout)
        signal = try container.decodeIfPresent(Int32.self, forKey: .signal)
        if let timeout, !Self.timeouts.contains(timeout) {
            throw DecodingError.dataCorruptedError(forKey: .timeout, in: container, debugDescription: "seconds out of range")
        }
    }
}

/// One row of `status`.
public struct ProcessStatus: Sendable, Equatable, Codable {
    public enum Role: String, Sendable, Codable { case registry, peer }
    public enum State: String, Sendable, Codable { case starting, running, restarting, stopped, failed }

    public var name: String
    public var role: Role
    public var pid: Int32?
    public var port: UInt16?
    public var state: State
    /// Seconds since the current process started (nil when none runs).
    public var uptime: Double?
    public var restarts: Int
    public var neighbours: [String]
    /// Shared files in the peer's folder.
    public var files: Int?
    public var lastExit: String?
    /// The registry's view: the peers it has admitted and not yet forgotten (the registry only).
    public var members: [String]?

    public init(name: String, role: Role, pid: Int32?, port: UInt16?, state: State, uptime: Double?,
                restarts: Int, neighbours: [String], files: Int?, lastExit: String?, members: [String]? = nil) {
        self.name = name
        self.role = role
        self.pid = pid
        self.port = port
        self.state = state
        self.uptime = uptime
        self.restarts = restarts
        self.neighbours = neighbours
        self.files = files
        self.lastExit = lastExit
        self.members = members
    }
}

public struct PeerFiles: Sendable, Equatable, Codable {
    public var peer: String
    public var files: [SharedFile]
    public var error: String?
    public init(peer: String, files: [SharedFile], error: String? = nil) {
        self.peer = peer
        self.files = files
        self.error = error
    }
}

public struct LogLine: Sendable, Equatable, Codable {
    public var name: String
    public var line: String
    public init(name: String, line: String) { self.name = name; self.line = line }
}

public struct TransferProgress: Sendable, Equatable, Codable {
    public var bytes: UInt64
    public var total: UInt64
    public init(bytes: UInt64, total: UInt64) { self.bytes = bytes; self.total = total }

    private enum CodingKeys: String, CodingKey { case bytes, total }

    /// Refuses more bytes than the total, which no progress bar can draw.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        bytes = try container.decode(UInt64.self, forKey: .bytes)
        total = try container.decode(UInt64.self, forKey: .total)
        guard bytes <= total else {
            throw DecodingError.dataCorruptedError(forKey: .bytes, in: container, debugDescription: "more bytes than the total")
        }
    }
}

/// One line from the supervisor. `progress` and `log` lines may come before the final answer
/// of a `send` or during a `follow`; every other line is the final answer.
public struct ControlResponse: Sendable, Equatable, Codable {
    public var ok: Bool
    public var error: String?
    /// For errors: 2 when the request named something that does not exist (the README's exit code for a usage error).
    public var exitCode: Int32?
    // hello
    public var pid: Int32?
    public var config: String?
    public var configDigest: String?
    public var ready: Bool?
    // answers
    public var status: [ProcessStatus]?
    public var reply: Reply?
    public var topology: TopologyDocument?
    public var files: [PeerFiles]?
    /// What `down` had to kill after the grace period.
    public var killed: [String]?
    // streamed
    public var progress: TransferProgress?
    public var log: LogLine?
    /// The first line of a `follow`: from here on, every new line is sent.
    public var following: Bool?

    public init(ok: Bool, error: String? = nil, exitCode: Int32? = nil) {
        self.ok = ok
        self.error = error
        self.exitCode = exitCode
    }

    public static func failure(_ error: String, exitCode: Int32 = 1) -> ControlResponse {
        ControlResponse(ok: false, error: error, exitCode: exitCode)
    }

    public var isStreamed: Bool { progress != nil || log != nil || following != nil }
}

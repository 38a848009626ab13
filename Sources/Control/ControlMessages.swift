// The typed messages between `p2pctl` commands and the running supervisor, one JSON object
// per line over the control socket (a Unix-domain socket, mode 0600, in the state dir). Every
// line carries the protocol version; a line of another version is refused before its payload
// is read, and both sides say which versions met (see `JSONLines.version(of:)`).

/// What a `p2pctl` command asks the supervisor.
public enum ControlRequest: Sendable, Equatable {
    /// Who are you (pid, config)? Answered at once; `up` uses it to see what is running.
    case hello
    case status
    case topology
    /// The shared files of these peers; none means all.
    case files(peers: [String])
    /// A command for one peer, waited for while it is starting or restarting.
    case send(peer: String, command: PeerCommand, timeout: Seconds)
    case restart(name: String)
    /// A signal (by number) for one process.
    case kill(name: String, signal: Int32)
    /// Stop everything; `grace` before SIGTERM, then SIGKILL.
    case down(grace: Seconds)
    /// Stream log lines as they are written (`logs -f`); none means every process's.
    case follow(names: [String])
}

/// A number of seconds a request may wait: what p2pctl takes on its command line. The decoder
/// refuses others, so no request can ask the supervisor for a wait its clock cannot hold.
public struct Seconds: Sendable, Equatable, Codable {
    public static let range: ClosedRange<Double> = 0...86_400
    public let value: Double

    /// Clamped into `range` (p2pctl has already refused anything outside it).
    public init(_ value: Double) { self.value = min(max(value, Self.range.lowerBound), Self.range.upperBound) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let value = try container.decode(Double.self)
        guard Self.range.contains(value) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(value) seconds is out of range (0 to 86400)")
        }
        self.value = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

/// One line from the supervisor. `progress` and `log` lines (and `following`) may come before
/// the final answer of a `send` or during a `follow`; every other line is the final answer.
public enum ControlResponse: Sendable, Equatable {
    case hello(SupervisorInfo)
    case status([ProcessStatus])
    case topology(TopologyDocument)
    case files([PeerFiles])
    /// A peer's answer to `send`.
    case answer(PeerAnswer)
    /// `restart` or `kill` did what was asked.
    case done
    /// Everything has stopped; `killed` names what needed SIGTERM or SIGKILL.
    case down(killed: [String], pid: Int32)
    case failure(Failure)
    // Streamed.
    case progress(TransferProgress)
    case log(LogLine)
    /// The first line of a `follow`: from here on, every new line is sent.
    case following

    /// A request that could not be carried out: a sentence, and the exit code p2pctl takes
    /// (2 when the request named something that does not exist: the README's usage error).
    public struct Failure: Sendable, Equatable, Codable {
        public var message: String
        public var exitCode: Int32
        public init(message: String, exitCode: Int32) { self.message = message; self.exitCode = exitCode }
    }

    public static func failure(_ message: String, exitCode: Int32 = 1) -> ControlResponse {
        .failure(Failure(message: message, exitCode: exitCode))
    }

    /// The answer to a request of another protocol version, readable by both: wave 1's p2pctl
    /// reads `ok`, `error` and `exitCode` and prints the sentence; this version reads `failure`.
    public static func versionMismatchLine(_ message: String) -> String {
        struct Both: Encodable {
            var ok = false, error: String, exitCode: Int32 = 1, failure: Failure, version = ControlProtocol.version
        }
        return JSONLines.encode(Both(error: message, failure: Failure(message: message, exitCode: 1)))
    }

    public var isStreamed: Bool {
        switch self {
        case .progress, .log, .following: true
        default: false
        }
    }
}

/// The supervisor's answer to `hello`.
public struct SupervisorInfo: Sendable, Equatable, Codable {
    public var pid: Int32
    /// The config file it runs.
    public var config: String
    /// A fingerprint of the config's meaning, so `up` can tell "the same network" from another.
    public var configDigest: String
    /// Every peer has joined and linked at least once.
    public var ready: Bool
    public init(pid: Int32, config: String, configDigest: String, ready: Bool) {
        self.pid = pid
        self.config = config
        self.configDigest = configDigest
        self.ready = ready
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
    /// A peer's counters as it last reported them (peers only).
    public var counters: PeerCounters?

    public init(name: String, role: Role, pid: Int32?, port: UInt16?, state: State, uptime: Double?,
                restarts: Int, neighbours: [String], files: Int?, lastExit: String?, members: [String]? = nil,
                counters: PeerCounters? = nil) {
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
        self.counters = counters
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
    public init(bytes: UInt64, total: UInt64) { self.bytes = min(bytes, total); self.total = total }

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

// MARK: JSON

extension ControlRequest: Codable {
    private struct Send: Codable { var peer: String; var command: PeerCommand; var timeout: Seconds }
    private struct Kill: Codable { var name: String; var signal: Int32 }
    private struct Grace: Codable { var grace: Seconds }
    private static let cases = ["hello", "status", "topology", "files", "send", "restart", "kill", "down", "follow"]

    public init(from decoder: any Decoder) throws {
        let (name, container) = try decoder.enumCase(of: ControlRequest.self, known: Self.cases)
        try decoder.requireVersion(in: container)
        switch name {
        case "hello": self = .hello
        case "status": self = .status
        case "topology": self = .topology
        case "files": self = .files(peers: try container.payload([String].self, name))
        case "send":
            let send = try container.payload(Send.self, name)
            self = .send(peer: send.peer, command: send.command, timeout: send.timeout)
        case "restart": self = .restart(name: try container.payload(String.self, name))
        case "kill":
            let kill = try container.payload(Kill.self, name)
            self = .kill(name: kill.name, signal: kill.signal)
        case "down": self = .down(grace: try container.payload(Grace.self, name).grace)
        default: self = .follow(names: try container.payload([String].self, name))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .hello: try encoder.encodeCase("hello", Empty(), version: true)
        case .status: try encoder.encodeCase("status", Empty(), version: true)
        case .topology: try encoder.encodeCase("topology", Empty(), version: true)
        case .files(let peers): try encoder.encodeCase("files", peers, version: true)
        case .send(let peer, let command, let timeout):
            try encoder.encodeCase("send", Send(peer: peer, command: command, timeout: timeout), version: true)
        case .restart(let name): try encoder.encodeCase("restart", name, version: true)
        case .kill(let name, let signal): try encoder.encodeCase("kill", Kill(name: name, signal: signal), version: true)
        case .down(let grace): try encoder.encodeCase("down", Grace(grace: grace), version: true)
        case .follow(let names): try encoder.encodeCase("follow", names, version: true)
        }
    }
}

extension ControlResponse: Codable {
    private struct Down: Codable { var killed: [String]; var pid: Int32 }
    private static let cases = ["hello", "status", "topology", "files", "answer", "done", "down", "failure",
                                "progress", "log", "following"]

    public init(from decoder: any Decoder) throws {
        let (name, container) = try decoder.enumCase(of: ControlResponse.self, known: Self.cases)
        try decoder.requireVersion(in: container)
        switch name {
        case "hello": self = .hello(try container.payload(SupervisorInfo.self, name))
        case "status": self = .status(try container.payload([ProcessStatus].self, name))
        case "topology": self = .topology(try container.payload(TopologyDocument.self, name))
        case "files": self = .files(try container.payload([PeerFiles].self, name))
        case "answer": self = .answer(try container.payload(PeerAnswer.self, name))
        case "done": self = .done
        case "down":
            let down = try container.payload(Down.self, name)
            self = .down(killed: down.killed, pid: down.pid)
        case "failure": self = .failure(try container.payload(Failure.self, name))
        case "progress": self = .progress(try container.payload(TransferProgress.self, name))
        case "log": self = .log(try container.payload(LogLine.self, name))
        default: self = .following
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .hello(let info): try encoder.encodeCase("hello", info, version: true)
        case .status(let rows): try encoder.encodeCase("status", rows, version: true)
        case .topology(let document): try encoder.encodeCase("topology", document, version: true)
        case .files(let lists): try encoder.encodeCase("files", lists, version: true)
        case .answer(let answer): try encoder.encodeCase("answer", answer, version: true)
        case .done: try encoder.encodeCase("done", Empty(), version: true)
        case .down(let killed, let pid): try encoder.encodeCase("down", Down(killed: killed, pid: pid), version: true)
        case .failure(let failure): try encoder.encodeCase("failure", failure, version: true)
        case .progress(let step): try encoder.encodeCase("progress", step, version: true)
        case .log(let line): try encoder.encodeCase("log", line, version: true)
        case .following: try encoder.encodeCase("following", Empty(), version: true)
        }
    }
}

import FoundationEssentials

// The typed messages between the supervisor and the registry and peers it runs: one JSON object
// per line, on the child's stdin (requests) and stdout (replies and events). The child's stderr
// stays its human log.

/// What the supervisor asks a child to do.
public enum ChildCommand: Sendable, Equatable {
    /// A line exactly as a person would type it into the peer's console.
    case line(String)
    /// The shared files with their sizes and SHA-256s.
    case files
}

public struct ChildRequest: Sendable, Equatable, Codable {
    public var id: Int
    public var command: ChildCommand

    public init(id: Int, command: ChildCommand) {
        self.id = id
        self.command = command
    }

    private enum Keys: String, CodingKey { case id, line, files }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        id = try container.decode(Int.self, forKey: .id)
        if let line = try container.decodeIfPresent(String.self, forKey: .line) {
            command = .line(line)
        } else if try container.decodeIfPresent(Bool.self, forKey: .files) == true {
            command = .files
        } else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "a request needs \"line\" or \"files\""))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(id, forKey: .id)
        switch command {
        case .line(let line): try container.encode(line, forKey: .line)
        case .files: try container.encode(true, forKey: .files)
        }
    }
}

public struct TopologyNode: Sendable, Equatable, Codable {
    public var name: String
    public var port: UInt16
    public init(name: String, port: UInt16) { self.name = name; self.port = port }
}

public struct SharedFile: Sendable, Equatable, Codable {
    public var name: String
    public var size: UInt64
    public var sha256: String
    public init(name: String, size: UInt64, sha256: String) { self.name = name; self.size = size; self.sha256 = sha256 }
}

/// A child's answer to one request. Flat, so `p2pctl send --json` can print it as it is: the
/// download fields, the topology fields or the files, as the request called for (README, `send --json`).
public struct Reply: Sendable, Equatable, Codable {
    public var ok: Bool
    /// A sentence when `ok` is false.
    public var error: String?
    /// What the console would have printed.
    public var text: String?
    // A download.
    public var peer: String?
    public var file: String?
    public var bytes: UInt64?
    public var sha256: String?
    public var source: String?
    public var hops: Int?
    public var path: String?
    public var ms: Int?
    // TOPO.
    public var nodes: [TopologyNode]?
    public var edges: [[String]]?
    public var halfLinks: [[String]]?
    // Files.
    public var files: [SharedFile]?

    public init(ok: Bool, error: String? = nil, text: String? = nil) {
        self.ok = ok
        self.error = error
        self.text = text
    }
}

/// Everything a child writes on stdout.
public enum ChildMessage: Sendable, Equatable {
    /// Started: the registry listens, or the peer has joined and tried every referral.
    case ready(port: UInt16)
    /// The peer's neighbours changed.
    case neighbours([String])
    /// A download under request `id` has `bytes` of `total`.
    case progress(id: Int, bytes: UInt64, total: UInt64)
    /// The answer to request `id`.
    case reply(id: Int, Reply)
    /// The registry admitted a peer, or forgot one: its view of the network, change by change.
    case memberJoined(String)
    case memberLeft(String)
}

extension ChildMessage: Codable {
    private enum Keys: String, CodingKey { case event, port, names, name, id, bytes, total, reply }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        switch try container.decodeIfPresent(String.self, forKey: .event) {
        case "ready": self = .ready(port: try container.decode(UInt16.self, forKey: .port))
        case "neighbours": self = .neighbours(try container.decode([String].self, forKey: .names))
        case "progress":
            let bytes = try container.decode(UInt64.self, forKey: .bytes), total = try container.decode(UInt64.self, forKey: .total)
            guard bytes <= total else {
                throw DecodingError.dataCorruptedError(forKey: .bytes, in: container, debugDescription: "more bytes than the total")
            }
            self = .progress(id: try container.decode(Int.self, forKey: .id), bytes: bytes, total: total)
        case "joined": self = .memberJoined(try container.decode(String.self, forKey: .name))
        case "left": self = .memberLeft(try container.decode(String.self, forKey: .name))
        case nil: self = .reply(id: try container.decode(Int.self, forKey: .id), try container.decode(Reply.self, forKey: .reply))
        case let other?:
            throw DecodingError.dataCorruptedError(forKey: .event, in: container, debugDescription: "unknown event \(other)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        switch self {
        case .ready(let port):
            try container.encode("ready", forKey: .event)
            try container.encode(port, forKey: .port)
        case .neighbours(let names):
            try container.encode("neighbours", forKey: .event)
            try container.encode(names, forKey: .names)
        case .progress(let id, let bytes, let total):
            try container.encode("progress", forKey: .event)
            try container.encode(id, forKey: .id)
            try container.encode(bytes, forKey: .bytes)
            try container.encode(total, forKey: .total)
        case .reply(let id, let reply):
            try container.encode(id, forKey: .id)
            try container.encode(reply, forKey: .reply)
        case .memberJoined(let name), .memberLeft(let name):
            try container.encode(self == .memberJoined(name) ? "joined" : "left", forKey: .event)
            try container.encode(name, forKey: .name)
        }
    }
}

/// One JSON object per line: sorted keys (stable output), no newline inside.
public enum JSONLines {
    public static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from line: some StringProtocol) throws -> T {
        try JSONDecoder().decode(type, from: Data(line.utf8))
    }
}

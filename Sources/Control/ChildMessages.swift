// The typed messages between the supervisor and the registry and peers it runs: one JSON object
// per line, on the child's stdin (requests) and stdout (answers and events). The child's stderr
// stays its human log.

/// A command for a peer under request `id`, whose answer comes back with the same id.
public struct ChildRequest: Sendable, Equatable, Codable {
    public var id: Int
    public var command: PeerCommand

    public init(id: Int, command: PeerCommand) {
        self.id = id
        self.command = command
    }
}

/// Everything a child writes on stdout.
public enum ChildMessage: Sendable, Equatable {
    /// Started: the registry listens, or the peer has joined and tried every referral. The
    /// child's protocol version comes with it, so a supervisor never drives a child of
    /// another build unawares.
    case ready(port: UInt16, version: Int)
    /// The peer's neighbours changed.
    case neighbours([String])
    /// A download under request `id` has `bytes` of `total`.
    case progress(id: Int, TransferProgress)
    /// The answer to request `id`.
    case answer(id: Int, PeerAnswer)
    /// The peer's counters changed (sent with a heartbeat, every 2 s at most).
    case counters(PeerCounters)
    /// The registry admitted a peer, or forgot one: its view of the network, change by change.
    case memberJoined(String)
    case memberLeft(String)

    public static func ready(port: UInt16) -> ChildMessage { .ready(port: port, version: ControlProtocol.version) }
}

extension ChildMessage: Codable {
    private struct Ready: Codable { var port: UInt16; var version: Int? }
    private struct Progress: Codable { var id: Int; var progress: TransferProgress }
    private struct Answer: Codable { var id: Int; var answer: PeerAnswer }
    private static let cases = ["ready", "neighbours", "progress", "answer", "counters", "joined", "left"]

    public init(from decoder: any Decoder) throws {
        let (name, container) = try decoder.enumCase(of: ChildMessage.self, known: Self.cases)
        switch name {
        case "ready":
            // Read without its version (wave 1 sent none), so the supervisor can say which it was.
            let ready = try container.payload(Ready.self, name)
            self = .ready(port: ready.port, version: ready.version ?? 1)
        case "neighbours": self = .neighbours(try container.payload([String].self, name))
        case "progress":
            let progress = try container.payload(Progress.self, name)
            self = .progress(id: progress.id, progress.progress)
        case "answer":
            let answer = try container.payload(Answer.self, name)
            self = .answer(id: answer.id, answer.answer)
        case "counters": self = .counters(try container.payload(PeerCounters.self, name))
        case "joined": self = .memberJoined(try container.payload(String.self, name))
        default: self = .memberLeft(try container.payload(String.self, name))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .ready(let port, let version): try encoder.encodeCase("ready", Ready(port: port, version: version))
        case .neighbours(let names): try encoder.encodeCase("neighbours", names)
        case .progress(let id, let progress): try encoder.encodeCase("progress", Progress(id: id, progress: progress))
        case .answer(let id, let answer): try encoder.encodeCase("answer", Answer(id: id, answer: answer))
        case .counters(let counters): try encoder.encodeCase("counters", counters)
        case .memberJoined(let name): try encoder.encodeCase("joined", name)
        case .memberLeft(let name): try encoder.encodeCase("left", name)
        }
    }
}

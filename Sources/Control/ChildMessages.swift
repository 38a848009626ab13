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

extension ChildMessage {
    /// The message as one JSON line, as `JSONLines.encode` writes it. The ones every child
    /// sends as it starts (ready, neighbours, counters, the registry's joins) are written by
    /// hand: JSONEncoder's first use in a process instantiates its generic machinery, which
    /// was a tenth of a starting peer's CPU, paid again by each of a thousand peers.
    public var line: String {
        switch self {
        case .ready(let port, let version):
            return "{\"ready\":{\"port\":\(port),\"version\":\(version)}}"
        case .neighbours(let names):
            return "{\"neighbours\":[" + names.map(JSONText.quoted).joined(separator: ",") + "]}"
        case .counters(let c):
            return "{\"counters\":{\"bytesDownloaded\":\(c.bytesDownloaded),\"bytesServed\":\(c.bytesServed),"
                + "\"httpRefused\":\(c.httpRefused),\"httpRequests\":\(c.httpRequests),"
                + "\"queriesStarted\":\(c.queriesStarted),\"queryMessagesReceived\":\(c.queryMessagesReceived),"
                + "\"queryMessagesSent\":\(c.queryMessagesSent)}}"
        case .memberJoined(let name): return "{\"joined\":\(JSONText.quoted(name))}"
        case .memberLeft(let name): return "{\"left\":\(JSONText.quoted(name))}"
        case .progress, .answer: return JSONLines.encode(self)
        }
    }
}

/// JSON text written by hand, the way JSONEncoder writes it.
public enum JSONText {
    /// `text` as a JSON string: quotes, backslashes and control characters escaped.
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

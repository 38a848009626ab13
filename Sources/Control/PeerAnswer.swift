/// What a peer answers to a `PeerCommand`: typed, so the supervisor relays it as it is and
/// each edge (the peer's terminal, p2pctl) renders it, with `text` or as JSON.
public enum PeerAnswer: Sendable, Equatable {
    case download(DownloadReport)
    case topology(TopologyDocument)
    case files([SharedFile])
    case help
    /// The peer is saying bye and exiting.
    case stopping
    /// An empty line: nothing to do.
    case nothing
    /// The peer could not take the command (busy, a line over the cap); a sentence.
    case refused(String)

    public var ok: Bool {
        switch self {
        case .download(let report): report.ok
        case .refused: false
        default: true
        }
    }

    public var error: String? {
        switch self {
        case .download(let report): report.error
        case .refused(let reason): reason
        default: nil
        }
    }

    /// What a person reads: the console's answer, and `p2pctl send` without `--json`.
    public var text: String {
        switch self {
        case .download(let report): report.text
        case .topology(let document): "topology: " + document.text
        case .files(let files):
            files.isEmpty ? "no shared files"
                : files.map { "  \($0.name.padded(to: 24)) \($0.size) bytes" }.joined(separator: "\n")
        case .help: PeerCommand.helpText
        case .stopping: "stopping"
        case .nothing: ""
        case .refused(let reason): reason
        }
    }
}

/// What a download ended with: the fields of `p2pctl send --json` (see README).
public struct DownloadReport: Sendable, Equatable, Codable {
    public var ok: Bool
    public var peer: String
    /// The full file name (the request may have named only its stem).
    public var file: String
    public var bytes: UInt64
    public var sha256: String
    /// The holder's name, or "local" when this peer already had the file.
    public var source: String
    public var hops: Int
    /// Where the file now lies.
    public var path: String
    public var ms: Int
    /// A sentence when `ok` is false.
    public var error: String?
    /// How it was looked for, and the milliseconds until the first hit came back (absent when
    /// nothing was searched: the file was here, or not a file name).
    public var search: SearchStrategy?
    public var firstHitMs: Double?

    public init(ok: Bool, peer: String, file: String, bytes: UInt64 = 0, sha256: String = "", source: String = "",
                hops: Int = 0, path: String = "", ms: Int = 0, error: String? = nil) {
        self.ok = ok
        self.peer = peer
        self.file = file
        self.bytes = bytes
        self.sha256 = sha256
        self.source = source
        self.hops = hops
        self.path = path
        self.ms = ms
        self.error = error
    }

    /// True when nothing was fetched because the file was already here.
    public var alreadyHad: Bool { ok && source == "local" }

    public var text: String {
        if alreadyHad { return "\(file) is already here: \(path)" }
        guard ok else { return error ?? "download of \(file) failed" }
        return "downloaded \(file) (\(bytes) bytes) from \(source), \(hops) hop\(hops == 1 ? "" : "s"), in \(ms) ms -> \(path)"
    }
}

public struct SharedFile: Sendable, Equatable, Codable {
    public var name: String
    public var size: UInt64
    public var sha256: String
    public init(name: String, size: UInt64, sha256: String) { self.name = name; self.size = size; self.sha256 = sha256 }
}

extension PeerAnswer: Codable {
    private static let cases = ["download", "topology", "files", "help", "stopping", "nothing", "refused"]

    public init(from decoder: any Decoder) throws {
        let (name, container) = try decoder.enumCase(of: PeerAnswer.self, known: Self.cases)
        switch name {
        case "download": self = .download(try container.payload(DownloadReport.self, name))
        case "topology": self = .topology(try container.payload(TopologyDocument.self, name))
        case "files": self = .files(try container.payload([SharedFile].self, name))
        case "help": self = .help
        case "stopping": self = .stopping
        case "nothing": self = .nothing
        default: self = .refused(try container.payload(String.self, name))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .download(let report): try encoder.encodeCase("download", report)
        case .topology(let document): try encoder.encodeCase("topology", document)
        case .files(let files): try encoder.encodeCase("files", files)
        case .help: try encoder.encodeCase("help", Empty())
        case .stopping: try encoder.encodeCase("stopping", Empty())
        case .nothing: try encoder.encodeCase("nothing", Empty())
        case .refused(let reason): try encoder.encodeCase("refused", reason)
        }
    }
}

extension String {
    func padded(to width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}

import Wire

/// What a peer is asked to do: the words typed into its console, or given to
/// `p2pctl send PEER WORDS`, parsed once by `init(words:)`. The supervisor forwards the typed
/// command to the peer; nothing parses the words again.
public enum PeerCommand: Sendable, Equatable {
    case download(DownloadRequest)
    case topology
    /// The shared files, with their sizes and SHA-256s (`ls`, and `p2pctl files`).
    case list
    case help
    case stop
    /// An empty line.
    case nothing

    /// Command words match ignoring case; anything else is a file name to download (as in the
    /// origin); `get NAME` fetches a file whose name is also a command word.
    public init(words line: String) {
        let trimmed = line.trimmingSpaces
        switch trimmed.lowercased() {
        case "": self = .nothing
        case "topo": self = .topology
        case "stop": self = .stop
        case "help", "?": self = .help
        case "ls": self = .list
        case let lowered:
            if lowered.hasPrefix("get "), let space = trimmed.firstIndex(of: " ") {
                self = .download(DownloadRequest(name: String(trimmed[trimmed.index(after: space)...]).trimmingSpaces))
            } else {
                self = .download(DownloadRequest(name: trimmed))
            }
        }
    }

    public static let helpText = """
        commands (case does not matter):
          NAME        download NAME into Downloads/ (f1 finds f1.txt)
          get NAME    the same, for a file whose name is also a command word
          TOPO        print the whole overlay, found by a crawl
          ls          list the files this peer shares
          help        this text
          Stop        say bye to the neighbours and the registry, and exit
        """
}

/// A download: the file's full name or its stem (`f1` finds `f1.txt`). The options later
/// issues add (search strategy, sources) are fields here, not words to parse.
public struct DownloadRequest: Sendable, Equatable, Codable {
    public var name: String
    /// How to look for it; nil: the peer's own default (`--search`, `network.search`).
    public var search: SearchStrategy?
    public init(name: String, search: SearchStrategy? = nil) { self.name = name; self.search = search }
}

/// How a peer looks for a file (README, "Search").
public enum SearchStrategy: String, Sendable, Equatable, Codable, CaseIterable {
    /// Every neighbour, and theirs, up to the TTL; each peer forwards a query id once.
    case flood
    /// Floods of TTL 1, 2, 3, ... until a hit or the TTL: each wider ring a new query id.
    case ring
    /// Random walkers that check back with the requester, then a flood if they found nothing.
    case walk

    /// What `network.search` and `--search` default to: it meets the scale targets (README).
    public static let standard = SearchStrategy.walk
}

extension PeerCommand: Codable {
    private static let cases = ["download", "topology", "list", "help", "stop", "nothing"]

    public init(from decoder: any Decoder) throws {
        let (name, container) = try decoder.enumCase(of: PeerCommand.self, known: Self.cases)
        switch name {
        case "download": self = .download(try container.payload(DownloadRequest.self, name))
        case "topology": self = .topology
        case "list": self = .list
        case "help": self = .help
        case "stop": self = .stop
        default: self = .nothing
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .download(let request): try encoder.encodeCase("download", request)
        case .topology: try encoder.encodeCase("topology", Empty())
        case .list: try encoder.encodeCase("list", Empty())
        case .help: try encoder.encodeCase("help", Empty())
        case .stop: try encoder.encodeCase("stop", Empty())
        case .nothing: try encoder.encodeCase("nothing", Empty())
        }
    }
}

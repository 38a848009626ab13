import NodeRuntime
import Wire

/// What a line typed into a peer's console means. Command words match ignoring case; anything
/// else is a file name to download (as in the origin); `get NAME` fetches a file whose name is
/// also a command word.
public enum ConsoleCommand: Equatable, Sendable {
    case topology, stop, help, list, nothing
    case get(String)

    public init(line: String) {
        let trimmed = line.trimmingSpaces
        let lowered = trimmed.lowercased()
        switch lowered {
        case "": self = .nothing
        case "topo": self = .topology
        case "stop": self = .stop
        case "help", "?": self = .help
        case "ls": self = .list
        default:
            if lowered.hasPrefix("get "), let space = trimmed.firstIndex(of: " ") {
                self = .get(String(trimmed[trimmed.index(after: space)...]).trimmingSpaces)
            } else {
                self = .get(trimmed)
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

extension String {
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}

extension PeerNode {
    /// Runs one console command and returns its answer (the text for stdout), or nil for Stop.
    public func answer(_ command: ConsoleCommand) -> String? {
        switch command {
        case .nothing: return ""
        case .help: return ConsoleCommand.helpText
        case .stop: return nil
        case .topology: return crawl().text
        case .list:
            let files = store.shared()
            if files.isEmpty { return "no shared files in \(store.root)" }
            return files.map { "  \($0.name.padding(to: 24)) \($0.size) bytes" }.joined(separator: "\n")
        case .get(let query):
            let result = download(query)
            if result.alreadyHad { return "\(result.file) is already here: \(result.path)" }
            if result.ok {
                return "downloaded \(result.file) (\(result.bytes) bytes) from \(result.source), \(result.hops) hop\(result.hops == 1 ? "" : "s"), in \(result.ms) ms -> \(result.path)"
            }
            return result.error ?? "failed"
        }
    }
}

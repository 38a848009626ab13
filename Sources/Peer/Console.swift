import Control
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
    /// Runs one console command. The reply's `text` is what the console prints; its other
    /// fields are what `p2pctl send --json` shows. Stop is the caller's to carry out.
    public func reply(to command: ConsoleCommand,
                      progress: (UInt64, UInt64) -> Void = { _, _ in }) -> Reply {
        switch command {
        case .nothing: return Reply(ok: true, text: "")
        case .help: return Reply(ok: true, text: ConsoleCommand.helpText)
        case .stop: return Reply(ok: true, text: "stopping")
        case .topology:
            let topology = crawl()
            let document = topology.document
            var reply = Reply(ok: true, text: topology.text)
            reply.nodes = document.nodes
            reply.edges = document.edges
            reply.halfLinks = document.halfLinks
            return reply
        case .list:
            var reply = sharedFiles()
            reply.text = reply.files!.isEmpty ? "no shared files in \(store.root)"
                : reply.files!.map { "  \($0.name.padding(to: 24)) \($0.size) bytes" }.joined(separator: "\n")
            return reply
        case .get(let query):
            let result = download(query, progress: progress)
            var reply = Reply(ok: result.ok, error: result.error)
            reply.peer = result.peer
            reply.file = result.file
            reply.bytes = result.bytes
            reply.sha256 = result.sha256
            reply.source = result.source
            reply.hops = result.hops
            reply.path = result.path
            reply.ms = result.ms
            if result.alreadyHad {
                reply.text = "\(result.file) is already here: \(result.path)"
            } else if result.ok {
                let hops = "\(result.hops) hop\(result.hops == 1 ? "" : "s")"
                reply.text = "downloaded \(result.file) (\(result.bytes) bytes) from \(result.source), \(hops), in \(result.ms) ms -> \(result.path)"
            } else {
                reply.text = result.error
            }
            return reply
        }
    }

    /// The shared files with sizes and SHA-256s.
    public func sharedFiles() -> Reply {
        var reply = Reply(ok: true)
        reply.files = store.shared().map { entry in
            SharedFile(name: entry.name, size: entry.size, sha256: (try? store.digest(of: entry).hex) ?? "")
        }
        return reply
    }
}

public struct TopologyNode: Sendable, Equatable, Codable {
    public var name: String
    public var port: UInt16
    public init(name: String, port: UInt16) { self.name = name; self.port = port }
}

/// The overlay as nodes and links: what `topo --format json` prints and what a peer's TOPO
/// answers. Built from each peer's own neighbour list, so a link only one end reports shows.
public struct TopologyDocument: Sendable, Equatable, Codable {
    public var nodes: [TopologyNode]
    /// Links both ends report, each once, as [a, b] with a < b.
    public var edges: [[String]]
    /// Links only `from` reports, as [from, to].
    public var halfLinks: [[String]]
    /// From a peer's crawl: peers named as neighbours that did not answer it.
    public var unreachable: [String]?

    /// From each peer's port and neighbour list.
    public init(peers: [String: (port: UInt16, neighbours: [String])]) {
        nodes = peers.map { TopologyNode(name: $0.key, port: $0.value.port) }.sorted { $0.name < $1.name }
        var edges: [[String]] = []
        var halfLinks: [[String]] = []
        for (name, entry) in peers {
            for other in Set(entry.neighbours) {
                let mutual = peers[other]?.neighbours.contains(name) ?? false
                if mutual && name < other { edges.append([name, other]) }
                if !mutual { halfLinks.append([name, other]) }
            }
        }
        self.edges = edges.sorted { $0.lexicographicallyPrecedes($1) }
        self.halfLinks = halfLinks.sorted { $0.lexicographicallyPrecedes($1) }
    }

    public init(nodes: [TopologyNode], edges: [[String]], halfLinks: [[String]], unreachable: [String]? = nil) {
        self.nodes = nodes
        self.edges = edges
        self.halfLinks = halfLinks
        self.unreachable = unreachable
    }

    private enum CodingKeys: String, CodingKey { case nodes, edges, halfLinks, unreachable }

    /// Refuses a link that is not a pair of names: `text` and `dot` read both ends.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        nodes = try container.decode([TopologyNode].self, forKey: .nodes)
        edges = try container.decode([[String]].self, forKey: .edges)
        halfLinks = try container.decode([[String]].self, forKey: .halfLinks)
        unreachable = try container.decodeIfPresent([String].self, forKey: .unreachable)
        for (key, links) in [(CodingKeys.edges, edges), (.halfLinks, halfLinks)] where links.contains(where: { $0.count != 2 }) {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "a link is a pair of names")
        }
    }

    /// The neighbours of `name` by the links found (both kinds).
    public func neighbours(of name: String) -> [String] {
        let linked = edges.compactMap { $0[0] == name ? $0[1] : $0[1] == name ? $0[0] : nil }
        let half = halfLinks.compactMap { $0[0] == name ? $0[1] : nil }
        return (linked + half).sorted()
    }

    /// For a person: one line per peer with its port and neighbours, then the counts.
    public var text: String {
        let width = max(nodes.map(\.name.count).max() ?? 0, 4)
        var lines = ["\(nodes.count) peer\(nodes.count == 1 ? "" : "s"), \(edges.count) link\(edges.count == 1 ? "" : "s")"]
        for node in nodes {
            let name = node.name + String(repeating: " ", count: width - node.name.count)
            let neighbours = neighbours(of: node.name)
            lines.append("  \(name)  :\(node.port)  -- \(neighbours.isEmpty ? "(no links)" : neighbours.joined(separator: ", "))")
        }
        for half in halfLinks { lines.append("  half link: \(half[0]) -> \(half[1]) (only \(half[0]) reports it)") }
        if let unreachable, !unreachable.isEmpty { lines.append("  did not answer: \(unreachable.joined(separator: ", "))") }
        return lines.joined(separator: "\n")
    }

    /// Graphviz: an undirected graph, half links dashed.
    public var dot: String {
        func quoted(_ text: String) -> String { "\"" + text.replacingAll("\"", with: "\\\"") + "\"" }
        var lines = ["graph p2pnet {", "  node [shape=box, style=rounded];"]
        for node in nodes { lines.append("  \(quoted(node.name)) [label=\(quoted("\(node.name)\\n:\(node.port)"))];") }
        for edge in edges { lines.append("  \(quoted(edge[0])) -- \(quoted(edge[1]));") }
        for half in halfLinks { lines.append("  \(quoted(half[0])) -- \(quoted(half[1])) [style=dashed];") }
        lines.append("}")
        return lines.joined(separator: "\n")
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self { if character == target { result += replacement } else { result.append(character) } }
        return result
    }
}

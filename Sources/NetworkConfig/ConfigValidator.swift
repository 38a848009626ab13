import Control
import Admission
import Foundation

/// Walks a decoded config, builds the `NetworkConfig`, and collects every problem on the way
/// instead of stopping at the first: a user fixing a file wants the whole list at once.
///
/// A value with a problem is replaced by its default so the walk can go on; the loader then
/// refuses the config because `problems` is not empty, so a default never hides a mistake.
struct ConfigValidator {
    /// The config file's folder, against which relative paths resolve.
    let folder: String
    private(set) var problems: [ConfigProblem] = []

    init(folder: String) { self.folder = folder }

    static let rootKeys = ["registry", "network", "peers"]
    static let registryKeys = ["host", "port", "maxPeers", "flag", "referral", "peerPorts", "secretFile"]
    static let networkKeys = ["ttl", "neighbours", "maxLinks", "queryTimeout", "search"]
    static let peerKeys = ["name", "dir", "restart", "shareDownloads"]
    /// Where each known key lives, to point at the right section when one is misplaced.
    static let sections: [(name: String, keys: [String])] = [
        ("the top level", rootKeys), ("\"registry\"", registryKeys), ("\"network\"", networkKeys),
        ("each entry of \"peers\"", peerKeys),
    ]

    static let portRange = 0...65535
    static let maxPeersRange = 1...100_000
    static let ttlRange = 1...16
    static let neighboursRange = 1...64
    static let maxLinksRange = 1...256
    static let maxQueryTimeout = 600.0

    mutating func report(_ path: String, _ message: String) {
        problems.append(ConfigProblem(path: path, message: message))
    }

    func hasProblem(at path: String) -> Bool { problems.contains { $0.path == path } }

    /// The config, or nil when a part needed to build it is missing (problems say why).
    mutating func validate(_ root: JSONValue, source: String) -> NetworkConfig? {
        guard case .object(let top) = root else {
            report("", "expected a JSON object at the top level, got \(root.summary)")
            return nil
        }
        reportUnknownKeys(top, at: "", known: Self.rootKeys)
        let registry = readRegistry(top["registry"])
        let network = readNetwork(top["network"])
        let peers = readPeers(top["peers"])
        if case .array(let entries)? = top["peers"] {
            checkCounts(registry, peerCount: entries.count)
        }
        guard let peers else { return nil }
        return NetworkConfig(registry: registry, network: network, peers: peers, source: source)
    }

    // MARK: Sections

    private mutating func readRegistry(_ value: JSONValue?) -> NetworkConfig.Registry {
        var registry = NetworkConfig.Registry()
        let path = "registry"
        guard let members = object(value, at: path, keys: Self.registryKeys, nullIsAbsent: true) else { return registry }
        if let host = read(members, "host", in: path, Parse.host) { registry.host = host }
        if let port = read(members, "port", in: path, Parse.whole(Self.portRange)) { registry.port = UInt16(port) }
        if let maxPeers = read(members, "maxPeers", in: path, Parse.whole(Self.maxPeersRange)) { registry.maxPeers = maxPeers }
        if let flag = read(members, "flag", in: path, Parse.flag) { registry.flag = flag }
        if let referral = read(members, "referral", in: path, Parse.choice(NetworkConfig.Registry.referralPolicies)) {
            registry.referral = referral
        }
        registry.peerPorts = readPortRange(members["peerPorts"], at: ConfigPath.key(path, "peerPorts"))
        if let secret = read(members, "secretFile", in: path, Parse.string) {
            let file = ConfigLoader.absolute(secret, from: folder)
            registry.secretFile = file
            // Read now, so a missing, short or world-readable secret stops `up` before anything starts.
            do { _ = try SharedSecret.load(file: file) } catch { report(ConfigPath.key(path, "secretFile"), error.description) }
        }
        return registry
    }

    private mutating func readNetwork(_ value: JSONValue?) -> NetworkConfig.Network {
        var network = NetworkConfig.Network()
        let path = "network"
        guard let members = object(value, at: path, keys: Self.networkKeys, nullIsAbsent: true) else { return network }
        if let ttl = read(members, "ttl", in: path, Parse.whole(Self.ttlRange)) { network.ttl = ttl }
        if let neighbours = read(members, "neighbours", in: path, Parse.whole(Self.neighboursRange)) {
            network.neighbours = neighbours
        }
        if let maxLinks = read(members, "maxLinks", in: path, Parse.whole(Self.maxLinksRange)) {
            if maxLinks < network.neighbours {
                report("\(path).maxLinks", "\(maxLinks) is fewer than network.neighbours (\(network.neighbours)): a peer could not keep its minimum")
            } else {
                network.maxLinks = maxLinks
            }
        } else {
            network.maxLinks = max(network.maxLinks, network.neighbours)
        }
        if let timeout = read(members, "queryTimeout", in: path, Parse.seconds(upTo: Self.maxQueryTimeout)) {
            network.queryTimeout = timeout
        }
        if let search = read(members, "search", in: path, Parse.choice(SearchStrategy.allCases.map(\.rawValue))) {
            network.search = SearchStrategy(rawValue: search) ?? .standard
        }
        return network
    }

    /// The peers, or nil when any entry lacks a usable name or folder.
    private mutating func readPeers(_ value: JSONValue?) -> [NetworkConfig.Peer]? {
        guard let value else {
            report("peers", "missing (required): the list of peers, such as [{\"name\": \"s1\", \"dir\": \"../Peers/s1\"}]")
            return nil
        }
        guard case .array(let entries) = value else {
            report("peers", "expected an array of peers, got \(value.summary)")
            return nil
        }
        if entries.isEmpty { report("peers", "the network needs at least one peer") }
        var peers: [NetworkConfig.Peer] = []
        var complete = true
        var names: [Int: String] = [:]                 // entry index -> its valid name
        var nameOwners: [String: Int] = [:]            // lowercased name -> first entry with it
        var folderOwners: [String: Int] = [:]          // resolved folder -> first entry with it
        func label(_ index: Int) -> String {
            names[index].map { "peers[\(index)] (\(JSONValue.quoted($0)))" } ?? "peers[\(index)]"
        }
        for (index, entry) in entries.enumerated() {
            let path = ConfigPath.index("peers", index)
            guard let members = object(entry, at: path, keys: Self.peerKeys, nullIsAbsent: false) else {
                complete = false
                continue
            }
            let name = read(members, "name", in: path, required: true, Parse.peerName)
            if let name {
                names[index] = name
                if let first = nameOwners[name.lowercased()] {
                    // Names ignore case, as in the origin: `s1` and `S1` would be one peer.
                    let same = names[first] == name ? "is already the name of \(label(first))"
                        : "is the same name as \(label(first)), names ignore case"
                    report(ConfigPath.key(path, "name"), "\(JSONValue.quoted(name)) \(same)")
                } else {
                    nameOwners[name.lowercased()] = index
                }
            }
            var dir: String?
            if let written = read(members, "dir", in: path, required: true, Parse.string) {
                dir = existingFolder(written, at: ConfigPath.key(path, "dir"))
            }
            if let folder = dir {
                if let first = folderOwners[folder] {
                    // Two peers in one folder would share Downloads/ and clean each other's
                    // partial downloads at start.
                    report(ConfigPath.key(path, "dir"), "\(folder) is also the folder of \(label(first)); each peer needs its own")
                } else {
                    folderOwners[folder] = index
                }
            }
            let restart = read(members, "restart", in: path, Parse.choice(NetworkConfig.RestartPolicy.allCases.map(\.rawValue)))
                .flatMap(NetworkConfig.RestartPolicy.init(rawValue:)) ?? .onFailure
            let share = read(members, "shareDownloads", in: path, Parse.bool) ?? false
            if let name, let dir {
                peers.append(NetworkConfig.Peer(name: name, dir: dir, restart: restart, shareDownloads: share))
            } else {
                complete = false
            }
        }
        return complete ? peers : nil
    }

    /// Checks that relate two sections; skipped when a value involved was already reported.
    private mutating func checkCounts(_ registry: NetworkConfig.Registry, peerCount: Int) {
        if !hasProblem(at: "registry.maxPeers"), peerCount > registry.maxPeers {
            report("peers", "\(peerCount) peers, more than registry.maxPeers (\(registry.maxPeers))")
        }
        guard let range = registry.peerPorts else { return }
        let shown = "\(range.lowerBound)…\(range.upperBound)"
        if range.count < peerCount {
            report("registry.peerPorts", "\(shown) holds \(range.count) port\(range.count == 1 ? "" : "s"), fewer than the \(peerCount) peers")
        }
        if registry.port != 0, !hasProblem(at: "registry.port"), range.contains(registry.port) {
            report("registry.peerPorts", "\(shown) includes the registry's own port \(registry.port) (registry.port)")
        }
    }

    // MARK: Values

    /// The members of an object, after reporting its unknown keys; nil when absent or not an object.
    private mutating func object(_ value: JSONValue?, at path: String, keys: [String], nullIsAbsent: Bool) -> [String: JSONValue]? {
        guard let value else { return nil }
        if nullIsAbsent, value == .null { return nil }
        guard case .object(let members) = value else {
            report(path, "expected an object, got \(value.summary)")
            return nil
        }
        reportUnknownKeys(members, at: path, known: keys)
        return members
    }

    /// Unknown keys are errors, not ignored: a misspelt `"prot"` would otherwise silently
    /// leave the default port in place. Sorted, because JSONDecoder loses the file's order.
    private mutating func reportUnknownKeys(_ members: [String: JSONValue], at path: String, known: [String]) {
        for key in members.keys.sorted() where !known.contains(key) {
            let hint: String
            if let suggestion = Suggest.closest(to: key, among: known) {
                hint = "did you mean \(JSONValue.quoted(suggestion))?"
            } else if let home = Self.sections.first(where: { $0.keys.contains(key) }) {
                hint = "\(JSONValue.quoted(key)) belongs in \(home.name)"
            } else {
                hint = "known keys here: " + known.joined(separator: ", ")
            }
            report(ConfigPath.key(path, key), "unknown key (\(hint))")
        }
    }

    /// One member, parsed; nil when absent (or null, for an optional key) or when it has a
    /// problem, which is reported at the member's path.
    private mutating func read<Value>(_ members: [String: JSONValue], _ key: String, in path: String,
                                      required: Bool = false, _ parse: (JSONValue) -> Parsed<Value>) -> Value? {
        let here = ConfigPath.key(path, key)
        guard let value = members[key] else {
            if required { report(here, "missing (required)") }
            return nil
        }
        // null means "not set" for an optional key, as docker compose reads it.
        if !required, value == .null { return nil }
        switch parse(value) {
        case .ok(let parsed): return parsed
        case .problem(let message): report(here, message); return nil
        }
    }

    /// `[first, last]`, each 1…65535, first ≤ last; problems with one bound point at it.
    private mutating func readPortRange(_ value: JSONValue?, at path: String) -> ClosedRange<UInt16>? {
        guard let value, value != .null else { return nil }
        guard case .array(let bounds) = value, bounds.count == 2 else {
            let got = if case .array(let items) = value { "an array of \(items.count)" } else { value.summary }
            report(path, "expected [first, last], two port numbers, got \(got)")
            return nil
        }
        var ports: [Int] = []
        for (index, bound) in bounds.enumerated() {
            switch Parse.whole(1...65535)(bound) {
            case .ok(let port): ports.append(port)
            case .problem(let message): report(ConfigPath.index(path, index), message)
            }
        }
        guard ports.count == 2 else { return nil }
        guard ports[0] <= ports[1] else {
            report(path, "the first port \(ports[0]) is above the last port \(ports[1])")
            return nil
        }
        return UInt16(ports[0])...UInt16(ports[1])
    }

    /// `written` resolved against the config's folder, if it names an existing folder.
    private mutating func existingFolder(_ written: String, at path: String) -> String? {
        let resolved = ConfigLoader.absolute(written, from: folder)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: resolved, isDirectory: &isFolder) else {
            report(path, "folder \(resolved) does not exist")
            return nil
        }
        guard isFolder.boolValue else {
            report(path, "\(resolved) is a file, not a folder")
            return nil
        }
        return resolved
    }
}

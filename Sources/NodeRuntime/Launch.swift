import Control

// The command lines of `p2p-peer` and `p2p-registry`, each defined once: the executable's
// option table (so its `--help`), its reading of the words, and the argv the supervisor starts
// it with are all made here, so an option renamed in one is renamed in all.
//
// A field is nil (or false) when its option is not given; the executable applies its defaults.

/// A `HOST:PORT` value; an IPv6 host is written in brackets.
public struct Endpoint: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// nil unless `text` is HOST:PORT with a port from 1; an empty host is 127.0.0.1.
    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]), port > 0 else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.init(host: host.isEmpty ? "127.0.0.1" : host, port: port)
    }
}

extension CommandSpec.Option {
    /// Options both executables take.
    public static let secretFile = CommandSpec.Option(
        "secret-file", value: "FILE", help: "the network's shared secret (mode 600; else $P2P_SECRET; never on a command line)")
    public static let supervised = CommandSpec.Option("supervised", help: "run under p2pctl: exit when stdin closes")
}

/// `p2p-peer`'s command line.
public struct PeerLaunch: Sendable, Equatable {
    public var name: String?
    public var directory: String?
    public var registry: Endpoint?
    public var flag: String?
    /// The address to bind and advertise.
    public var host: String?
    public var ttl: Int?
    public var neighbours: Int?
    public var maxLinks: Int?
    /// Seconds.
    public var queryTimeout: Double?
    public var search: SearchStrategy?
    public var shareDownloads: Bool
    public var secretFile: String?
    public var supervised: Bool

    public init(name: String? = nil, directory: String? = nil, registry: Endpoint? = nil, flag: String? = nil,
                host: String? = nil, ttl: Int? = nil, neighbours: Int? = nil, maxLinks: Int? = nil, queryTimeout: Double? = nil,
                search: SearchStrategy? = nil, shareDownloads: Bool = false, secretFile: String? = nil, supervised: Bool = false) {
        self.name = name
        self.directory = directory
        self.registry = registry
        self.flag = flag
        self.host = host
        self.ttl = ttl
        self.neighbours = neighbours
        self.maxLinks = maxLinks
        self.queryTimeout = queryTimeout
        self.search = search
        self.shareDownloads = shareDownloads
        self.secretFile = secretFile
        self.supervised = supervised
    }

    /// The most hops a query may travel (`PeerConfiguration.maxTTL` is this).
    public static let maxTTL = 16

    public enum Option {
        public static let name = CommandSpec.Option("name", value: "NAME", help: "this peer's name: 1-32 letters, digits, '-' or '_' (asked for on a terminal)")
        public static let directory = CommandSpec.Option("dir", value: "FOLDER", help: "the shared folder; downloads go to its Downloads/ (default Peers/NAME)")
        public static let registry = CommandSpec.Option("registry", value: "HOST:PORT", help: "the registry's address (default \(NetworkDefaults.host):\(NetworkDefaults.registryPort))")
        public static let flag = CommandSpec.Option("flag", value: "FLAG", help: "the join flag (default \(NetworkDefaults.flag); asked for on a terminal without --name)")
        public static let host = CommandSpec.Option("host", value: "ADDRESS", help: "address to bind and advertise (default: the registry's host)")
        public static let ttl = CommandSpec.Option("ttl", value: "N", help: "hops a query may travel, 1-\(PeerLaunch.maxTTL) (default \(NetworkDefaults.ttl))")
        public static let neighbours = CommandSpec.Option("neighbours", value: "N", help: "links to keep at least; lost ones are replaced (default \(NetworkDefaults.neighbours))")
        public static let maxLinks = CommandSpec.Option("max-links", value: "N", help: "links to take at most; more are refused (default \(NetworkDefaults.maxLinks))")
        public static let queryTimeout = CommandSpec.Option("query-timeout", value: "SECONDS", help: "how long a search waits for a holder (default \(Int(NetworkDefaults.queryTimeout)))")
        public static let search = CommandSpec.Option("search", value: "STRATEGY", help: "how to look for a file: flood, ring or walk (default \(SearchStrategy.standard.rawValue))")
        public static let shareDownloads = CommandSpec.Option("share-downloads", help: "serve the files in Downloads/ too")
    }

    /// `p2p-peer`'s spec; `epilogue` is its console's help (the Peer module has it).
    public static func commandSpec(epilogue: String) -> CommandSpec {
        CommandSpec(
            name: "p2p-peer",
            summary: "one peer of the network: joins through the registry, shares a folder, downloads by query",
            synopsis: "p2p-peer --name s1 --dir Peers/s1 --registry 127.0.0.1:7000 [--flag P2P]",
            options: [Option.name, Option.directory, Option.registry, Option.flag, Option.host, Option.ttl, Option.neighbours,
                      Option.maxLinks, Option.queryTimeout, Option.search, Option.shareDownloads, .secretFile, .supervised],
            epilogue: epilogue)
    }

    /// The words to start `p2p-peer` with.
    public var arguments: [String] {
        var words = Words()
        words.flag(.supervised, supervised)
        words.add(Option.name, name)
        words.add(Option.directory, directory)
        words.add(Option.registry, registry?.description)
        words.add(Option.flag, flag)
        words.add(Option.host, host)
        words.add(Option.ttl, ttl.map { "\($0)" })
        words.add(Option.neighbours, neighbours.map { "\($0)" })
        words.add(Option.maxLinks, maxLinks.map { "\($0)" })
        words.add(Option.queryTimeout, queryTimeout.map { "\($0)" })
        words.add(Option.search, search?.rawValue)
        words.flag(Option.shareDownloads, shareDownloads)
        words.add(.secretFile, secretFile)
        return words.list
    }

    /// Reads what `commandSpec` parsed, checking each value (a usage error says what is wrong).
    public init(_ parsed: ParsedArguments) throws(UsageError) {
        self.init(name: parsed.value(Option.name.long), directory: parsed.value(Option.directory.long),
                  flag: parsed.value(Option.flag.long), host: parsed.value(Option.host.long),
                  shareDownloads: parsed.has(Option.shareDownloads.long), secretFile: parsed.value(CommandSpec.Option.secretFile.long),
                  supervised: parsed.has(CommandSpec.Option.supervised.long))
        if let address = parsed.value(Option.registry.long) {
            guard let endpoint = Endpoint(parsing: address) else {
                throw UsageError("--\(Option.registry.long) must be HOST:PORT, such as 127.0.0.1:7000, not '\(address)'")
            }
            registry = endpoint
        }
        ttl = try parsed.integer(Option.ttl.long, in: 1...Self.maxTTL)
        neighbours = try parsed.integer(Option.neighbours.long, in: 1...64)
        maxLinks = try parsed.integer(Option.maxLinks.long, in: 1...256)
        queryTimeout = try parsed.seconds(Option.queryTimeout.long, in: 0.1...600)
        if let word = parsed.value(Option.search.long) {
            guard let strategy = SearchStrategy(rawValue: word.lowercased()) else {
                throw UsageError("--\(Option.search.long) must be flood, ring or walk, not '\(word)'")
            }
            search = strategy
        }
    }
}

/// `p2p-registry`'s command line.
public struct RegistryLaunch: Sendable, Equatable {
    public var host: String?
    public var port: UInt16?
    public var maxPeers: Int?
    public var flag: String?
    /// A referral policy's name (the Registry module checks it).
    public var referral: String?
    public var neighbours: Int?
    public var maxLinks: Int?
    public var peerPorts: ClosedRange<UInt16>?
    public var secretFile: String?
    public var supervised: Bool

    public init(host: String? = nil, port: UInt16? = nil, maxPeers: Int? = nil, flag: String? = nil, referral: String? = nil,
                neighbours: Int? = nil, maxLinks: Int? = nil, peerPorts: ClosedRange<UInt16>? = nil, secretFile: String? = nil,
                supervised: Bool = false) {
        self.host = host
        self.port = port
        self.maxPeers = maxPeers
        self.flag = flag
        self.referral = referral
        self.neighbours = neighbours
        self.maxLinks = maxLinks
        self.peerPorts = peerPorts
        self.secretFile = secretFile
        self.supervised = supervised
    }

    public enum Option {
        public static let host = CommandSpec.Option("host", value: "ADDRESS", help: "address to bind and advertise (default \(NetworkDefaults.host))")
        public static let port = CommandSpec.Option("port", value: "PORT", help: "port to listen on; 0 picks a free one (default \(NetworkDefaults.registryPort))")
        public static let maxPeers = CommandSpec.Option("max-peers", value: "N", help: "peers admitted at most (default \(NetworkDefaults.maxPeers))")
        public static let flag = CommandSpec.Option("flag", value: "FLAG", help: "the join flag peers must present, any case (default \(NetworkDefaults.flag))")
        public static let referral = CommandSpec.Option("referral", value: "POLICY", help: "weighted-random (default), least-connected, first, chain or random")
        public static let neighbours = CommandSpec.Option("neighbours", value: "N", help: "referrals given to a joining peer (default \(NetworkDefaults.neighbours))")
        public static let maxLinks = CommandSpec.Option("max-links", value: "N", help: "links a peer takes at most: full peers are not referred (default \(NetworkDefaults.maxLinks))")
        public static let peerPorts = CommandSpec.Option("peer-ports", value: "FIRST-LAST", help: "assign peer ports from this range (default: peers pick free ports)")
    }

    /// `p2p-registry`'s spec.
    public static let commandSpec = CommandSpec(
        name: "p2p-registry",
        summary: "the metadata server: admits peers, gives each its port, refers it to peers already in",
        synopsis: "p2p-registry [--host 127.0.0.1] [--port 7000] [--max-peers 10] [--flag P2P] [--referral weighted-random] [--neighbours 3] [--max-links 12] [--peer-ports FIRST-LAST]",
        options: [Option.host, Option.port, Option.maxPeers, Option.flag, Option.referral, Option.neighbours, Option.maxLinks, Option.peerPorts,
                  .secretFile, .supervised],
        epilogue: "Stops on Ctrl-C or SIGTERM. Logs one line per event on stderr.")

    /// The words to start `p2p-registry` with.
    public var arguments: [String] {
        var words = Words()
        words.flag(.supervised, supervised)
        words.add(Option.host, host)
        words.add(Option.port, port.map { "\($0)" })
        words.add(Option.maxPeers, maxPeers.map { "\($0)" })
        words.add(Option.flag, flag)
        words.add(Option.referral, referral)
        words.add(Option.neighbours, neighbours.map { "\($0)" })
        words.add(Option.maxLinks, maxLinks.map { "\($0)" })
        words.add(Option.peerPorts, peerPorts.map { "\($0.lowerBound)-\($0.upperBound)" })
        words.add(.secretFile, secretFile)
        return words.list
    }

    /// Reads what `commandSpec` parsed, checking each value (a usage error says what is wrong).
    public init(_ parsed: ParsedArguments) throws(UsageError) {
        self.init(host: parsed.value(Option.host.long), flag: parsed.value(Option.flag.long),
                  referral: parsed.value(Option.referral.long), secretFile: parsed.value(CommandSpec.Option.secretFile.long),
                  supervised: parsed.has(CommandSpec.Option.supervised.long))
        port = try parsed.integer(Option.port.long, in: 0...65535)
        maxPeers = try parsed.integer(Option.maxPeers.long, in: 1...100_000)
        neighbours = try parsed.integer(Option.neighbours.long, in: 1...64)
        maxLinks = try parsed.integer(Option.maxLinks.long, in: 1...256)
        if let range = parsed.value(Option.peerPorts.long) {
            let parts = range.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 2, let first = UInt16(parts[0]), let last = UInt16(parts[1]), first >= 1, first <= last else {
                throw UsageError("--\(Option.peerPorts.long) must be FIRST-LAST with 1 <= FIRST <= LAST <= 65535, not '\(range)'")
            }
            peerPorts = first...last
        }
    }
}

/// The fewest and most links a peer keeps, from `--neighbours` and `--max-links` or the
/// executable's defaults: both executables check them the same way. A default maximum below
/// the minimum given rises to it; a maximum given below the minimum is a usage error.
public func linkBounds(neighbours: Int?, maxLinks: Int?, defaults: (neighbours: Int, maxLinks: Int)) throws(UsageError) -> (neighbours: Int, maxLinks: Int) {
    let fewest = neighbours ?? defaults.neighbours
    let most = maxLinks ?? max(defaults.maxLinks, fewest)
    guard most >= fewest else { throw UsageError("--max-links must be at least --neighbours (\(fewest)), not \(most)") }
    return (fewest, most)
}

/// An argv being built, option by option.
private struct Words {
    var list: [String] = []

    mutating func add(_ option: CommandSpec.Option, _ value: String?) {
        if let value { list += ["--" + option.long, value] }
    }

    mutating func flag(_ option: CommandSpec.Option, _ on: Bool) {
        if on { list.append("--" + option.long) }
    }
}

extension ParsedArguments {
    /// A numeric option within `range`, or nil when absent.
    func integer<T: FixedWidthInteger>(_ long: String, in range: ClosedRange<T>) throws(UsageError) -> T? {
        value(long) == nil ? nil : try integer(long, default: range.lowerBound, in: range)
    }

    /// Seconds within `range`, or nil when absent.
    func seconds(_ long: String, in range: ClosedRange<Double>) throws(UsageError) -> Double? {
        value(long) == nil ? nil : try seconds(long, default: range.lowerBound, in: range)
    }
}

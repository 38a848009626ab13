import Control

// The network a supervisor runs: the registry's settings, the overlay's, and one entry per peer.
//
// Values here are already validated and resolved (absolute folders, defaults filled in), so the
// supervisor never re-checks them. `ConfigLoader` is the only way in from a file; the memberwise
// initialisers exist for tests and for tools that build a network in code.

/// A validated network configuration (see the README, "Config").
public struct NetworkConfig: Sendable, Equatable, Codable {
    public struct Registry: Sendable, Equatable, Codable {
        /// The referral policies the registry knows, in the order the spec lists them.
        /// (Kept as strings: this module sits below `Registry`, which owns the enum.)
        public static let referralPolicies = ["weighted-random", "least-connected", "first", "chain", "random"]

        /// The IPv4 or IPv6 literal the registry and the peers bind and advertise.
        public var host: String
        /// 0 picks a free port (kept across restarts of the registry).
        public var port: UInt16
        public var maxPeers: Int
        /// The join flag, compared ignoring case.
        public var flag: String
        /// One of `referralPolicies`.
        public var referral: String
        /// When set, the registry assigns each peer a port from this range; encoded as `[first, last]`.
        public var peerPorts: ClosedRange<UInt16>?
        /// Absolute path of the shared secret (checked by the loader: a private file of 16 bytes or more).
        public var secretFile: String?

        public init(host: String = NetworkDefaults.host, port: UInt16 = NetworkDefaults.registryPort, maxPeers: Int = NetworkDefaults.maxPeers, flag: String = NetworkDefaults.flag,
                    referral: String = "weighted-random", peerPorts: ClosedRange<UInt16>? = nil,
                    secretFile: String? = nil) {
            self.host = host
            self.port = port
            self.maxPeers = maxPeers
            self.flag = flag
            self.referral = referral
            self.peerPorts = peerPorts
            self.secretFile = secretFile
        }
    }

    public struct Network: Sendable, Equatable, Codable {
        /// Hops a query may travel.
        public var ttl: Int
        /// Referrals given at join, and the number of links a peer restores after losing some:
        /// the fewest links a peer keeps.
        public var neighbours: Int
        /// The most links a peer takes (it refuses more; the registry refers nobody to it).
        public var maxLinks: Int
        /// Seconds a search waits for answers before saying "not found".
        public var queryTimeout: Double
        /// How peers look for files unless a `send --search` says otherwise.
        public var search: SearchStrategy

        public init(ttl: Int = NetworkDefaults.ttl, neighbours: Int = NetworkDefaults.neighbours, maxLinks: Int = NetworkDefaults.maxLinks,
                    queryTimeout: Double = NetworkDefaults.queryTimeout, search: SearchStrategy = .standard) {
            self.ttl = ttl
            self.neighbours = neighbours
            self.maxLinks = maxLinks
            self.queryTimeout = queryTimeout
            self.search = search
        }
    }

    /// What the supervisor does when a process exits (supervisord's `autorestart`).
    public enum RestartPolicy: String, Sendable, Codable, CaseIterable {
        /// Restart after a crash or a non-zero exit; an exit status 0 is a stop on purpose.
        case onFailure = "on-failure"
        case always
        case no
    }

    public struct Peer: Sendable, Equatable, Codable {
        /// 1–32 ASCII letters, digits, `-`, `_`; unique ignoring case; never "registry".
        public var name: String
        /// The shared folder, absolute and normalised (no `.` or `..`); it existed when loaded.
        public var dir: String
        public var restart: RestartPolicy
        /// Whether files in `Downloads/` are shared too.
        public var shareDownloads: Bool

        public init(name: String, dir: String, restart: RestartPolicy = .onFailure, shareDownloads: Bool = false) {
            self.name = name
            self.dir = dir
            self.restart = restart
            self.shareDownloads = shareDownloads
        }
    }

    public var registry: Registry
    public var network: Network
    public var peers: [Peer]
    /// The absolute path of the file it came from.
    public var source: String

    public init(registry: Registry = Registry(), network: Network = Network(), peers: [Peer], source: String) {
        self.registry = registry
        self.network = network
        self.peers = peers
        self.source = source
    }

    /// The peer called `name`, ignoring case as everywhere else (`S1` finds `s1`).
    public func peer(named name: String) -> Peer? {
        let wanted = name.lowercased()
        return peers.first { $0.name.lowercased() == wanted }
    }
}

import Admission
import Control
import NodeRuntime

public struct PeerConfiguration: Sendable {
    public var name: String
    /// The shared folder; downloads go to its `Downloads/`.
    public var directory: String
    public var registryHost = NetworkDefaults.host
    public var registryPort = NetworkDefaults.registryPort
    /// The join flag, presented to the registry and to neighbours.
    public var flag = NetworkDefaults.flag
    /// The address this peer binds and advertises (the registry's host by default).
    public var host = NetworkDefaults.host
    /// Hops a query may travel.
    public var ttl = UInt8(NetworkDefaults.ttl)
    /// Links this peer keeps at least: it restores them after losing some.
    public var neighbours = NetworkDefaults.neighbours
    /// Links this peer takes at most; a hello past them is refused.
    public var maxLinks = NetworkDefaults.maxLinks
    /// How this peer looks for a file unless a download asks otherwise.
    public var search = SearchStrategy.standard
    /// How long a search waits for a first hit before it says "not found".
    public var queryTimeout: Duration = .milliseconds(Int64(NetworkDefaults.queryTimeout * 1000))
    /// Serve `Downloads/` too.
    public var shareDownloads = false
    /// When set, this peer proves it to the registry and links only with peers that prove it
    /// too, and HTTP asks for the token derived from it (see `SharedSecret`).
    public var secret: SharedSecret?
    /// Caps on connections, idle time and neighbours' query rates.
    public var limits = PeerLimits()
    public var heartbeatInterval: Duration = .seconds(2)
    /// A link silent this long (it pings every `heartbeatInterval`) is dropped.
    public var linkTimeout: Duration = .seconds(10)
    /// A transfer that makes no progress for this long fails (and the next holder is tried).
    public var stallTimeout: Duration = .seconds(10)

    /// No query may be sent with a larger TTL, whatever a peer asks for (nor `--ttl` take one).
    public static let maxTTL = UInt8(PeerLaunch.maxTTL)

    public init(name: String, directory: String) {
        self.name = name
        self.directory = directory
    }
}

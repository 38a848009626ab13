/// The defaults of a network, written once: the config (NetworkConfig), the executables'
/// settings (PeerConfiguration, RegistryConfiguration) and their `--help` all read them here.
public enum NetworkDefaults {
    public static let host = "127.0.0.1"
    public static let registryPort: UInt16 = 7000
    public static let maxPeers = 10
    public static let flag = "P2P"
    /// Hops a query may travel.
    public static let ttl = 7
    /// Links a peer keeps at least (and referrals a joining peer is given).
    public static let neighbours = 3
    /// Links a peer takes at most.
    public static let maxLinks = 12
    /// Seconds a search waits for a holder.
    public static let queryTimeout = 5.0
}

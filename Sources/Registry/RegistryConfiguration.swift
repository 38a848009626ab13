/// How the registry refers a new peer to peers already in the network.
public enum ReferralPolicy: String, Sendable, CaseIterable {
    /// Up to `neighbours` peers at random, each weighted by the links it has room for (none
    /// for a peer at `maxLinks`). The default: the overlay grows as a random graph, whose
    /// diameter grows like log N (README, "The overlay").
    case weightedRandom = "weighted-random"
    /// Up to `neighbours` peers with the fewest links (ties: the earliest joined). Wave 1's
    /// default: the fewest links are the newest peers', so the overlay grows as a ladder.
    case leastConnected = "least-connected"
    /// Everyone to the first peer, as the origin did: a star that one failure breaks.
    case first
    /// Each peer to the one that joined just before it: a line, for experiments.
    case chain
    /// Up to `neighbours` peers chosen at random.
    case random
}

import Admission
import Control

public struct RegistryConfiguration: Sendable {
    /// The address the registry binds (and the one peers are told about each other on).
    public var host = NetworkDefaults.host
    /// 0 picks a free port (see `Registry.port` once started).
    public var port = NetworkDefaults.registryPort
    public var maxPeers = NetworkDefaults.maxPeers
    /// The join flag, compared ignoring case.
    public var flag = NetworkDefaults.flag
    public var referral = ReferralPolicy.weightedRandom
    /// Referrals given at join, and for a peer that lost links.
    public var neighbours = NetworkDefaults.neighbours
    /// The links a peer takes at most: `weighted-random` refers nobody to a peer that has them.
    public var maxLinks = NetworkDefaults.maxLinks
    /// When set, the registry assigns each peer a port from this range, as the origin did;
    /// otherwise each peer binds a free port and reports it.
    public var peerPorts: ClosedRange<UInt16>?
    /// A peer silent for this long is forgotten (peers send a heartbeat every 2 s).
    public var leaseTimeout: Duration = .seconds(10)
    /// When set, only peers that prove they know it are admitted (see `SharedSecret`).
    public var secret: SharedSecret?
    /// A connection must present the preface (and prove the secret) and its join within this time.
    public var handshakeTimeout: Duration = .seconds(5)

    public init() {}
}

/// What a peer has done since its process started, monotonic (a restarted process starts at
/// 0 again): `status --json` shows them per peer (README, "Counters").
public struct PeerCounters: Sendable, Equatable, Codable {
    /// Searches this peer began.
    public var queriesStarted = 0
    /// Every frame it sent that carries or steers a search: flood copies, ring rounds, walker
    /// steps and check-backs (hits are not counted).
    public var queryMessagesSent = 0
    public var queryMessagesReceived = 0
    public var httpRequests = 0
    /// Requests or connections it turned away (503, caps).
    public var httpRefused = 0
    /// HTTP body bytes it sent.
    public var bytesServed: UInt64 = 0
    /// Body bytes it received for its own downloads.
    public var bytesDownloaded: UInt64 = 0

    public init() {}
}

import NodeRuntime
import System
import Wire

/// One overlay link to a neighbour: the connection and where that neighbour listens.
public final class Link: Sendable {
    public let address: PeerAddress
    public let connection: FrameConnection
    /// The name of the side that opened the connection (breaks ties between two links opened
    /// at the same moment in opposite directions).
    let initiator: String
    /// The queries this neighbour may still make us handle (see `PeerLimits.queriesPerSecond`).
    let queryBudget: Protected<TokenBucket>
    /// The walker steps it may make us take (see `PeerLimits.walkersPerSecond`).
    let walkBudget: Protected<TokenBucket>

    init(address: PeerAddress, connection: FrameConnection, initiator: String, limits: PeerLimits) {
        self.address = address
        self.connection = connection
        self.initiator = initiator
        queryBudget = Protected(TokenBucket(rate: limits.queriesPerSecond, burst: limits.queryBurst))
        walkBudget = Protected(TokenBucket(rate: limits.walkersPerSecond, burst: limits.walkerBurst))
    }

    public var name: String { address.name }

    /// Sends, and on failure shuts the link down (its reader then removes it).
    @discardableResult
    func send(_ frame: Frame) -> Bool {
        do { try connection.send(frame); return true } catch { return false }
    }
}

/// The links of one peer, keyed by the neighbour's name ignoring case.
struct LinkTable: Sendable {
    private var links: [String: Link] = [:]

    var all: [Link] { links.values.sorted { $0.name < $1.name } }
    var names: [String] { all.map(\.name) }
    var count: Int { links.count }

    func contains(_ name: String) -> Bool { links[name.lowercased()] != nil }

    /// Adds a link unless one to the same neighbour exists. When two peers opened links to each
    /// other at once, both keep the one opened by the name that sorts first, so they agree.
    /// Returns the link that lost (to be closed), if any, and whether `link` was kept.
    mutating func add(_ link: Link) -> (kept: Bool, loser: Link?) {
        let key = link.name.lowercased()
        guard let existing = links[key] else {
            links[key] = link
            return (true, nil)
        }
        let winner = [existing, link].min { $0.initiator < $1.initiator }!
        if winner === existing || existing.initiator == link.initiator { return (false, link) }
        links[key] = link
        return (true, existing)
    }

    /// Removes `link` if it is still the one held for its neighbour.
    mutating func remove(_ link: Link) -> Bool {
        let key = link.name.lowercased()
        guard links[key] === link else { return false }
        links[key] = nil
        return true
    }

    mutating func removeAll() -> [Link] {
        defer { links = [:] }
        return all
    }
}

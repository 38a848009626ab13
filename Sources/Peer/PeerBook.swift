import Wire

/// The peers this one has heard of: referrals, neighbours, and the neighbours' own neighbours
/// (a sample asked of one neighbour now and then). When the registry cannot be reached, a peer
/// short of links picks from here, so the overlay heals through a registry outage or a
/// partition. Bounded: past `capacity`, a random entry makes room.
struct PeerBook: Sendable {
    static let capacity = 128
    private(set) var entries: [String: PeerAddress] = [:]

    var count: Int { entries.count }

    mutating func learn(_ peers: [PeerAddress], except me: String) {
        for peer in peers where peer.name.lowercased() != me.lowercased() {
            let key = peer.name.lowercased()
            if entries[key] == nil && entries.count >= Self.capacity, let victim = entries.keys.randomElement() {
                entries[victim] = nil
            }
            entries[key] = peer
        }
    }

    mutating func forget(_ name: String) { entries[name.lowercased()] = nil }

    /// Up to `count` known peers at random, none of `excluded` (compared ignoring case).
    func sample(_ count: Int, excluding excluded: [String]) -> [PeerAddress] {
        let skip = Set(excluded.map { $0.lowercased() })
        return Array(entries.filter { !skip.contains($0.key) }.values.shuffled().prefix(count))
    }
}

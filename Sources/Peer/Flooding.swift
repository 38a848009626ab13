#if canImport(Glibc)
import Glibc
#endif
import Control
import Digest
import NodeRuntime
import System
import Wire

/// Routing floods and their hits: a query forwarded to every neighbour but its sender while
/// its TTL lasts, each id once; hits back along the reverse path.
extension PeerNode {
    func handleQuery(id: QueryID, ttl: UInt8, hops: UInt8, name query: String, from link: Link) {
        let (allowed, report) = link.queryBudget.withLock { bucket in
            let allowed = bucket.take()
            return (allowed, bucket.refusals.due())
        }
        if let report {
            Log.event("\(link.name) sends queries faster than \(Int(configuration.limits.queriesPerSecond))/s: dropped \(report)")
        }
        counterBook.count { $0.queryMessagesReceived += 1 }
        guard allowed else {
            router.withLock { $0.throttled() }
            return
        }
        // A query never travels further than maxTTL hops in all: ttl + hops is constant along
        // its path, so a larger sum was forged (or came from a broken peer) and is dropped.
        let ttl = min(ttl, PeerConfiguration.maxTTL)
        guard ttl > 0, Int(ttl) + Int(hops) <= Int(PeerConfiguration.maxTTL) else {
            router.withLock { $0.droppedForged() }
            return
        }
        let fresh = router.withLock { (router: inout QueryRouter) -> Bool in
            let fresh = router.remember(id, route: .link(link.name))
            router.received(duplicate: !fresh)
            return fresh
        }
        guard fresh else { return }
        let distance = hops &+ 1   // hops the query took to get here
        let matches = store.matches(query)
        if !matches.isEmpty {
            let files = matches.compactMap { entry -> FileHit? in
                guard let digest = try? store.digest(of: entry) else { return nil }
                return FileHit(name: entry.name, size: entry.size, sha256: digest.bytes)
            }
            for frame in Frame.queryHits(id: id, holder: address, hops: distance, files: files) { link.send(frame) }
            Log.event("query for \(WireLimits.clipped(query, to: 80)) from \(link.name): have \(files.map(\.name).joined(separator: ", "))")
        }
        guard ttl > 1 else { return }
        let others = links.withLock { $0.all }.filter { $0 !== link }
        guard !others.isEmpty else { return }
        let forward = Frame.query(id: id, ttl: ttl - 1, hops: distance, name: query)
        let sent = others.filter { $0.send(forward) }.count
        router.withLock { $0.sent(queries: sent) }
        counterBook.count { $0.queryMessagesSent += sent }
        Log.event("query for \(WireLimits.clipped(query, to: 80)) forwarded from \(link.name) to \(others.map(\.name).joined(separator: ", ")) (ttl \(ttl - 1))")
    }

    /// A hit from a neighbour (`link`), or straight from a walker's holder (nil): only a hit for
    /// a search of ours is taken from the latter.
    func handleHit(id: QueryID, holder: PeerAddress, hops: UInt8, files: [FileHit], from link: Link?) {
        let route = router.withLock { $0.route(of: id) }
        switch route {
        case .mine:
            let hits = files.map { QueryRouter.Hit(holder: holder, file: $0, hops: Int(hops)) }
            router.withLock(notify: true) { $0.deliver(id, hits) }
        case .link(let back):
            guard link != nil else { return }
            guard let next = links.withLock({ $0.all.first { $0.name == back } }) else { return }
            next.send(.queryHit(id: id, holder: holder, hops: hops, files: files))
            router.withLock { $0.routedHit() }
        case nil:
            break   // forgotten or never seen: drop
        }
    }


    /// Sends search `id` to every neighbour with `ttl`; `fresh` under a new id whose hits count
    /// for `id` (a peer forwards an id once, so a repeat or a wider ring needs a new one).
    /// False when there is no neighbour.
    @discardableResult
    func flood(_ query: String, search id: QueryID, ttl: UInt8, fresh: Bool) -> Bool {
        let wireID = fresh ? QueryID.random() : id
        if fresh { router.withLock { $0.reask(id, as: wireID) } }
        let neighbours = links.withLock { $0.all }
        guard !neighbours.isEmpty else { return false }
        let sent = neighbours.filter { $0.send(.query(id: wireID, ttl: ttl, hops: 0, name: query)) }.count
        router.withLock { $0.sent(queries: sent) }
        counterBook.count { $0.queryMessagesSent += sent }
        Log.event("\(fresh ? "asking again" : "searching") for \(WireLimits.clipped(query, to: 80)) (ttl \(ttl)) via \(neighbours.map(\.name).joined(separator: ", "))")
        return true
    }

    /// Waits until search `id` has more than `count` hits or the deadline passes.
    func awaitHits(_ id: QueryID, beyond count: Int, until deadline: Deadline) -> Bool {
        router.wait(until: deadline) { ($0.searches[id]?.count ?? 0) > count ? true : nil } != nil
    }

    /// Waits until search `id` has more than `count` hits. While none comes, a full flood asks
    /// again after 1 s, then 2 s, 4 s...: while peers come and go a hit can die with a peer on
    /// its way back, and a holder that died may be back.
    func askAgain(_ query: String, search id: QueryID, beyond count: Int, until deadline: Deadline) -> Bool {
        var pause: Duration = .seconds(1)
        while true {
            if awaitHits(id, beyond: count, until: min(Deadline.after(pause), deadline)) { return true }
            if deadline.hasPassed { return false }
            flood(query, search: id, ttl: configuration.ttl, fresh: true)
            pause *= 2
        }
    }
}

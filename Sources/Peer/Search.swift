#if canImport(Glibc)
import Glibc
#endif
import Digest
import NodeRuntime
import Sockets
import Wire

/// What a download ended with; the fields of `p2pctl send --json` (README).
public struct DownloadResult: Sendable, Equatable, Codable {
    public var ok: Bool
    public var peer: String
    /// The full file name (the query may have been only its stem).
    public var file: String
    public var bytes: UInt64
    public var sha256: String
    /// The holder's name, or "local" when this peer already had the file.
    public var source: String
    public var hops: Int
    /// Where the file now lies.
    public var path: String
    public var ms: Int
    public var error: String?

    /// True when nothing was fetched because the file was already here.
    public var alreadyHad: Bool { ok && source == "local" }
}

/// Routing queries and hits (flooding with a TTL, each id forwarded once, hits back along the
/// reverse path), and the searches this peer starts.
extension PeerNode {
    func handleQuery(id: QueryID, ttl: UInt8, hops: UInt8, name query: String, from link: Link) {
        let (allowed, report) = link.queryBudget.withLock { bucket in
            let allowed = bucket.take()
            return (allowed, bucket.refusals.due())
        }
        if let report {
            Log.event("\(link.name) sends queries faster than \(Int(configuration.limits.queriesPerSecond))/s: dropped \(report)")
        }
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
        Log.event("query for \(WireLimits.clipped(query, to: 80)) forwarded from \(link.name) to \(others.map(\.name).joined(separator: ", ")) (ttl \(ttl - 1))")
    }

    func handleHit(id: QueryID, holder: PeerAddress, hops: UInt8, files: [FileHit], from link: Link) {
        let route = router.withLock { $0.route(of: id) }
        switch route {
        case .mine:
            let hits = files.map { QueryRouter.Hit(holder: holder, file: $0, hops: Int(hops)) }
            router.withLock(notify: true) { $0.deliver(id, hits) }
        case .link(let back):
            guard let next = links.withLock({ $0.all.first { $0.name == back } }) else { return }
            next.send(.queryHit(id: id, holder: holder, hops: hops, files: files))
            router.withLock { $0.routedHit() }
        case nil:
            break   // forgotten or never seen: drop
        }
    }

    /// Starts search `id`: sends the query to every neighbour. `again` sends it once more,
    /// under a fresh id whose hits count for `id`. False when there is no neighbour.
    func flood(_ query: String, id: QueryID, again: Bool = false) -> Bool {
        let wireID = again ? QueryID.random() : id
        router.withLock { again ? $0.reask(id, as: wireID) : $0.begin(id) }
        let neighbours = links.withLock { $0.all }
        guard !neighbours.isEmpty else { return false }
        let sent = neighbours.filter { $0.send(.query(id: wireID, ttl: configuration.ttl, hops: 0, name: query)) }.count
        router.withLock { $0.sent(queries: sent) }
        Log.event("\(again ? "asking again" : "searching") for \(query) (ttl \(configuration.ttl)) via \(neighbours.map(\.name).joined(separator: ", "))")
        return true
    }

    /// Waits until search `id` has more than `count` hits. While none comes, the query is sent
    /// again after 1 s, then 2 s, 4 s...: while peers come and go a hit can die with a peer on
    /// its way back, and a holder that died may be back.
    func awaitHits(_ id: QueryID, beyond count: Int, query: String, until deadline: Deadline) -> Bool {
        var pause: Duration = .seconds(1)
        while true {
            let next = min(Deadline.after(pause), deadline)
            if router.wait(until: next, { ($0.searches[id]?.count ?? 0) > count ? true : nil }) != nil { return true }
            if deadline.hasPassed { return false }
            _ = flood(query, id: id, again: true)
            pause *= 2
        }
    }

    func awaitFirstHit(_ id: QueryID, until deadline: Deadline) -> Bool {
        router.wait(until: deadline) { $0.searches[id]?.isEmpty == false ? true : nil } != nil
    }

    /// How long the first hit for `query` took to come back, measured here on the monotonic
    /// clock, and from how many hops away; nil when none came within the query timeout. For
    /// measuring lookups (the benchmark); nothing is downloaded.
    public func locate(_ query: String) -> (firstHit: Duration, hops: Int)? {
        let id = QueryID.random()
        defer { router.withLock { $0.end(id) } }
        let started = ContinuousClock.now
        guard flood(query, id: id), awaitFirstHit(id, until: .after(configuration.queryTimeout)) else { return nil }
        let took = ContinuousClock.now - started
        return (took, router.withLock { $0.searches[id]?.first?.hops ?? 0 })
    }

    /// Downloads `query` (a full name, or a stem) into `Downloads/`: floods a query, takes the
    /// first holder that answers, and falls back to the next holders if a transfer fails.
    public func download(_ query: String, progress: (UInt64, UInt64) -> Void = { _, _ in }) -> DownloadResult {
        let started = ContinuousClock.now
        var result = DownloadResult(ok: false, peer: name, file: query, bytes: 0, sha256: "", source: "",
                                    hops: 0, path: "", ms: 0, error: nil)
        func finish(_ error: String?) -> DownloadResult {
            result.ok = error == nil
            result.error = error
            result.ms = Int((ContinuousClock.now - started) / .milliseconds(1))
            return result
        }
        guard FileStore.isServableName(query) else {
            return finish("'\(WireLimits.clipped(query, to: 80))' is not a file name (no '/', no leading '.', at most 255 bytes)")
        }
        // Already here, shared or downloaded: say so and fetch nothing (as the origin did).
        let local = store.localCopies(of: query)
        if local.count > 1 {
            return finish("'\(query)' is ambiguous here: \(local.map(\.name).joined(separator: ", ")); type the full name")
        }
        if let have = local.first {
            result.file = have.name
            result.bytes = have.size
            result.sha256 = (try? store.digest(of: have).hex) ?? ""
            result.source = "local"
            result.path = have.path
            return finish(nil)
        }

        let id = QueryID.random()
        defer { router.withLock { $0.end(id) } }
        guard flood(query, id: id) else { return finish("not found: \(query) (this peer has no neighbours to ask)") }
        let deadline = Deadline.after(configuration.queryTimeout)
        guard awaitHits(id, beyond: 0, query: query, until: deadline) else {
            return finish("not found: no peer has \(query) (searched for \(configuration.queryTimeout))")
        }
        if !FileStore.hasExtension(query) {
            // A stem may match several files on several holders: give slower answers a moment
            // (as long as the first took, at least 100 ms) before deciding it is unambiguous.
            let firstTook = ContinuousClock.now - started
            let grace = Deadline.after(min(max(firstTook, .milliseconds(100)), .seconds(1)))
            _ = router.wait(until: min(grace, deadline)) { _ in nil as Bool? }
            let names = Set(router.withLock { $0.searches[id] ?? [] }.map(\.file.name))
            if names.count > 1 {
                return finish("'\(query)' matches several files: \(names.sorted().joined(separator: ", ")); type the full name")
            }
        }

        var tried = 0
        var failures: [String] = []
        while true {
            let hits = router.withLock { $0.searches[id] ?? [] }
            guard tried < hits.count else {
                // Wait for more holders while the search is still open.
                if !awaitHits(id, beyond: tried, query: query, until: deadline) {
                    return finish("download of \(query) failed from every holder: \(failures.joined(separator: "; "))")
                }
                continue
            }
            let hit = hits[tried]
            tried += 1
            result.file = hit.file.name
            do {
                let done = try Transfer.fetch(hit.file, from: hit.holder, into: store, secret: configuration.secret,
                                              stall: configuration.stallTimeout,
                                              progress: progress)
                result.bytes = hit.file.size
                result.sha256 = done.digest.hex
                result.source = hit.holder.name
                result.hops = hit.hops
                result.path = done.path
                let final = finish(nil)
                Log.event("downloaded \(hit.file.name): \(hit.file.size) bytes from \(hit.holder.name) (\(hit.hops) hops) in \(final.ms) ms")
                return final
            } catch {
                if let failure = error as? Transfer.Failure, case .local = failure {
                    // This side failed (disk full, file-size limit): every holder would fare the same.
                    Log.event("download of \(hit.file.name) from \(hit.holder.name) failed here: \(failure)")
                    return finish("download of \(hit.file.name) failed: \(failure)")
                }
                failures.append("\(hit.holder.name): \(error)")
                Log.event("download of \(hit.file.name) from \(hit.holder.name) failed: \(error); trying the next holder")
            }
        }
    }
}

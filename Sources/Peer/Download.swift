#if canImport(Glibc)
import Glibc
#endif
import Control
import Digest
import NodeRuntime
import System
import Wire

extension PeerNode {
    /// Starts search `id` for `query` by `strategy` and waits for its first hit, until the
    /// deadline. False at once when this peer has no neighbour to ask.
    func search(_ query: String, id: QueryID, by strategy: SearchStrategy, until deadline: Deadline) -> Bool {
        router.withLock { $0.begin(id) }
        counterBook.count { $0.queriesStarted += 1 }
        guard links.withLock({ $0.count }) > 0 else { return false }
        return strategy.method.run(query, search: id, on: self, until: deadline)
    }

    /// How long the first hit for `query` took to come back, measured here on the monotonic
    /// clock, and from how many hops away; nil when none came within the query timeout. For
    /// measuring lookups (the benchmark and tests); nothing is downloaded.
    public func locate(_ query: String, by strategy: SearchStrategy? = nil) -> (firstHit: Duration, hops: Int)? {
        let id = QueryID.random()
        defer { router.withLock { $0.end(id) } }
        let started = ContinuousClock.now
        guard search(query, id: id, by: strategy ?? configuration.search, until: .after(configuration.queryTimeout)) else { return nil }
        let took = ContinuousClock.now - started
        return (took, router.withLock { $0.searches[id]?.first?.hops ?? 0 })
    }

    /// Downloads `query` (a full name, or a stem) into `Downloads/`: searches by `strategy` (the
    /// peer's own by default), takes the first holder that answers, and falls back to the next
    /// holders if a transfer fails.
    public func download(_ query: String, by strategy: SearchStrategy? = nil,
                         progress: (UInt64, UInt64) -> Void = { _, _ in }) -> DownloadReport {
        let started = ContinuousClock.now
        var result = DownloadReport(ok: false, peer: name, file: query)
        func finish(_ error: String?) -> DownloadReport {
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

        do { try store.makeFolders() } catch { return finish("cannot download \(query): \(error)") }
        let id = QueryID.random()
        defer { router.withLock { $0.end(id) } }
        guard links.withLock({ $0.count }) > 0 else { return finish("not found: \(query) (this peer has no neighbours to ask)") }
        let deadline = Deadline.after(configuration.queryTimeout)
        result.search = strategy ?? configuration.search
        let searching = ContinuousClock.now
        guard search(query, id: id, by: strategy ?? configuration.search, until: deadline) else {
            return finish("not found: no peer has \(query) (searched for \(configuration.queryTimeout))")
        }
        result.firstHitMs = (ContinuousClock.now - searching) / .milliseconds(1)
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
        var failed: Set<String> = []
        // Once every holder heard of has failed, the search for others gets a query timeout of
        // its own, from then: a transfer that failed late must not have used up the search's.
        var researchUntil: Deadline?
        while true {
            let hits = router.withLock { $0.searches[id] ?? [] }
            guard tried < hits.count else {
                var until = deadline
                if !failed.isEmpty {
                    if researchUntil == nil {
                        researchUntil = max(deadline, .after(configuration.queryTimeout))
                        _ = flood(query, search: id, ttl: configuration.ttl, fresh: true)   // at once: the known holders are spent
                    }
                    until = researchUntil!
                }
                // Wait for more holders while the search is still open.
                if !askAgain(query, search: id, beyond: tried, until: until) {
                    return finish("download of \(query) failed from every holder: \(failures.joined(separator: "; "))")
                }
                continue
            }
            let hit = hits[tried]
            tried += 1
            // A holder that failed once is not asked again in this download (it may answer a
            // repeated search first, with the same broken or changed file).
            if failed.contains(hit.holder.name) { continue }
            result.file = hit.file.name
            do {
                var counted: UInt64 = 0
                let done = try Transfer.fetch(hit.file, from: hit.holder, into: store, secret: configuration.secret,
                                              stall: configuration.stallTimeout) { [counterBook] bytes, total in
                    // A transfer from the next holder starts again from 0.
                    let moved = bytes >= counted ? bytes - counted : bytes
                    counted = bytes
                    counterBook.count { $0.bytesDownloaded += moved }
                    progress(bytes, total)
                }
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
                failed.insert(hit.holder.name)
                Log.event("download of \(hit.file.name) from \(hit.holder.name) failed: \(error); trying the next holder")
            }
        }
    }
}

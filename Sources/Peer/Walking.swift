#if canImport(Glibc)
import Glibc
#endif
import Admission
import NodeRuntime
import System
import Wire

/// The random walkers of others' searches passing through this peer, and the check-backs of
/// this peer's own walkers (see `RandomWalk`). Walkers are not suppressed as duplicates: each
/// visit forwards one, within its own step budget.
extension PeerNode {
    func handleWalk(id: QueryID, requester: PeerAddress, steps: UInt8, hops: UInt8, name query: String, from link: Link) {
        let allowed = link.walkBudget.withLock { $0.take() }
        counterBook.count { $0.queryMessagesReceived += 1 }
        guard allowed else {
            router.withLock { $0.throttled() }
            return
        }
        // hops + steps never grows along a walk; a walker that cannot be true is dropped.
        guard hops < UInt8.max, Int(hops) + Int(steps) <= Int(UInt8.max) else {
            router.withLock { $0.droppedForged() }
            return
        }
        let distance = hops + 1
        let matches = store.matches(query)
        if !matches.isEmpty {
            let files = matches.compactMap { entry -> FileHit? in
                guard let digest = try? store.digest(of: entry) else { return nil }
                return FileHit(name: entry.name, size: entry.size, sha256: digest.bytes)
            }
            Log.event("walker for \(WireLimits.clipped(query, to: 80)) from \(requester.name): have \(files.map(\.name).joined(separator: ", "))")
            let me = address, secret = configuration.secret
            Threads.detach(name: "walk-hit") {
                Self.tell(requester, Frame.queryHits(id: id, holder: me, hops: distance, files: files), secret: secret)
            }
            return   // a walker that finds stops
        }
        let next = Frame.walk(id: id, requester: requester, steps: steps &- 1, hops: distance, name: query)
        let checks = distance % RandomWalk.checkEvery == 0 || steps == 0
        guard checks else { return forward(next, from: link) }
        // Checking back takes a connection of its own: off the link's reader.
        Threads.detach(name: "walk-check") { [self] in
            counterBook.count { $0.queryMessagesSent += 1 }
            guard Self.checkBack(requester, id: id, hops: distance, secret: configuration.secret), steps > 0 else { return }
            forward(next, from: link)
        }
    }

    /// Sends a walker on to a random neighbour, not back where it came from while there is
    /// another, and along a link no walker of its search has taken from here while there is one.
    private func forward(_ walker: Frame, from link: Link) {
        guard case .walk(let id, _, _, _, _) = walker else { return }
        let neighbours = links.withLock { $0.all }
        let onward = neighbours.filter { $0 !== link }
        let candidates = onward.isEmpty ? neighbours : onward
        guard let name = walkTrails.withLock({ $0.next(id, among: candidates.map(\.name)) }),
              let next = candidates.first(where: { $0.name == name }) else { return }
        if next.send(walker) { counterBook.count { $0.queryMessagesSent += 1 } }
    }

    /// A walker of ours asks whether to go on: not once the search has a hit, has ended, or the
    /// walker is at its last step (it is then counted as done).
    func answerWalkCheck(id: QueryID, hops: UInt8, on connection: FrameConnection) {
        counterBook.count { $0.queryMessagesReceived += 1 }
        let go = router.withLock(notify: true) { $0.walkerCheckedBack(id, hops: hops) }
        if connection.sendIfOpen(.walkGo(go)) { counterBook.count { $0.queryMessagesSent += 1 } }
    }

    /// Asks the requester whether a walker goes on; no answer within a second is a no.
    static func checkBack(_ requester: PeerAddress, id: QueryID, hops: UInt8, secret: SharedSecret?) -> Bool {
        guard let connection = try? FrameConnection.open(host: requester.host, port: requester.port, timeout: .seconds(1), secret: secret) else {
            return false
        }
        defer { connection.close() }
        guard connection.sendIfOpen(.walkCheck(id: id, hops: hops)),
              case .walkGo(let go)? = try? connection.receive(until: .after(.seconds(1))) else { return false }
        return go
    }

    /// Sends frames to a peer over a short connection of their own (a walker's hit).
    static func tell(_ peer: PeerAddress, _ frames: [Frame], secret: SharedSecret?) {
        guard let connection = try? FrameConnection.open(host: peer.host, port: peer.port, timeout: .seconds(1), secret: secret) else { return }
        for frame in frames where !connection.sendIfOpen(frame) { break }
        connection.close()
    }
}

/// The links each search's walkers have left this peer by. A walker that passes again, or
/// another walker of the same search, takes a link not yet taken from here while there is one:
/// walkers spread instead of treading the same edges, so fewer steps find a holder. Bounded: the
/// oldest searches are forgotten first.
struct WalkTrails: Sendable {
    static let memory = 1_024
    private var taken = RecentMap<QueryID, Set<String>>(capacity: Self.memory)

    /// The neighbour (by name) a walker of search `id` goes to next, chosen among `candidates`.
    mutating func next(_ id: QueryID, among candidates: [String]) -> String? {
        let used = taken[id] ?? []
        let fresh = candidates.filter { !used.contains($0) }
        guard let choice = (fresh.isEmpty ? candidates : fresh).randomElement() else { return nil }
        taken[id] = used.union([choice])
        return choice
    }
}

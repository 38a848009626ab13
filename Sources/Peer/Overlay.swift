import NodeRuntime
import Sockets
import System
import Wire

/// Links between peers: opening them, the hello exchange, and each link's reader, which routes
/// queries and hits and answers topology crawls.
extension PeerNode {
    static let linkTimeout: Duration = .seconds(3)

    /// Opens links to `peers` (those not linked yet), in parallel, and waits for every attempt.
    func connect(to peers: [PeerAddress]) {
        book.withLock { $0.learn(peers, except: name) }
        let (linked, room) = links.withLock { ($0.names.map { $0.lowercased() }, configuration.maxLinks - $0.count) }
        let fresh = peers.filter { $0.name.lowercased() != name.lowercased() && !linked.contains($0.name.lowercased()) }
        let chosen = Array(fresh.prefix(max(room, 0)))
        // Each link's own thread opens it and then reads it: one thread creation per link, not
        // an opener's and a reader's (15 thread creations took 0.4 ms of CPU here, a fifth of what
        // a starting peer used).
        let tried = Protected(0)
        for peer in chosen {
            let started = Threads.detach(name: "link") { [self] in
                let link = openLink(to: peer)
                tried.withLock(notify: true) { $0 += 1 }
                if let link { readLink(link) }
            }
            if !started {
                Log.event("could not link to \(peer.name): no thread to be had")
                tried.withLock(notify: true) { $0 += 1 }
            }
        }
        _ = tried.wait(until: .never) { $0 >= chosen.count ? true : nil }
    }

    /// Opens and adopts a link to `peer`; nil when it could not be made.
    private func openLink(to peer: PeerAddress) -> Link? {
        guard !isStopping else { return nil }
        let connection: FrameConnection
        let reply: Frame
        do {
            connection = try FrameConnection.open(host: peer.host, port: peer.port, timeout: Self.linkTimeout,
                                                  secret: configuration.secret)
            try connection.send(.hello(name: name, flag: configuration.flag, port: port))
            reply = try connection.receive(until: .after(Self.linkTimeout))
        } catch {
            Log.event("could not link to \(peer.name) at \(peer.host):\(peer.port): \(error)")
            book.withLock { $0.forget(peer.name) }
            return nil
        }
        guard case .hello(let theirName, let theirFlag, let theirPort) = reply,
              theirFlag.lowercased() == configuration.flag.lowercased(),
              theirName.lowercased() == peer.name.lowercased() else {
            let why: String
            if case .refused(let reason) = reply { why = reason }
            else if case .bye(let reason) = reply { why = reason }
            else { why = "unexpected answer \(reply.caseName)" }
            Log.event("\(peer.name) did not accept a link: \(why)")
            connection.close()
            return nil
        }
        let link = Link(address: PeerAddress(name: theirName, host: peer.host, port: theirPort),
                        connection: connection, initiator: name, limits: configuration.limits)
        guard adopt(link) else { return nil }
        book.withLock { $0.learn([link.address], except: name) }
        return link
    }

    /// An inbound overlay connection: a neighbour's hello, or a one-shot topology request.
    func serveOverlay(_ connection: FrameConnection) {
        let first: Frame
        do {
            first = try connection.acceptFirstFrame(secret: configuration.secret, until: .after(Self.linkTimeout))
        } catch is HandshakeError {
            Log.event("refused an overlay connection from \(connection.socket.remoteAddress?.description ?? "?"): it did not prove the shared secret")
            return   // the reason was sent by the handshake
        } catch {
            connection.sendQuietly(.bye(reason: "\(error)"))
            return
        }
        switch first {
        case .topologyRequest:
            connection.sendQuietly(topologyReply())
        case .walkCheck(let id, let hops):
            answerWalkCheck(id: id, hops: hops, on: connection)
        case .queryHit:
            // A walker's holder answering this peer directly: every frame of the answer.
            var frame: Frame? = first
            while case .queryHit(let id, let holder, let hops, let files)? = frame {
                handleHit(id: id, holder: holder, hops: hops, files: files, from: nil)
                frame = try? connection.receive(until: .after(Self.linkTimeout))
            }
        case .hello(let theirName, let theirFlag, let theirPort):
            guard theirFlag.lowercased() == configuration.flag.lowercased() else {
                connection.sendQuietly(.refused(reason: "wrong join flag"))
                Log.event("refused a link: wrong join flag")
                return
            }
            guard WireLimits.isValidPeerName(theirName), theirName.lowercased() != name.lowercased() else {
                connection.sendQuietly(.refused(reason: "invalid peer name"))
                return
            }
            let full = links.withLock { $0.count >= configuration.maxLinks && !$0.contains(theirName) }
            guard !full else {
                connection.sendQuietly(.refused(reason: "\(name) has its \(configuration.maxLinks) links"))
                return
            }
            let host = connection.socket.remoteAddress?.host ?? configuration.host
            let link = Link(address: PeerAddress(name: theirName, host: host, port: theirPort),
                            connection: connection, initiator: theirName, limits: configuration.limits)
            guard connection.sendIfOpen(.hello(name: name, flag: configuration.flag, port: port)), adopt(link) else { return }
            book.withLock { $0.learn([link.address], except: name) }
            readLink(link)
        default:
            connection.sendQuietly(.bye(reason: "expected hello, topologyRequest, walkCheck or queryHit, got \(first.caseName)"))
        }
    }

    /// Adds a link to the table; false (and the connection closed) when it lost a tie or the
    /// peer is stopping.
    private func adopt(_ link: Link) -> Bool {
        guard !isStopping else { link.connection.close(); return false }
        let (kept, loser) = links.withLock { $0.add(link) }
        if let loser {
            loser.connection.sendQuietly(.bye(reason: "duplicate link"))
            loser.connection.shutdown()
        }
        if kept {
            link.send(.topologyRequest)   // its neighbours, for the book
            Log.event("linked to \(link.name) (port \(link.address.port)); neighbours: \(links.withLock { $0.names }.joined(separator: ", "))")
            neighboursChanged()
        }
        return kept
    }

    /// Serves one link until it ends, then removes it and repairs the overlay.
    func readLink(_ link: Link) {
        var why = "closed"
        defer {
            link.connection.close()
            if links.withLock({ $0.remove(link) }) && !isStopping {
                Log.event("link lost: \(link.name) (\(why)); neighbours: \(links.withLock { $0.names }.joined(separator: ", ").nonEmpty ?? "none")")
                neighboursChanged()
                restoreLinks(urgent: true)
            }
        }
        while true {
            let frame: Frame
            do {
                frame = try link.connection.receive(until: .after(configuration.linkTimeout))
            } catch SocketError.timedOut {
                why = "silent for \(configuration.linkTimeout)"
                return
            } catch {
                why = "\(error)"
                return
            }
            switch frame {
            case .ping(let value): link.send(.pong(value))
            case .pong: break
            case .query(let id, let ttl, let hops, let file): handleQuery(id: id, ttl: ttl, hops: hops, name: file, from: link)
            case .queryHit(let id, let holder, let hops, let files): handleHit(id: id, holder: holder, hops: hops, files: files, from: link)
            case .walk(let id, let requester, let steps, let hops, let file):
                handleWalk(id: id, requester: requester, steps: steps, hops: hops, name: file, from: link)
            case .topologyRequest: link.send(topologyReply())
            case .topologyReply(_, let theirs):
                book.withLock { $0.learn(theirs, except: name) }
            case .bye(let reason):
                why = "said bye: \(WireLimits.clipped(reason, to: 80))"
                return
            default:
                link.connection.sendQuietly(.bye(reason: "unexpected \(frame.caseName)"))
                why = "sent an unexpected \(frame.caseName)"
                return
            }
        }
    }

    func topologyReply() -> Frame {
        .topologyReply(me: address, neighbours: neighbours)
    }
}

extension FrameConnection {
    /// Sends; false (the connection is then shut) if it failed.
    func sendIfOpen(_ frame: Frame) -> Bool {
        do { try send(frame); return true } catch { return false }
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}

/// Runs `body` for every item on up to `width` threads and returns when all are done.
func concurrentForEach<T: Sendable>(_ items: [T], width: Int, _ body: @escaping @Sendable (T) -> Void) {
    guard items.count > 1 else { items.forEach(body); return }
    let state = Protected((next: 0, done: 0))
    let work: @Sendable () -> Void = {
        while true {
            let index = state.withLock { (s: inout (next: Int, done: Int)) -> Int in defer { s.next += 1 }; return s.next }
            guard index < items.count else { return }
            body(items[index])
            state.withLock(notify: true) { $0.done += 1 }
        }
    }
    for _ in 0..<min(width, items.count) where !Threads.detach(name: "worker", work) {
        work()   // no thread to be had: do the rest here
    }
    _ = state.wait(until: .never) { $0.done >= items.count ? true : nil }
}

// The overlay protocol's messages. On the wire each is a 5-byte header (type u8, payload length
// u32 big-endian) and a payload; FrameCodec.swift has the byte layout of every case.

public enum Frame: Equatable, Sendable {
    // peer <-> registry (one long-lived connection per peer)
    /// port 0: "assign me one from the range".
    case join(name: String, flag: String, port: UInt16, neighbours: [String])
    /// The port the peer is to use; whom to link to.
    case welcome(port: UInt16, referrals: [PeerAddress])
    /// Registry or peer says no, then closes.
    case refused(reason: String)
    /// Peer could not bind the assigned port.
    case portBusy(port: UInt16)
    /// Renews the lease, reports links.
    case heartbeat(neighbours: [String])
    case needPeers(count: UInt8, exclude: [String])
    case referral([PeerAddress])
    // peer <-> peer
    /// Both sides send one when a link opens.
    case hello(name: String, flag: String, port: UInt16)
    case ping(UInt64)
    case pong(UInt64)
    case query(id: QueryID, ttl: UInt8, hops: UInt8, name: String)
    /// `hops`: how far the holder is from the asker (the query's hops on arrival + 1), so the
    /// asker can report it; the hit travels back unchanged.
    case queryHit(id: QueryID, holder: PeerAddress, hops: UInt8, files: [FileHit])
    /// A random walker (`network.search` walk): forwarded to one random neighbour at each
    /// visit, `hops` taken so far and `steps` left. A holder answers the requester directly
    /// with a `queryHit`; every few steps the walker checks back with the requester.
    case walk(id: QueryID, requester: PeerAddress, steps: UInt8, hops: UInt8, name: String)
    /// A walker checking back with its requester, on a connection of its own: go on?
    case walkCheck(id: QueryID, hops: UInt8)
    /// The requester's answer to `walkCheck`: false once it has its answer (or forgot the search).
    case walkGo(Bool)
    /// The topology crawl: "who are you linked to?"
    case topologyRequest
    case topologyReply(me: PeerAddress, neighbours: [PeerAddress])
    case bye(reason: String)
    // either connection, first thing after the preface, when the network has a shared secret
    /// A fresh random nonce (`Handshake.nonceSize` bytes) the other side must prove on.
    case challenge(nonce: [UInt8])
    /// HMAC-SHA256 of the other side's nonce under the shared secret (`Handshake.proofSize` bytes).
    case proof(mac: [UInt8])
}

public enum FrameError: Error, Equatable, Sendable {
    /// Fewer bytes than the frame needs: only ever "read more and try again". A payload whose
    /// declared length is all there but too short for its contents is `.malformed` instead, so
    /// a reader that waits on `.truncated` can never wait forever on a complete frame.
    case truncated
    /// A declared length over its cap (payload, string or list).
    case tooLarge(Int)
    case unknownType(UInt8)
    /// Bad UTF-8, bad id length, trailing bytes inside a payload, ...
    case malformed(String)
    case badMagic
    case unsupportedVersion(UInt8)
}

extension FrameError: CustomStringConvertible {
    /// What a log line or a bye says: the problem, in words.
    public var description: String {
        switch self {
        case .truncated: "a frame ended early"
        case .tooLarge(let size): "a length of \(size) is over the cap"
        case .unknownType(let type): "unknown frame type \(type)"
        case .malformed(let detail): "malformed frame: \(detail)"
        case .badMagic: "not the p2pnet overlay protocol (bad preface)"
        case .unsupportedVersion(let version): "overlay protocol version \(version) is not supported (this peer speaks \(Overlay.version))"
        }
    }
}

/// The type byte of each case. Registry traffic in 0x0_, peer traffic in 0x1_, the secret's
/// handshake (either connection) in 0x2_.
enum FrameType: UInt8 {
    case join = 0x01, welcome, refused, portBusy, heartbeat, needPeers, referral
    case hello = 0x10, ping, pong, query, queryHit, topologyRequest, topologyReply, bye, walk, walkCheck, walkGo
    case challenge = 0x20, proof
}

/// Sizes in the shared secret's challenge and response.
public enum Handshake {
    public static let nonceSize = 32
    /// An HMAC-SHA256.
    public static let proofSize = 32
}

extension Frame {
    var type: FrameType {
        switch self {
        case .join: .join
        case .welcome: .welcome
        case .refused: .refused
        case .portBusy: .portBusy
        case .heartbeat: .heartbeat
        case .needPeers: .needPeers
        case .referral: .referral
        case .hello: .hello
        case .ping: .ping
        case .pong: .pong
        case .query: .query
        case .queryHit: .queryHit
        case .topologyRequest: .topologyRequest
        case .topologyReply: .topologyReply
        case .bye: .bye
        case .walk: .walk
        case .walkCheck: .walkCheck
        case .walkGo: .walkGo
        case .challenge: .challenge
        case .proof: .proof
        }
    }

    /// The type byte this frame is sent with.
    public var typeCode: UInt8 { type.rawValue }

    /// The case's name, for logs ("unexpected hello from s3").
    public var caseName: String { "\(type)" }
}

extension Frame {
    /// The hits for one query as few `.queryHit` frames as fit: each within
    /// `WireLimits.maxPayload` and `WireLimits.maxList` files. Empty when `files` is.
    /// Every file name must be within `WireLimits.maxString` (as for `encoded()`).
    public static func queryHits(id: QueryID, holder: PeerAddress, hops: UInt8, files: [FileHit]) -> [Frame] {
        // id + holder (name, host, port) + hops + file count
        let base = QueryID.size + (2 + holder.name.utf8.count) + (2 + holder.host.utf8.count) + 2 + 1 + 2
        var frames: [Frame] = []
        var batch: [FileHit] = []
        var size = base
        for file in files {
            let fileSize = 2 + file.name.utf8.count + 8 + FileHit.digestSize
            if !batch.isEmpty && (size + fileSize > WireLimits.maxPayload || batch.count == WireLimits.maxList) {
                frames.append(.queryHit(id: id, holder: holder, hops: hops, files: batch))
                batch = []
                size = base
            }
            batch.append(file)
            size += fileSize
        }
        if !batch.isEmpty { frames.append(.queryHit(id: id, holder: holder, hops: hops, files: batch)) }
        return frames
    }
}

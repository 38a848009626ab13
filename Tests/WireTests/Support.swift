// Shared fixtures: a seeded generator (so a failing random test reproduces) and one sample of
// every frame case, with the edge values the codec must carry.

@testable import Wire

/// SplitMix64: tiny, fast, and the same sequence on every machine for a given seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}

enum Samples {
    static let id = QueryID(bytes: Array(0..<16))!
    static let maxName = String(repeating: "n", count: WireLimits.maxPeerName)
    static let maxString = String(repeating: "x", count: WireLimits.maxString)
    /// 204 × (2 + 3) + 4 = 1,024 bytes: exactly the cap, all in multi-byte UTF-8.
    static let unicodeString = String(repeating: "é€", count: 204) + "𝄞"
    static let s1 = PeerAddress(name: "s1", host: "127.0.0.1", port: 7001)
    static let far = PeerAddress(name: maxName, host: "::1", port: .max)
    static let file = FileHit(name: "f1.txt", size: 5, sha256: Array(0..<32))
    static let unicodeFile = FileHit(name: "Grüße 🎉.bin", size: .max, sha256: Array(repeating: 0xff, count: 32))

    /// Every case at least once, with empty lists, caps reached, non-ASCII text.
    static let frames: [Frame] = [
        .join(name: "s1", flag: "P2P", port: 0, neighbours: []),
        .join(name: maxName, flag: unicodeString, port: .max, neighbours: ["s2", "", maxName]),
        .welcome(port: 7001, referrals: []),
        .welcome(port: 0, referrals: [s1, far]),
        .refused(reason: ""),
        .refused(reason: "bad flag: “p2q” ≠ P2P"),
        .portBusy(port: 7003),
        .heartbeat(neighbours: []),
        .heartbeat(neighbours: Array(repeating: "s9", count: WireLimits.maxList)),
        .needPeers(count: 0, exclude: []),
        .needPeers(count: .max, exclude: ["s1", "s2"]),
        .referral([]),
        .referral([s1, far, s1]),
        .hello(name: "s1", flag: "P2P", port: 7001),
        .hello(name: maxName, flag: "", port: 0),
        .ping(0),
        .ping(.max),
        .pong(0x0123_4567_89ab_cdef),
        .query(id: id, ttl: 7, hops: 0, name: "f1.txt"),
        .query(id: id, ttl: .max, hops: .max, name: maxString),
        .query(id: id, ttl: 0, hops: 1, name: ""),
        .queryHit(id: id, holder: s1, hops: 0, files: []),
        .queryHit(id: id, holder: far, hops: .max, files: [file, unicodeFile]),
        .walk(id: id, requester: s1, steps: 128, hops: 0, name: "f1.txt"),
        .walk(id: id, requester: far, steps: 0, hops: .max, name: maxString),
        .walkCheck(id: id, hops: 4),
        .walkGo(true),
        .walkGo(false),
        .topologyRequest,
        .topologyReply(me: s1, neighbours: []),
        .topologyReply(me: far, neighbours: [s1, far]),
        .bye(reason: "Stop"),
        .bye(reason: unicodeString),
        .challenge(nonce: Array(0..<32)),
        .proof(mac: Array(repeating: 0xff, count: 32)),
    ]
}

extension Array where Element == UInt8 {
    init(hex: String) {
        let digits = Array(hex.utf8.filter { $0 != UInt8(ascii: " ") })
        self = stride(from: 0, to: digits.count - 1, by: 2).map {
            ASCII.hexValue(digits[$0])! << 4 | ASCII.hexValue(digits[$0 + 1])!
        }
    }
}

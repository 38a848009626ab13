/// HMAC-SHA256 (RFC 2104): a message authentication code under a secret key. The shared
/// secret's challenge-response and HTTP token are built on it.
public enum HMAC {
    static let blockSize = 64

    public static func sha256(key: [UInt8], message: [UInt8]) -> SHA256Digest {
        var block = key.count > blockSize ? SHA256.hash(key).bytes : key
        block += [UInt8](repeating: 0, count: blockSize - block.count)
        var inner = SHA256()
        inner.update(block.map { $0 ^ 0x36 })
        inner.update(message)
        var outer = SHA256()
        outer.update(block.map { $0 ^ 0x5c })
        outer.update(inner.finalize().bytes)
        return outer.finalize()
    }

    /// Compares two byte strings in time that depends only on their lengths, so a forger cannot
    /// learn how many leading bytes of a guess were right.
    public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}

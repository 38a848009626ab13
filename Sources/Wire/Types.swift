// The small value types that travel inside overlay frames.

/// The unique id of one flooded query: 16 random bytes, so ids from different peers never clash.
public struct QueryID: Hashable, Sendable, CustomStringConvertible {
    public static let size = 16
    public let bytes: [UInt8]

    /// Nil unless exactly 16 bytes are given.
    public init?(bytes: [UInt8]) {
        guard bytes.count == QueryID.size else { return nil }
        self.bytes = bytes
    }

    /// A fresh id from the system's cryptographic generator.
    public static func random() -> QueryID {
        var generator = SystemRandom()
        return random(using: &generator)
    }

    /// A fresh id from `generator` (tests pass a seeded one to get reproducible ids).
    public static func random(using generator: inout some RandomNumberGenerator) -> QueryID {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size)
        for _ in 0..<2 {
            let word = generator.next() as UInt64
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        // Exactly 16 bytes by construction.
        return QueryID(uncheckedBytes: bytes)
    }

    init(uncheckedBytes: [UInt8]) { self.bytes = uncheckedBytes }

    /// 32 lowercase hex characters.
    public var description: String {
        var hex: [UInt8] = []
        hex.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            hex.append(ASCII.hexDigit(byte >> 4))
            hex.append(ASCII.hexDigit(byte & 0x0f))
        }
        return String(decoding: hex, as: UTF8.self)
    }
}

/// Where a peer can be reached: its overlay name and the host and port it serves on.
public struct PeerAddress: Hashable, Sendable, Codable {
    public var name: String
    public var host: String
    public var port: UInt16

    public init(name: String, host: String, port: UInt16) {
        self.name = name
        self.host = host
        self.port = port
    }
}

/// One file a query matched on its holder.
public struct FileHit: Hashable, Sendable {
    public static let digestSize = 32
    public var name: String
    public var size: UInt64
    /// The raw SHA-256 digest: 32 bytes (the encoder preconditions on that).
    public var sha256: [UInt8]

    public init(name: String, size: UInt64, sha256: [UInt8]) {
        self.name = name
        self.size = size
        self.sha256 = sha256
    }
}

/// The system's cryptographic generator, as a value with storage. Swift gives every inout
/// access to an empty struct such as `SystemRandomNumberGenerator` one shared address, so two
/// threads drawing numbers at once looked to ThreadSanitizer like a race on a global; this
/// one has a byte of its own and draws through the standard library's default generator.
public struct SystemRandom: RandomNumberGenerator {
    private var unused: UInt8 = 0
    public init() {}
    public mutating func next() -> UInt64 { UInt64.random(in: .min ... .max) }
}

import CSHA256
import Glibc
import System

/// Incremental SHA-256. Backed by the CSHA256 C target, which uses the CPU's SHA instructions
/// when present. The C context lives inline, so copying a `SHA256` forks the hash state.
public struct SHA256: Sendable {
    private var ctx = p2p_sha256_ctx()

    public init() {
        p2p_sha256_init(&ctx)
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        p2p_sha256_update(&ctx, base, bytes.count)
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    public mutating func update(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Any byte sequence; contiguous ones are hashed in place, others through a small buffer.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if done != nil { return }
        var chunk: [UInt8] = []
        chunk.reserveCapacity(4096)
        for byte in bytes {
            chunk.append(byte)
            if chunk.count == 4096 {
                update(chunk)
                chunk.removeAll(keepingCapacity: true)
            }
        }
        update(chunk)
    }

    /// Finishes the hash and resets to the empty-message state, so the value can be reused.
    public mutating func finalize() -> SHA256Digest {
        let out = [UInt8](unsafeUninitializedCapacity: 32) { buffer, count in
            p2p_sha256_final(&ctx, buffer.baseAddress!)
            count = 32
        }
        p2p_sha256_init(&ctx)
        return SHA256Digest(validated: out)
    }

    public static func hash(_ bytes: [UInt8]) -> SHA256Digest {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Hashes a file, reading it in 1 MiB chunks. Throws the failed call, such as
    /// "open(/x): No such file or directory".
    public static func hash(fileAtPath path: String) throws(SystemError) -> SHA256Digest {
        let fd = try Syscall.open(path, O_RDONLY | O_CLOEXEC)
        defer { Syscall.close(fd) }

        let chunkSize = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 64)
        defer { buffer.deallocate() }

        var hasher = SHA256()
        while true {
            let n = try Syscall.call("read(\(path))") { read(fd, buffer.baseAddress, chunkSize) }
            if n == 0 { return hasher.finalize() }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
    }

    /// True when blocks are compressed with the x86 SHA extensions rather than portable C.
    public static var usesCPUInstructions: Bool { p2p_sha256_uses_shani() != 0 }
}

/// A 32-byte SHA-256 digest.
public struct SHA256Digest: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    init(validated bytes: [UInt8]) { self.bytes = bytes }

    /// Nil unless exactly 32 bytes.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    /// 64 hex digits, either case.
    public init?(hex: String) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 64 else { return nil }
        var out = [UInt8](repeating: 0, count: 32)
        for i in 0..<32 {
            guard let hi = Self.nibble(utf8[2 * i]), let lo = Self.nibble(utf8[2 * i + 1]) else { return nil }
            out[i] = hi << 4 | lo
        }
        bytes = out
    }

    /// Lowercase hex.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: 64) { buffer in
            for (i, byte) in bytes.enumerated() {
                buffer[2 * i] = digits[Int(byte >> 4)]
                buffer[2 * i + 1] = digits[Int(byte & 0x0F)]
            }
            return 64
        }
    }

    public var description: String { hex }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

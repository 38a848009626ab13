import CSHA256
import Digest
import System
import Foundation
import Testing

/// Deterministic pseudo-random bytes (SplitMix64), so failures reproduce.
private func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return UInt8(truncatingIfNeeded: z ^ (z >> 31))
    }
}

private func sha(_ string: String) -> String { SHA256.hash(Array(string.utf8)).hex }

@Suite struct SHA256Tests {
    @Test func nistVectors() {
        #expect(sha("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(sha("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(sha("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu")
            == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
        #expect(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)).hex
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func incrementalSplitsMatchOneShot() {
        let message = randomBytes(200, seed: 1)
        let expected = SHA256.hash(message)
        for split in 0...message.count {
            var hasher = SHA256()
            hasher.update(message[..<split])
            hasher.update(message[split...])
            #expect(hasher.finalize() == expected, "split at \(split)")
        }
        // Byte at a time, through the generic Sequence path too.
        var hasher = SHA256()
        for byte in message { hasher.update(CollectionOfOne(byte)) }
        #expect(hasher.finalize() == expected)
        var lazy = SHA256()
        lazy.update(message.lazy.map { $0 })
        #expect(lazy.finalize() == expected)
    }

    @Test func copyForksState() {
        var a = SHA256()
        a.update(Array("ab".utf8))
        var b = a
        a.update(Array("c".utf8))
        b.update(Array("c".utf8))
        #expect(a.finalize() == b.finalize())
        #expect(b.finalize() == SHA256.hash([]))  // finalize resets to the empty message
    }

    /// The portable compression function on a hand-padded "abc" block.
    @Test func portableBlockFunction() {
        var block = [UInt8](repeating: 0, count: 64)
        block[0...3] = [0x61, 0x62, 0x63, 0x80]
        block[63] = 24  // length in bits
        var state: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
        p2p_sha256_blocks_portable(&state, block, 1)
        #expect(state == [0xba7816bf, 0x8f01cfea, 0x414140de, 0x5dae2223,
                          0xb00361a3, 0x96177a9c, 0xb410ff61, 0xf20015ad])
    }

    @Test(.enabled(if: p2p_sha256_cpu_has_shani() != 0, "CPU lacks SHA extensions"))
    func shaniMatchesPortable() {
        #expect(SHA256.usesCPUInstructions)
        for blocks in [1, 2, 3, 4, 7, 16, 33, 100, 1000] {
            // Unaligned start (offset 3) to exercise unaligned loads.
            let data = randomBytes(blocks * 64 + 3, seed: UInt64(blocks))
            let start = randomBytes(32, seed: UInt64(blocks) + 1000)
            var seeded = start.withUnsafeBytes { Array($0.bindMemory(to: UInt32.self)) }
            var portable = seeded
            data.withUnsafeBufferPointer { p in
                p2p_sha256_blocks_portable(&portable, p.baseAddress! + 3, blocks)
                p2p_sha256_blocks_shani(&seeded, p.baseAddress! + 3, blocks)
            }
            #expect(portable == seeded, "\(blocks) blocks")
        }
    }

    @Test func digestHexAndBytes() {
        let digest = SHA256.hash(Array("abc".utf8))
        #expect(digest.description == digest.hex)
        #expect(SHA256Digest(hex: digest.hex) == digest)
        #expect(SHA256Digest(hex: digest.hex.uppercased()) == digest)
        #expect(SHA256Digest(bytes: digest.bytes) == digest)
        #expect(SHA256Digest(bytes: [1, 2, 3]) == nil)
        #expect(SHA256Digest(hex: String(digest.hex.dropLast())) == nil)
        #expect(SHA256Digest(hex: String(digest.hex.dropLast()) + "g") == nil)
        #expect(SHA256Digest(hex: String(digest.hex.dropLast(2)) + "é") == nil)  // 64 chars, 65 bytes
    }

    /// Starts sha256sum, so it is left out of the sanitized runs (P2P_IN_PROCESS_ONLY), as every
    /// test that starts a process is: there, AddressSanitizer stops at Foundation 6.3.1's
    /// over-read of /proc/self/fd whenever other suites hold over 1,365 descriptors (ProcessRunGuard).
    @Test(.disabled(if: ProcessInfo.processInfo.environment["P2P_IN_PROCESS_ONLY"] != nil, "starts a process"))
    func filesMatchSha256sum() throws {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("DigestTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(at: dir) }

        let sizes = [0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4095, 4096, 65537, 1_000_003]
        let paths = try sizes.map { size in
            let url = dir.appendingPathComponent("f\(size)")
            try Data(randomBytes(size, seed: UInt64(size) &+ 77)).write(to: url)
            return url.path
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = paths
        let pipe = try ProcessRunGuard.spawning { () throws -> Pipe in
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            return pipe
        }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)

        // Lines are "<hex>  <path>", in argument order.
        let expected = output.split(separator: "\n").map { String($0.prefix(64)) }
        #expect(expected.count == paths.count)
        for (path, hex) in zip(paths, expected) {
            #expect(try SHA256.hash(fileAtPath: path).hex == hex, "\(path)")
        }
    }

    @Test func missingFileThrows() {
        let path = "/nonexistent/definitely/not/here"
        #expect(throws: SystemError(call: "open(\(path))", errno: .noSuchFileOrDirectory)) {
            try SHA256.hash(fileAtPath: path)
        }
    }
}

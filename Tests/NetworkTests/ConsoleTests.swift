import Digest
import Foundation
import Testing

/// The executables as a person at a terminal uses them: a registry and peers in separate
/// processes, driven by typing into their consoles.
@Suite(.spawnsProcesses) struct ConsoleTests {
    @Test func theOriginWalkthroughWorksAtTheConsoles() throws {
        let network = try ProcessNetwork(registryArguments: ["--referral", "chain"])
        let binary = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        let s1 = try network.addPeer("s1", files: ["f1.txt": Array("one line, as in the origin\n".utf8)])
        try network.addPeer("s2")
        let s3 = try network.addPeer("s3", files: ["photo.bin": binary])

        // A bare name downloads (f1 finds f1.txt) across two hops.
        try s3.type("f1")
        let answer = try #require(s3.line(in: \.stdout, containing: "f1.txt"))
        #expect(answer.contains("downloaded f1.txt (27 bytes) from s1, 2 hops"))
        #expect(network.folder.read("s3/Downloads/f1.txt") == Array("one line, as in the origin\n".utf8))

        // Asked again, it is already here and nothing is fetched.
        try s3.type("f1")
        #expect(s3.line(in: \.stdout, containing: "already here") != nil)

        // Binary bytes arrive intact; `get` and command words ignore case.
        try s1.type("GET photo.bin")
        #expect(s1.line(in: \.stdout, containing: "downloaded photo.bin (300000 bytes) from s3") != nil)
        #expect(network.folder.read("s1/Downloads/photo.bin") == binary)

        // TOPO crawls the whole overlay, not only the neighbours.
        try s1.type("topo")
        let summary = try #require(s1.line(in: \.stdout, containing: "topology:"))
        #expect(summary.contains("3 peers, 2 links"))
        for name in ["s1", "s2", "s3"] { #expect(s1.line(in: \.stdout, containing: "  \(name) ") != nil) }

        try s1.type("ls")
        #expect(s1.line(in: \.stdout, containing: "f1.txt") != nil)
        try s1.type("nothing-like-this")
        #expect(s1.line(in: \.stdout, containing: "not found") != nil)

        // Stop says bye and exits 0; the registry forgets the peer.
        try s1.type("Stop")
        #expect(s1.waitForExit() == 0)
        #expect(network.registry.line(in: \.stderr, containing: "s1 says bye") != nil)
        #expect(s3.line(in: \.stderr, containing: "link lost") != nil || network.peers["s2"]!.line(in: \.stderr, containing: "link lost: s1") != nil)
    }

    @Test func onATerminalWithoutANameThePeerAsksForNameAndFlag() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { return }   // util-linux gives a pty
        let network = try ProcessNetwork()
        let folder = try network.folder.folder("s9")
        let command = "\(binFolder)/p2p-peer --dir \(folder) --registry 127.0.0.1:\(network.registryPort)"
        let terminal = try Spawned("/usr/bin/script", ["-qec", command, "/dev/null"], name: "terminal")
        #expect(terminal.line(in: \.stdout, containing: "Enter server name:") != nil)
        try terminal.type("s9")
        #expect(terminal.line(in: \.stdout, containing: "Enter flag") != nil)
        try terminal.type("p2p")   // the flag ignores case
        #expect(network.registry.line(in: \.stderr, containing: "s9 joined") != nil)
        try terminal.type("Stop")
        #expect(terminal.waitForExit() == 0)
    }

    @Test func curlFetchesAFileAndARangeWithTheSHA256AsETag() throws {
        let network = try ProcessNetwork()
        let bytes = Array("0123456789abcdef\n".utf8)
        let peer = try network.addPeer("a", files: ["data file.txt": bytes])
        let port = try #require(peer.port())
        let url = "http://127.0.0.1:\(port)/data%20file.txt"
        let whole = try run("/usr/bin/curl", ["-sf", url])
        #expect(whole.status == 0 && whole.output == bytes)
        let range = try run("/usr/bin/curl", ["-sf", "-r", "2-5", url])
        #expect(range.status == 0 && range.output == Array("2345".utf8))
        let head = try run("/usr/bin/curl", ["-sfI", url])
        let headers = String(decoding: head.output, as: UTF8.self).lowercased()
        #expect(headers.contains("etag: \"\(SHA256.hash(bytes).hex)\""))
        #expect(headers.contains("content-length: 17"))
        let missing = try run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/nope"])
        #expect(String(decoding: missing.output, as: UTF8.self) == "404")
    }

    @Test func aPeerWhoseStdinEndsKeepsServingUntilASignal() throws {
        let network = try ProcessNetwork()
        let peer = try network.addPeer("a", files: ["x.txt": Array("x\n".utf8)])
        try peer.closeInput()
        Thread.sleep(forTimeInterval: 0.5)
        #expect(isAlive(peer.pid))
        let port = try #require(peer.port())
        #expect(try run("/usr/bin/curl", ["-sf", "http://127.0.0.1:\(port)/x.txt"]).output == Array("x\n".utf8))
        peer.signal(SIGTERM)
        #expect(peer.waitForExit() == 0)
        #expect(network.registry.line(in: \.stderr, containing: "a says bye") != nil)
    }

    @Test func refusedPeersSayWhyAndExit1() throws {
        let network = try ProcessNetwork(registryArguments: ["--max-peers", "2"])
        try network.addPeer("s1")
        let wrongFlag = try network.addPeer("s2", extra: ["--flag", "nope"], waitForJoin: false)
        #expect(wrongFlag.waitForExit() == 1)
        #expect(wrongFlag.line(in: \.stderr, containing: "wrong join flag") != nil)
        let lowerFlag = try network.addPeer("s3", extra: ["--flag", "p2p"])   // the flag ignores case
        #expect(isAlive(lowerFlag.pid))
        let duplicate = try network.addPeer("S1", waitForJoin: false)          // names ignore case too
        #expect(duplicate.waitForExit() == 1)
        #expect(duplicate.line(in: \.stderr, containing: "already taken") != nil)
        let full = try network.addPeer("s4", waitForJoin: false)
        #expect(full.waitForExit() == 1)
        #expect(full.line(in: \.stderr, containing: "network full") != nil)
    }

    @Test func noRegistryIsAClearErrorWithinSeconds() throws {
        let folder = try TemporaryFolder()
        let peer = try Spawned("p2p-peer", ["--name", "a", "--dir", folder.path, "--registry", "127.0.0.1:1"])
        #expect(peer.waitForExit(seconds: 10) == 1)
        #expect(peer.line(in: \.stderr, containing: "cannot reach the registry") != nil)
    }

    @Test(arguments: [["--name", "a/b"], ["--name", ".."], ["--name", "has space"], ["--name", String(repeating: "x", count: 33)],
                      ["--name", "registry"], ["--name", "s1", "--ttl", "0"], ["--name", "s1", "--registry", "nowhere"],
                      ["--name", "s1", "--bogus"], ["--name"]])
    func badArgumentsExit2WithOneLine(_ arguments: [String]) throws {
        let folder = try TemporaryFolder()
        let peer = try Spawned("p2p-peer", arguments + ["--dir", folder.path])
        #expect(peer.waitForExit() == 2)
        let errors = peer.stderr.snapshot
        #expect(errors.count == 1 && errors[0].hasPrefix("p2p-peer: "), "\(errors)")
    }

    @Test func helpAndVersionExit0() throws {
        for executable in ["p2p-peer", "p2p-registry"] {
            let help = try Spawned(executable, ["--help"])
            #expect(help.waitForExit() == 0)
            #expect(help.line(in: \.stdout, containing: "usage: \(executable)") != nil)
            let version = try Spawned(executable, ["--version"])
            #expect(version.waitForExit() == 0)
        }
        let bad = try Spawned("p2p-registry", ["--referral", "ring"])
        #expect(bad.waitForExit() == 2)
    }
}

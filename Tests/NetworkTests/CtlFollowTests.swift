import Foundation
import Testing

/// What a person watches: `logs -f` as lines happen, a progress bar for a large download, and a
/// `send` that meets a peer in the middle of a restart.
@Suite(.serialized, .spawnsProcesses) struct CtlFollowTests {
    @Test func logsFollowPrintsNewLinesAsTheyHappen() throws {
        let network = try CtlNetwork()
        defer { network.tearDown() }
        try network.up()
        let follower = try Spawned(network.ctlPath, ["-c", network.configPath, "--state-dir", network.stateDir, "logs", "-f", "s1"])
        defer { follower.signal(SIGTERM) }
        // Something new happens at s1 after the follower started.
        #expect(network.ctl(["send", "s1", "no-such-file.txt"]).status == 1)
        let line = follower.line(in: \.stdout, containing: "searching for no-such-file.txt")
        #expect(line?.hasPrefix("s1") == true, "\(follower.stdout.snapshot.suffix(5))")
        #expect(follower.stdout.snapshot.allSatisfy { $0.hasPrefix("s1 ") }, "only s1's lines were asked for")
        // down ends the follow too.
        #expect(network.ctl(["down"]).status == 0)
        #expect(follower.waitForExit() == 0)
    }

    @Test func aSendMeetingARestartingPeerIsAnsweredOnceItIsBack() throws {
        let network = try CtlNetwork()
        defer { network.tearDown() }
        try network.up()
        let old = try #require(network.pid("s2"))
        #expect(network.ctl(["kill", "s2"]).status == 0)
        // At once, while s2 is dying or restarting: the supervisor waits for it.
        let listing = network.ctl(["send", "s2", "ls", "--json"])
        #expect(listing.status == 0, "\(listing.output)")
        #expect(listing.object?.bool("ok") == true)
        #expect(network.pid("s2") != old)
    }

    @Test func aLargeDownloadShowsAProgressBarOnATerminal() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { return }   // util-linux gives a pty
        var big = [UInt8](repeating: 0, count: 48 << 20)
        for index in stride(from: 0, to: big.count, by: 4096) { big[index] = UInt8(truncatingIfNeeded: index >> 12) }
        var files = CtlNetwork.standardFiles
        files["s3"]?["big.bin"] = big
        let network = try CtlNetwork(files: files)
        defer { network.tearDown() }
        try network.up()
        let command = "\(network.ctlPath) -c \(network.configPath) --state-dir \(network.stateDir) send s1 big.bin"
        let terminal = try runCommand("/usr/bin/script", ["-qec", command, "/dev/null"])
        #expect(terminal.status == 0, "\(terminal.output)")
        #expect(terminal.stdout.contains("[#") && terminal.stdout.contains("% "),   // "[####----] 42% 20/48 MiB"
                "no progress bar: \(terminal.stdout.prefix(300))")
        #expect(terminal.stdout.contains("downloaded big.bin (50331648 bytes)"))
        #expect(network.folder.read("s1/Downloads/big.bin") == big)
        // Piped, the same command prints no bar.
        let piped = network.ctl(["send", "s2", "big.bin"])
        #expect(piped.status == 0 && !piped.output.contains("%"), "\(piped.output)")
    }
}

import Foundation
import Testing

/// Processes that die are restarted (the README's policy, under "Processes"); `restart` and `kill` as users try them.
@Suite(.serialized, .spawnsProcesses) struct CtlRestartTests {
    @Test func aKilledPeerComesBackAndTheNetworkStillDownloads() throws {
        let network = try CtlNetwork()
        defer { network.tearDown() }
        try network.up()
        let old = try #require(network.pid("s2"))

        let killed = network.ctl(["kill", "s2"])
        #expect(killed.status == 0, "\(killed.output)")
        #expect(eventually(30) { !network.isRunning(old) }, "kill s2 (default SIGKILL) left pid \(old)")
        #expect(eventually(60) {
            guard let row = network.row("s2") else { return false }
            return row.string("state") == "running" && row.int("restarts") == 1 && row.int("pid").map(Int32.init) != old
        }, "s2 did not come back: \(network.row("s2") ?? [:])")
        for name in ["registry", "s1", "s3"] { #expect(network.row(name)?.int("restarts") == 0) }

        // s2's file is found again, and s1's file crosses the overlay.
        #expect(eventually(60) { network.isConnected() }, "the overlay did not heal")
        let fromS2 = network.ctl(["send", "s3", "f2", "--json"])
        #expect(fromS2.status == 0, "\(fromS2.output)")
        #expect(fromS2.object?.string("source") == "s2")
        #expect(network.folder.read("s3/Downloads/f2.txt") == network.files["s2"]?["f2.txt"])
        let across = network.ctl(["send", "s3", "f1", "--json"])
        #expect(across.status == 0 && across.object?.string("source") == "s1", "\(across.output)")
    }

    @Test func aKilledRegistryComesBackOnItsPort() throws {
        let network = try CtlNetwork()
        defer { network.tearDown() }
        try network.up()
        let before = try #require(network.row("registry"))
        let port = try #require(before.int("port"))
        let old = Int32(try #require(before.int("pid")))

        #expect(network.ctl(["kill", "registry"]).status == 0)
        #expect(eventually(60) {
            guard let row = network.row("registry") else { return false }
            return row.string("state") == "running" && row.int("restarts") == 1 && row.int("pid").map(Int32.init) != old
        }, "the registry did not come back: \(network.row("registry") ?? [:])")
        #expect(network.row("registry")?.int("port") == port)
        // The peers carry on.
        #expect(network.status()?.filter { $0.string("role") == "peer" }.allSatisfy { $0.string("state") == "running" } == true)
        #expect(network.ctl(["send", "s1", "f3", "--json"]).object?.bool("ok") == true)
    }

    @Test func restartGivesANewProcessAndUnknownNamesAreUsageErrors() throws {
        let network = try CtlNetwork()
        defer { network.tearDown() }
        try network.up()
        let old = try #require(network.pid("s1"))

        let restarted = network.ctl(["restart", "s1"])
        #expect(restarted.status == 0, "\(restarted.output)")
        #expect(eventually(60) {
            guard let row = network.row("s1") else { return false }
            return row.string("state") == "running" && row.int("pid").map(Int32.init) != old
        }, "s1 after restart: \(network.row("s1") ?? [:])")
        #expect(!network.isRunning(old))

        let unknown = network.ctl(["kill", "nobody"])
        #expect(unknown.status == 2, "\(unknown.output)")
        #expect(network.ctl(["restart", "nobody"]).status == 2)
        #expect(network.status()?.count == 4)
    }

    @Test func aPeerInACrashLoopIsReportedFailedWhileTheOthersRun() throws {
        let folder = try TemporaryFolder()
        let marker = folder.path + "/bin/crash"
        let script = """
            #!/bin/sh
            if [ -e "$(dirname "$0")/crash" ]; then echo "crashing on purpose" >&2; exit 3; fi
            exec \(binFolder)/p2p-peer "$@"
            """
        let bin = try makeBin(in: folder, linking: ["p2p-registry"], scripts: ["p2p-peer": script])
        let network = try CtlNetwork(bin: bin, folder: folder)
        defer { network.tearDown() }
        try network.up()
        let old = try #require(network.pid("s2"))

        try "".write(toFile: marker, atomically: true, encoding: .utf8)
        #expect(network.ctl(["kill", "s2"]).status == 0)
        #expect(eventually(120) { network.row("s2")?.string("state") == "failed" }, "s2: \(network.row("s2") ?? [:])")
        let row = try #require(network.row("s2"))
        #expect((row.int("restarts") ?? 0) >= 4, "\(row)")
        #expect(row["pid"] == nil || row["pid"] is NSNull, "\(row)")
        #expect(!network.isRunning(old))
        for name in ["registry", "s1", "s3"] {
            #expect(network.row(name)?.string("state") == "running", "\(name): \(network.row(name) ?? [:])")
        }
        // It stays failed: no more restarts.
        let count = row.int("restarts")
        Thread.sleep(forTimeInterval: 1)
        #expect(network.row("s2")?.int("restarts") == count)
    }
}

@Suite(.serialized, .spawnsProcesses) struct CtlStopTests {
    /// `send PEER Stop` is a stop on purpose even under `restart: always`: the peer shows
    /// `stopped`, is not restarted, and `restart` starts it again.
    @Test func aPeerStoppedWithStopStaysStoppedUntilRestart() throws {
        let network = try CtlNetwork { config in
            guard var peers = config["peers"] as? [[String: Any]] else { return }
            for index in peers.indices { peers[index]["restart"] = "always" }
            config["peers"] = peers
        }
        defer { network.tearDown() }
        try network.up()
        let stopped = network.ctl(["send", "s2", "Stop"])
        #expect(stopped.status == 0, "\(stopped.output)")
        #expect(eventually(30) { network.row("s2")?.string("state") == "stopped" }, "\(network.row("s2") ?? [:])")
        Thread.sleep(forTimeInterval: 1.5)   // past the first restart backoff (0.1 s)
        #expect(network.row("s2")?.string("state") == "stopped" && network.row("s2")?.int("restarts") == 0)
        #expect(network.ctl(["restart", "s2"]).status == 0)
        #expect(eventually(30) { network.row("s2")?.string("state") == "running" })
    }
}

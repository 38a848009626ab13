import Foundation
import Testing

/// Bringing a network up and down, twice, in the foreground, and after the supervisor is killed.
@Suite(.serialized, .spawnsProcesses) struct CtlLifecycleTests {
    @Test func downStopsEveryProcessAndASecondDownIsFine() throws {
        let network = try CtlNetwork()
        defer { network.tearDown() }
        try network.up()
        let pids = try #require(network.status()).compactMap { $0.int("pid") }.map(Int32.init)
        let supervisor = try #require(network.supervisorPid)
        #expect(pids.count == 4)

        let down = network.ctl(["down"])
        #expect(down.status == 0, "\(down.output)")
        // down returns when no process is left.
        for pid in pids + [supervisor] { #expect(!network.isRunning(pid), "pid \(pid) still alive after down") }
        #expect(network.nothingLeft())
        #expect(!FileManager.default.fileExists(atPath: network.pidFile))

        let again = network.ctl(["down"])
        #expect(again.status == 0, "\(again.output)")

        // The logs are kept after down.
        #expect(FileManager.default.fileExists(atPath: network.stateDir + "/logs/s1.log"))
        #expect(network.ctl(["logs", "s1"]).lines.isEmpty == false)
    }

    /// `up -d` run by a Swift program through Foundation.Process (the `Spawned` helper), which
    /// notices an exit through a socket the child inherits: the detached supervisor must not
    /// keep it (or any other inherited descriptor) open, or the caller never sees `up -d` end.
    @Test func upDetachedReturnsToAFoundationProcessCaller() throws {
        let network = try CtlNetwork()
        defer { network.tearDown() }
        let up = try Spawned("p2pctl", ["-c", network.configPath, "--state-dir", network.stateDir, "up", "-d"], name: "up")
        let status = up.waitForExit(seconds: 60)
        network.notePids()
        #expect(status == 0, "up -d did not exit for its Foundation.Process caller: \(up.stdout.snapshot) \(up.stderr.snapshot)")
        #expect(up.stdout.snapshot.contains { $0.contains("network up") }, "\(up.stdout.snapshot)")
        #expect(network.supervisorPid != nil)
    }

    @Test func upTwiceSameConfigIsAlreadyUpAndAnotherConfigIsRefused() throws {
        let network = try CtlNetwork()
        defer { network.tearDown() }
        try network.up()
        let before = network.supervisorPid

        let again = network.ctl(["up", "-d"])
        #expect(again.status == 0, "\(again.output)")
        #expect(again.output.lowercased().contains("already up"), "\(again.output)")
        #expect(network.supervisorPid == before)

        let other = network.folder.path + "/other.json"
        try network.writeConfig(["registry": ["port": 0], "peers": [["name": "s1", "dir": "s1"]]], to: other)
        let refused = network.ctl(["up", "-d"], config: other)
        #expect(refused.status == 1, "\(refused.output)")
        #expect(network.supervisorPid == before)
        #expect(network.status()?.count == 4)
    }

    @Test func commandsWithNoNetworkUpSayToRunUp() throws {
        let network = try CtlNetwork()
        defer { network.tearDown() }
        for command in [["status"], ["status", "--json"], ["topo"], ["send", "s1", "f1"], ["files"]] {
            let result = network.ctl(command)
            #expect(result.status == 1, "\(command): \(result.output)")
            #expect(result.stderr.contains("p2pctl up"), "\(command): \(result.stderr)")
        }
        #expect(network.ctl(["down"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: network.pidFile))
    }

    @Test func foregroundUpStreamsPrefixedLinesAndCtrlCStopsEverything() throws {
        let network = try CtlNetwork()
        defer { network.tearDown() }
        let up = try Spawned("p2pctl", ["-c", network.configPath, "--state-dir", network.stateDir, "up"], name: "up")
        defer { if isAlive(up.pid) { up.signal(SIGKILL) } }
        #expect(up.line(in: \.stdout, containing: "network up", seconds: 90) != nil, "\(up.stdout.snapshot) \(up.stderr.snapshot)")
        let rows = try #require(network.status())
        #expect(rows.allSatisfy { $0.string("state") == "running" })
        let pids = rows.compactMap { $0.int("pid") }.map(Int32.init)

        // Each process's lines, prefixed with its name.
        for name in ["registry"] + network.peerNames {
            #expect(eventually(30) { up.stdout.snapshot.contains { $0.hasPrefix(name + " ") && $0.contains(" | ") } },
                    "no line prefixed \(name): \(up.stdout.snapshot)")
        }

        up.signal(SIGINT)
        #expect(up.waitForExit(seconds: 60) == 0)
        #expect(up.process.terminationReason == .exit)
        for pid in pids { #expect(!network.isRunning(pid), "pid \(pid) alive after Ctrl-C") }
        #expect(network.nothingLeft())
        #expect(network.ctl(["status"]).status == 1)
    }

    @Test func killNineOfTheSupervisorLeavesNoChildAndUpWorksAgain() throws {
        let network = try CtlNetwork()
        defer { network.tearDown() }
        try network.up()
        let pids = try #require(network.status()).compactMap { $0.int("pid") }.map(Int32.init)
        let supervisor = try #require(network.supervisorPid)
        #expect(pids.count == 4)

        kill(supervisor, SIGKILL)
        #expect(eventually(30) { !isAlive(supervisor) })
        // Children die with it (PR_SET_PDEATHSIG, end of stdin).
        #expect(eventually(30) { pids.allSatisfy { !network.isRunning($0) } },
                "children alive after kill -9 of the supervisor: \(pids.filter(network.isRunning))")

        let status = network.ctl(["status"])
        #expect(status.status == 1, "\(status.output)")
        #expect(status.stderr.contains("p2pctl up"), "\(status.stderr)")

        // The stale pid file and socket are no obstacle.
        let up = network.ctl(["up", "-d"])
        #expect(up.status == 0, "up -d after kill -9: \(up.output)")
        let second = network.supervisorPid
        #expect(second != nil && second != supervisor)
        let rows = network.status() ?? []
        #expect(rows.count == 4 && rows.allSatisfy { $0.string("state") == "running" }, "\(rows)")
        #expect(network.ctl(["down"]).status == 0)
        #expect(network.nothingLeft())
    }

    @Test func aStateDirTooLongForAUnixSocketStillWorks() throws {
        let folder = try TemporaryFolder()
        let long = folder.path + "/" + String(repeating: "d", count: 70) + "/" + String(repeating: "e", count: 70) + "/state"
        #expect(long.utf8.count > 120)
        let network = try CtlNetwork(stateDir: long, folder: folder)
        defer { network.tearDown() }
        let up = network.ctl(["up", "-d"])
        #expect(up.status == 0, "\(up.output)")
        try #require(up.status == 0)
        #expect(FileManager.default.fileExists(atPath: long + "/supervisor.pid"))
        // The socket lives elsewhere, and a file in the state dir says where.
        let named = ((try? FileManager.default.contentsOfDirectory(atPath: long)) ?? []).compactMap {
            (try? String(contentsOfFile: long + "/" + $0, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(named.contains { path in
            var info = stat()
            return path.hasPrefix("/") && path.utf8.count <= 107 && stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFSOCK
        }, "no file in \(long) names the control socket: \(named)")
        let rows = network.status()
        #expect(rows?.count == 4, "status with a long state dir")
        #expect(network.ctl(["send", "s1", "f3", "--json"]).object?.bool("ok") == true)
        let down = network.ctl(["down"])
        #expect(down.status == 0, "\(down.output)")
        #expect(network.nothingLeft())
    }
}

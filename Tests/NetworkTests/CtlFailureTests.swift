import Foundation
import Sockets
import System
import Testing

/// Bad configs, peers that cannot start, hostile bytes on the control socket, floods.
@Suite(.serialized, .spawnsProcesses) struct CtlFailureTests {
    /// `validate`, `up -d` and `up` refuse with exit 2, print `path`, and start nothing.
    static func refused(_ network: CtlNetwork, path: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for command in [["validate"], ["up", "-d"], ["up"]] {
            let result = network.ctl(command, seconds: 60)
            #expect(result.status == 2, "\(command): \(result.output)", sourceLocation: sourceLocation)
            #expect(result.output.contains(path), "\(command) does not name \(path): \(result.output)", sourceLocation: sourceLocation)
        }
        #expect(!FileManager.default.fileExists(atPath: network.pidFile), sourceLocation: sourceLocation)
        #expect(network.ourProcesses().isEmpty, "processes started: \(network.ourProcesses())", sourceLocation: sourceLocation)
    }

    @Test func configErrorsExit2WithTheirJSONPathsAndNothingStarts() throws {
        let duplicate = try CtlNetwork(files: ["s1": [:], "S1x": [:]]) { config in
            config["peers"] = [["name": "s1", "dir": "s1"], ["name": "S1", "dir": "S1x"]]
        }
        defer { duplicate.tearDown() }
        Self.refused(duplicate, path: "peers[1].name")

        let unknownKey = try CtlNetwork(files: ["s1": [:]]) { config in
            config["registry"] = ["port": 0, "colour": "red"]
        }
        defer { unknownKey.tearDown() }
        Self.refused(unknownKey, path: "registry.colour")

        let missingFolder = try CtlNetwork(files: ["s1": [:], "s2": [:]]) { config in
            config["peers"] = [["name": "s1", "dir": "s1"], ["name": "s2", "dir": "s2"], ["name": "s3", "dir": "not-there"]]
        }
        defer { missingFolder.tearDown() }
        Self.refused(missingFolder, path: "peers[2].dir")
    }

    @Test func aPeerWhoseFolderGoesAfterValidationFailsUpAndLeavesNothing() throws {
        // The registry starts after the config was validated: a registry wrapper removes s2's
        // folder just before, so s2 is started on a folder that is no longer there.
        let folder = try TemporaryFolder()
        let script = """
            #!/bin/sh
            rm -rf "\(folder.path)/s2"
            exec \(binFolder)/p2p-registry "$@"
            """
        let bin = try makeBin(in: folder, linking: ["p2p-peer"], scripts: ["p2p-registry": script])
        let network = try CtlNetwork(bin: bin, folder: folder)
        defer { network.tearDown() }
        #expect(network.ctl(["validate"]).status == 0)

        let up = network.ctl(["up", "-d", "--timeout", "60"])
        #expect(up.status == 1, "\(up.output)")
        #expect(up.released)
        #expect(up.stderr.contains("s2"), "up -d does not name s2: \(up.output)")
        #expect(network.nothingLeft(), "left running: \(network.leftovers)")
        #expect(!FileManager.default.fileExists(atPath: network.pidFile))
        #expect(network.ctl(["status"]).status == 1)
    }

    @Test func aMissingExecutableFailsUpNamingItAndLeavesNothing() throws {
        let folder = try TemporaryFolder()
        let bin = try makeBin(in: folder, linking: ["p2p-registry"])
        let network = try CtlNetwork(bin: bin, folder: folder)
        defer { network.tearDown() }

        let up = network.ctl(["up", "-d"])
        #expect(up.status == 1, "\(up.output)")
        #expect(up.stderr.contains("p2p-peer"), "\(up.output)")
        #expect(network.nothingLeft(), "left running: \(network.leftovers)")
        #expect(!FileManager.default.fileExists(atPath: network.pidFile))
        #expect(network.ctl(["status"]).status == 1)
    }

    @Test func garbageOnTheControlSocketDoesNotStopTheSupervisor() throws {
        let network = try CtlNetwork()
        defer { network.tearDown() }
        try network.up()
        let supervisor = try #require(network.supervisorPid)
        let address = try SocketAddress(unixPath: network.stateDir + "/control.sock")

        // Junk lines, a JSON of the wrong shape, timeouts no clock can hold (fuzz-control found
        // that one killed the supervisor), binary bytes, a megabyte without a newline, and a
        // connection that says nothing: each answered or dropped.
        let junk: [[UInt8]] = [
            Array("hello there\n".utf8), Array("{\"command\": \"explode\"}\n".utf8), Array("[1,2,3]\n".utf8),
            Array("{\"command\":\"send\",\"name\":\"s1\",\"line\":\"f1\",\"timeout\":1e300}\n".utf8),
            Array("{\"command\":\"down\",\"timeout\":1e300}\n".utf8),
            Array("{\"send\":{\"peer\":\"s1\",\"command\":{\"download\":{\"name\":\"f1\"}},\"timeout\":1e300},\"version\":2}\n".utf8),
            Array("{\"down\":{\"grace\":1e300},\"version\":2}\n".utf8),
            Array("{\"status\":true,\"down\":{\"grace\":1},\"version\":2}\n".utf8),
            (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 97) }, [UInt8](repeating: 0x7b, count: 1 << 20),
            [UInt8](repeating: 0x41, count: 1 << 20) + [10],
        ]
        let silent = try Socket.connect(to: address, timeout: .seconds(5))
        defer { silent.close() }
        for bytes in junk {
            let socket = try Socket.connect(to: address, timeout: .seconds(5))
            _ = try? socket.write(bytes, until: .after(.seconds(10)))
            socket.close()
        }
        // A half-sent request, then gone.
        let partial = try Socket.connect(to: address, timeout: .seconds(5))
        _ = try? partial.write(Array("{\"command\":\"sta".utf8), until: .after(.seconds(5)))
        partial.close()

        #expect(isAlive(supervisor))
        let rows = network.status()
        #expect(rows?.count == 4, "status after garbage on the control socket")
        #expect(rows?.allSatisfy { $0.string("state") == "running" } == true)
        #expect(network.ctl(["send", "s1", "f2", "--json"]).object?.bool("ok") == true)
    }

    @Test func aPeerThatFloodsItsOutputDoesNotStopTheSupervisor() throws {
        // p2p-peer writes megabytes of text to stdout and stderr before it becomes the real peer.
        let folder = try TemporaryFolder()
        let script = """
            #!/bin/sh
            yes "flood-stdout-0123456789012345678901234567890123456789012345678901234567890123456789" | head -n 40000
            yes "flood-stderr-0123456789012345678901234567890123456789012345678901234567890123456789" | head -n 40000 >&2
            exec \(binFolder)/p2p-peer "$@"
            """
        let bin = try makeBin(in: folder, linking: ["p2p-registry"], scripts: ["p2p-peer": script])
        let network = try CtlNetwork(bin: bin, folder: folder)
        defer { network.tearDown() }
        try network.up()

        let rows = network.status()
        #expect(rows?.count == 4 && rows?.allSatisfy { $0.string("state") == "running" } == true, "\(rows ?? [])")
        for name in network.peerNames {
            let logs = ["\(name).log", "\(name).log.1"].compactMap {
                FileManager.default.contents(atPath: network.stateDir + "/logs/" + $0).map { String(decoding: $0, as: UTF8.self) }
            }.joined()
            #expect(logs.contains("flood-stdout-0123"), "\(name)'s log lacks its stdout flood")
            #expect(logs.contains("flood-stderr-0123"), "\(name)'s log lacks its stderr flood")
        }
        #expect(network.ctl(["send", "s3", "f1", "--json"]).object?.bool("ok") == true)
        #expect(network.ctl(["logs", "s1", "-n", "2"]).lines.count <= 2)
    }
}

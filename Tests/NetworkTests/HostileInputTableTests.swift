import Foundation
import NodeRuntime
import Sockets
import System
import Testing
import Wire

/// Every row of `HostileInput.table` sent to one running network (p2pctl, three peers, and a
/// peer run by hand for its console): the answer must be the row's, and afterwards the process
/// that took the input must be alive and serve a normal request.
@Suite(.serialized, .spawnsProcesses) struct HostileInputTableTests {
    @Test func everyHostileInputGetsItsAnswerAndTheProcessServesOn() throws {
        #expect(HostileInput.table.count >= 40)
        let network = try CtlNetwork()
        defer { network.tearDown() }
        try network.up()
        let registryPort = UInt16(try #require(network.row("registry")?.int("port")))
        let s1Port = UInt16(try #require(network.row("s1")?.int("port")))
        let s1 = try #require(network.pid("s1")), registry = try #require(network.pid("registry"))
        let supervisor = try #require(network.supervisorPid)
        try network.folder.write("hand/hand.txt", "typed by hand\n")
        let hand = try Spawned("p2p-peer", ["--name", "hand", "--dir", network.folder.path + "/hand",
                                            "--registry", "127.0.0.1:\(registryPort)", "--query-timeout", "1"], name: "hand")
        _ = try #require(hand.port(), "the peer run by hand joined")

        for row in HostileInput.table {
            switch (row.target, row.input) {
            case (.peerSocket, .bytes(let bytes)):
                check(row, try Self.exchange(bytes, over: Socket.connect(host: "127.0.0.1", port: s1Port, timeout: .seconds(5)), until: row.expected))
                #expect(network.isRunning(s1), "\(row)")
                #expect(try getStatus("f1.txt", port: s1Port) == "HTTP/1.1 200 OK", "after \(row)")
            case (.registrySocket, .bytes(let bytes)):
                check(row, try Self.exchange(bytes, over: Socket.connect(host: "127.0.0.1", port: registryPort, timeout: .seconds(5)), until: row.expected))
                #expect(network.isRunning(registry), "\(row)")
                let probe = try FrameConnection.open(host: "127.0.0.1", port: registryPort, timeout: .seconds(5), secret: nil)
                try probe.send(HostileInput.join)
                guard case .welcome = try probe.receive(until: .after(.seconds(10))) else { Issue.record("no welcome after \(row)"); continue }
                probe.sendQuietly(.bye(reason: "probe done"))
                probe.close()
            case (.controlSocket, .bytes(let bytes)):
                let socket = try Socket.connect(to: SocketAddress(unixPath: network.stateDir + "/control.sock"), timeout: .seconds(5))
                check(row, try Self.exchange(bytes, over: socket, until: row.expected))
                #expect(network.isRunning(supervisor), "\(row)")
                #expect(network.ctl(["status"]).status == 0, "after \(row)")
            case (.peerStdin, .line(let line)):
                let seen = hand.stdout.snapshot.count
                try hand.type(line)
                if case .answer(let text) = row.expected {
                    #expect(hand.line(in: \.stdout, containing: text, after: seen) != nil, "\(row): \(hand.stdout.snapshot.suffix(3))")
                }
                #expect(isAlive(hand.pid), "\(row)")
                let before = hand.stdout.snapshot.count
                try hand.type("ls")
                #expect(hand.line(in: \.stdout, containing: "hand.txt", after: before) != nil, "after \(row)")
            case (.commandLine, .words(let executable, let words)):
                let arguments = executable == "p2pctl" ? ["-c", network.configPath, "--state-dir", network.stateDir] + words : words
                check(row, try runCommand(binFolder + "/" + executable, arguments, seconds: 60))
                #expect(network.ctl(["status"]).status == 0, "after \(row)")
            case (.config, .config(let bytes)):
                let file = try network.folder.write("hostile.json", bytes)
                check(row, try runCommand(network.ctlPath, ["-c", file, "--state-dir", network.stateDir, "validate"], seconds: 60))
                #expect(network.ctl(["status"]).status == 0, "after \(row)")
            default:
                Issue.record("\(row): an input this target does not take")
            }
        }
    }

    /// `exchange` until the row's answer has arrived (or the connection closed).
    static func exchange(_ bytes: [UInt8], over socket: Socket, until expected: HostileInput.Outcome) throws -> [UInt8]? {
        try NetworkTests.exchange(bytes, over: socket) { received in
            if case .answer(let text) = expected { return String(decoding: received, as: UTF8.self).contains(text) }
            return false
        }
    }

    func check(_ row: HostileInput, _ response: [UInt8]?) {
        guard let response else {
            Issue.record("\(row): neither an answer nor a closed connection within 20 s")
            return
        }
        let text = String(decoding: response, as: UTF8.self)
        switch row.expected {
        case .answer(let wanted):
            let found = text.contains(wanted)   // not inside #expect, which would print the raw bytes
            #expect(found, "\(row): got \(text.prefix(300).debugDescription)")
        case .dropped: #expect(response.isEmpty, "\(row): got \(text.prefix(300).debugDescription)")
        case .exit: Issue.record("\(row): an exit status where a connection was expected")
        }
    }

    func check(_ row: HostileInput, _ result: CtlResult) {
        guard case .exit(let status, let text) = row.expected else {
            Issue.record("\(row): expected no exit status")
            return
        }
        #expect(!result.signalled && result.status == status, "\(row): exit \(String(describing: result.status)): \(result.output.suffix(300))")
        #expect(result.output.contains(text), "\(row): \(result.output.suffix(300))")
    }
}

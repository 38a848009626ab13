import Testing
import Control

/// The typed control schema: what the words of a console line or of `p2pctl send` mean, and
/// that every message crosses a pipe or socket as one line and comes back the same.
@Suite struct SchemaTests {
    @Test(arguments: [
        ("f1", PeerCommand.download(DownloadRequest(name: "f1"))),
        ("  f1.txt \r", .download(DownloadRequest(name: "f1.txt"))),
        ("TOPO", .topology), ("topo", .topology), ("Stop", .stop), ("STOP", .stop),
        ("help", .help), ("?", .help), ("ls", .list), ("LS", .list), ("", .nothing), ("   ", .nothing),
        ("get TOPO", .download(DownloadRequest(name: "TOPO"))), ("GET  stop ", .download(DownloadRequest(name: "stop"))),
        ("my notes.txt", .download(DownloadRequest(name: "my notes.txt"))),
    ])
    func wordsParseToOneCommand(words: String, command: PeerCommand) {
        #expect(PeerCommand(words: words) == command)
    }

    static let commands: [PeerCommand] = [.download(DownloadRequest(name: "f1")), .topology, .list, .help, .stop, .nothing]
    static let report = DownloadReport(ok: true, peer: "s2", file: "f1.txt", bytes: 29, sha256: "ab", source: "s1",
                                       hops: 2, path: "/p/f1.txt", ms: 104)
    static let topology = TopologyDocument(peers: ["s1": (7001, ["s2"]), "s2": (7002, ["s1", "s3"])])
    static let answers: [PeerAnswer] = [.download(report), .topology(topology), .files([SharedFile(name: "f1.txt", size: 29, sha256: "ab")]),
                                        .help, .stopping, .nothing, .refused("busy")]

    @Test func everyMessageSurvivesOneLine() throws {
        func roundTrip<T: Codable & Equatable>(_ value: T) throws {
            let line = JSONLines.encode(value)
            #expect(!line.contains("\n"))
            #expect(try JSONLines.decode(T.self, from: line) == value, "\(line)")
        }
        for command in Self.commands {
            try roundTrip(ChildRequest(id: 7, command: command))
            try roundTrip(ControlRequest.send(peer: "s2", command: command, timeout: Seconds(30)))
        }
        for answer in Self.answers {
            try roundTrip(ChildMessage.answer(id: 7, answer))
            try roundTrip(ControlResponse.answer(answer))
        }
        let requests: [ControlRequest] = [.hello, .status, .topology, .files(peers: ["s1"]), .restart(name: "s1"),
                                          .kill(name: "s1", signal: 9), .down(grace: Seconds(10)), .follow(names: [])]
        for request in requests { try roundTrip(request) }
        let responses: [ControlResponse] = [
            .hello(SupervisorInfo(pid: 1, config: "/c.json", configDigest: "9f", ready: true)), .status([]), .topology(Self.topology),
            .files([PeerFiles(peer: "s1", files: [], error: "no answer")]), .done, .down(killed: ["s1 (SIGKILL)"], pid: 4),
            .failure("no peer named 'x'", exitCode: 2), .progress(TransferProgress(bytes: 1, total: 2)),
            .log(LogLine(name: "s1", line: "hello")), .following,
        ]
        for response in responses { try roundTrip(response) }
        let events: [ChildMessage] = [.ready(port: 7001), .neighbours(["s1"]), .progress(id: 3, TransferProgress(bytes: 1, total: 9)),
                                      .memberJoined("s1"), .memberLeft("s1")]
        for event in events { try roundTrip(event) }
    }

    /// What children send as they start is written by hand (`ChildMessage.line`): it reads
    /// back as the same message, and is the very line JSONEncoder writes.
    @Test(arguments: ["s1", "", "a \"quoted\" \\ name", "tab\tnew\nline\u{01}\u{1F}", "slash/é🙂"])
    func handWrittenChildMessagesAreWhatJSONEncoderWrites(name: String) throws {
        var counters = PeerCounters()
        counters.queriesStarted = 3
        counters.queryMessagesSent = 41
        counters.queryMessagesReceived = 5
        counters.httpRequests = 9
        counters.httpRefused = 1
        counters.bytesServed = 1 << 40
        counters.bytesDownloaded = 7
        let messages: [ChildMessage] = [.ready(port: 7001), .ready(port: 0, version: 1), .neighbours([]), .neighbours([name, "s2"]),
                                        .counters(PeerCounters()), .counters(counters), .memberJoined(name), .memberLeft(name),
                                        .answer(id: 3, .refused(name))]
        for message in messages {
            #expect(try JSONLines.decode(ChildMessage.self, from: message.line) == message, "\(message.line)")
            #expect(message.line == JSONLines.encode(message))
        }
    }

    /// A line of another version is recognised as such before its payload is read, so either
    /// side can say plainly which versions met.
    @Test func linesOfAnotherVersionAreToldApart() throws {
        #expect(JSONLines.version(of: JSONLines.encode(ControlRequest.status)) == ControlProtocol.version)
        #expect(JSONLines.version(of: #"{"command":"status"}"#) == 1)   // wave 1's request
        #expect(JSONLines.version(of: #"{"ok":true,"status":[]}"#) == 1)   // and its answer
        #expect(JSONLines.version(of: #"{"status":true,"version":3}"#) == 3)
        #expect(JSONLines.version(of: "{}") == nil)
        #expect(JSONLines.version(of: "not json") == nil)
        #expect(throws: DecodingError.self) { try JSONLines.decode(ControlRequest.self, from: #"{"status":true,"version":3}"#) }
        #expect(throws: DecodingError.self) { try JSONLines.decode(ControlRequest.self, from: #"{"status":true}"#) }

        // The mismatch answer reads as a failure in this version, and as wave 1's error too.
        let line = ControlResponse.versionMismatchLine("protocols differ")
        #expect(try JSONLines.decode(ControlResponse.self, from: line) == .failure("protocols differ", exitCode: 1))
        #expect(line.contains(#""ok":false"#) && line.contains(#""error":"protocols differ""#))

        // A child of wave 1 says ready without a version: the supervisor hears version 1.
        #expect(try JSONLines.decode(ChildMessage.self, from: #"{"ready":{"port":7001}}"#) == .ready(port: 7001, version: 1))
    }

    @Test func aMessageHoldsExactlyOneKnownCase() {
        for line in [#"{"version":2}"#, #"{"status":true,"hello":true,"version":2}"#, #"{"nuke":true,"version":2}"#, "[]", "7"] {
            #expect(throws: DecodingError.self, "\(line)") { try JSONLines.decode(ControlRequest.self, from: line) }
        }
        for line in [#"{"id":1}"#, #"{"id":1,"command":{}}"#, #"{"id":1,"command":{"explode":true}}"#, #"{"id":1,"command":{"download":{}}}"#] {
            #expect(throws: DecodingError.self, "\(line)") { try JSONLines.decode(ChildRequest.self, from: line) }
        }
    }

    @Test func answersRenderAsTheConsolePrintsThem() {
        #expect(PeerAnswer.download(Self.report).text == "downloaded f1.txt (29 bytes) from s1, 2 hops, in 104 ms -> /p/f1.txt")
        var here = Self.report
        here.source = "local"
        #expect(PeerAnswer.download(here).text == "f1.txt is already here: /p/f1.txt")
        let missing = DownloadReport(ok: false, peer: "s2", file: "f9", error: "not found: no peer has f9")
        #expect(PeerAnswer.download(missing).text == "not found: no peer has f9")
        #expect(!PeerAnswer.download(missing).ok && PeerAnswer.download(missing).error == "not found: no peer has f9")
        #expect(PeerAnswer.topology(Self.topology).text.hasPrefix("topology: 2 peers, 1 link"))
        #expect(PeerAnswer.files([]).text == "no shared files")
        #expect(PeerAnswer.help.text == PeerCommand.helpText)
        #expect(!PeerAnswer.refused("busy").ok)
    }
}

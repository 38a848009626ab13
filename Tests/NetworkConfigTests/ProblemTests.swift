import Foundation
import Testing
@testable import NetworkConfig

/// A config with something wrong, and the JSON paths that must be reported (exactly these).
struct BadConfig: Sendable, CustomTestStringConvertible {
    let json: String
    let paths: [String]
    /// A piece the first problem's message must contain.
    let says: String

    init(_ json: String, _ paths: [String], says: String = "") {
        self.json = json
        self.paths = paths
        self.says = says
    }

    var testDescription: String { json }

    /// `registry` and `network` sections around one peer.
    static func registry(_ members: String, peers: String = onePeer) -> BadConfig.Body {
        Body(#"{"registry": {\#(members)}, "peers": \#(peers)}"#)
    }
    static func network(_ members: String) -> Body { Body(#"{"network": {\#(members)}, "peers": \#(onePeer)}"#) }
    static func peer(_ members: String) -> Body { Body(#"{"peers": [{\#(members)}]}"#) }

    struct Body {
        let json: String
        init(_ json: String) { self.json = json }
        func expect(_ paths: [String], says: String = "") -> BadConfig { BadConfig(json, paths, says: says) }
    }
}

@Suite struct Problems {
    static let cases: [BadConfig] = [
        // Registry
        BadConfig.registry(#""prot": 7000"#).expect(["registry.prot"], says: #"unknown key (did you mean "port"?)"#),
        BadConfig.registry(#""MaxPeers": 3"#).expect(["registry.MaxPeers"], says: #"did you mean "maxPeers"?"#),
        BadConfig.registry(#""ttl": 3"#).expect(["registry.ttl"], says: #""ttl" belongs in "network""#),
        BadConfig.registry(#""port": "7000""#).expect(["registry.port"], says: #"expected a whole number, got "7000""#),
        BadConfig.registry(#""port": 70000"#).expect(["registry.port"], says: "must be from 0 to 65535, got 70000"),
        BadConfig.registry(#""port": -1"#).expect(["registry.port"]),
        BadConfig.registry(#""port": 7000.5"#).expect(["registry.port"], says: "expected a whole number, got 7000.5"),
        BadConfig.registry(#""port": 1e400"#).expect(["registry.port"], says: "a number too large"),
        BadConfig.registry(#""port": true"#).expect(["registry.port"], says: "got true"),
        BadConfig.registry(#""maxPeers": 0"#).expect(["registry.maxPeers"]),
        BadConfig.registry(#""maxPeers": 100001"#).expect(["registry.maxPeers"]),
        BadConfig.registry(#""host": "localhost""#).expect(["registry.host"], says: #"(use "127.0.0.1")"#),
        BadConfig.registry(#""host": "[::1]""#).expect(["registry.host"], says: "without brackets"),
        BadConfig.registry(#""host": "256.0.0.1""#).expect(["registry.host"]),
        BadConfig.registry(#""host": 127"#).expect(["registry.host"]),
        BadConfig.registry(#""flag": """#).expect(["registry.flag"], says: "must not be empty"),
        BadConfig.registry(#""flag": "a\nb""#).expect(["registry.flag"], says: "control characters"),
        BadConfig.registry(#""referral": "star""#).expect(["registry.referral"], says: #"expected one of "weighted-random", "least-connected", "first", "chain", "random", got "star""#),
        BadConfig.registry(#""referral": "least_connected""#).expect(["registry.referral"], says: #"did you mean "least-connected"?"#),
        BadConfig.registry(#""peerPorts": [7010, 7001]"#).expect(["registry.peerPorts"], says: "the first port 7010 is above the last port 7001"),
        BadConfig.registry(#""peerPorts": [0, 70000]"#).expect(["registry.peerPorts[0]", "registry.peerPorts[1]"]),
        BadConfig.registry(#""peerPorts": 7001"#).expect(["registry.peerPorts"], says: "expected [first, last]"),
        BadConfig.registry(#""peerPorts": [7001, 7002, 7003]"#).expect(["registry.peerPorts"], says: "got an array of 3"),
        BadConfig.registry(#""peerPorts": [7001, 7001]"#, peers: twoPeers).expect(["registry.peerPorts"], says: "holds 1 port, fewer than the 2 peers"),
        BadConfig.registry(#""peerPorts": [6990, 7010]"#).expect(["registry.peerPorts"], says: "includes the registry's own port 7000"),
        BadConfig.registry(#""secretFile": "secret""#).expect(["registry.secretFile"], says: "cannot read the secret file"),
        BadConfig.registry(#""maxPeers": 1"#, peers: twoPeers).expect(["peers"], says: "2 peers, more than registry.maxPeers (1)"),
        BadConfig(#"{"registry": 7000, "peers": \#(onePeer)}"#, ["registry"], says: "expected an object, got 7000"),
        // Network
        BadConfig.network(#""ttl": 0"#).expect(["network.ttl"], says: "must be from 1 to 16, got 0"),
        BadConfig.network(#""ttl": 17"#).expect(["network.ttl"]),
        BadConfig.network(#""neighbours": 65"#).expect(["network.neighbours"]),
        BadConfig.network(#""neighbors": 3"#).expect(["network.neighbors"], says: #"did you mean "neighbours"?"#),
        BadConfig.network(#""neighbours": 4, "maxLinks": 3"#).expect(["network.maxLinks"], says: "fewer than network.neighbours"),
        BadConfig.network(#""maxLinks": 0"#).expect(["network.maxLinks"]),
        BadConfig.network(#""search": "bfs""#).expect(["network.search"], says: #"expected one of "flood", "ring", "walk""#),
        BadConfig.network(#""queryTimeout": 0"#).expect(["network.queryTimeout"], says: "more than 0 and at most 600 seconds"),
        BadConfig.network(#""queryTimeout": 600.5"#).expect(["network.queryTimeout"]),
        BadConfig.network(#""queryTimeout": "5s""#).expect(["network.queryTimeout"]),
        BadConfig(#"{"network": [], "peers": \#(onePeer)}"#, ["network"], says: "expected an object, got an array"),
        // Root
        BadConfig(#"[]"#, [""], says: "expected a JSON object at the top level, got an array"),
        BadConfig(#"{}"#, ["peers"], says: "missing (required)"),
        BadConfig(#"{"peer": \#(onePeer)}"#, ["peer", "peers"], says: #"did you mean "peers"?"#),
        BadConfig(#"{"a b": 1, "peers": \#(onePeer)}"#, [#"["a b"]"#], says: "known keys here: registry, network, peers"),
        BadConfig(#"{"peers": {}}"#, ["peers"], says: "expected an array of peers, got an object"),
        BadConfig(#"{"peers": []}"#, ["peers"], says: "at least one peer"),
        BadConfig(#"{"registry": {"port": 1, "port": 2}, "peers": \#(onePeer)}"#, ["registry.port"], says: "more than once"),
        // Peers
        BadConfig(#"{"peers": ["s1"]}"#, ["peers[0]"], says: #"expected an object, got "s1""#),
        BadConfig(#"{"peers": [null]}"#, ["peers[0]"]),
        BadConfig.peer(#""dir": "../Peers/s1""#).expect(["peers[0].name"], says: "missing (required)"),
        BadConfig.peer(#""name": "s1""#).expect(["peers[0].dir"], says: "missing (required)"),
        BadConfig.peer(#""name": null, "dir": "../Peers/s1""#).expect(["peers[0].name"], says: "got null"),
        BadConfig.peer(#""name": 1, "dir": "../Peers/s1""#).expect(["peers[0].name"]),
        BadConfig.peer(#""name": "", "dir": "../Peers/s1""#).expect(["peers[0].name"]),
        BadConfig.peer(#""name": "Registry", "dir": "../Peers/s1""#).expect(["peers[0].name"], says: "reserved"),
        BadConfig.peer(#""name": "s 1", "dir": "../Peers/s1""#).expect(["peers[0].name"], says: #"contains " ""#),
        BadConfig.peer(#""name": "pé", "dir": "../Peers/s1""#).expect(["peers[0].name"]),
        BadConfig.peer(#""name": "\#(String(repeating: "a", count: 33))", "dir": "../Peers/s1""#).expect(["peers[0].name"], says: "at most 32"),
        BadConfig.peer(#""name": "s1", "dir": """#).expect(["peers[0].dir"]),
        BadConfig.peer(#""name": "s1", "dir": "../Peers/nope""#).expect(["peers[0].dir"], says: "does not exist"),
        BadConfig.peer(#""name": "s1", "dir": "network.json""#).expect(["peers[0].dir"], says: "is a file, not a folder"),
        BadConfig.peer(#""name": "s1", "dir": "../Peers/s1", "restart": "sometimes""#).expect(["peers[0].restart"], says: #"expected one of "on-failure", "always", "no""#),
        BadConfig.peer(#""name": "s1", "dir": "../Peers/s1", "shareDownloads": 1"#).expect(["peers[0].shareDownloads"], says: "expected true or false, got 1"),
        BadConfig.peer(#""name": "s1", "dir": "../Peers/s1", "shareDownloads": "true""#).expect(["peers[0].shareDownloads"]),
        BadConfig.peer(#""name": "s1", "dir": "../Peers/s1", "share": true"#).expect(["peers[0].share"], says: #"did you mean "shareDownloads"?"#),
        BadConfig.peer(#""name": "s1", "dir": "../Peers/s1", "port": 7001"#).expect(["peers[0].port"], says: #""port" belongs in "registry""#),
        BadConfig(#"{"peers": [{"name": "s1", "dir": "../Peers/s1"}, {"name": "s1", "dir": "../Peers/s2"}]}"#, ["peers[1].name"], says: #""s1" is already the name of peers[0]"#),
        BadConfig(#"{"peers": [{"name": "s1", "dir": "../Peers/s1"}, {"name": "s2", "dir": "../Peers/s1/"}]}"#, ["peers[1].dir"], says: #"is also the folder of peers[0] ("s1")"#),
    ]

    @Test(arguments: cases)
    func reportsExactlyThesePaths(_ bad: BadConfig) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let problems = try scratch.problems(bad.json)
        #expect(problems.map(\.path) == bad.paths, "\(problems)")
        let first = try #require(problems.first)
        #expect(bad.says.isEmpty || first.message.contains(bad.says), "\(first.message)")
    }

    @Test func messagesReadAsDocumented() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let file = try scratch.write("""
            {
              "registry": { "prot": 7000, "port": "7000", "secretFile": "secret" },
              "peers": [
                { "name": "s1", "dir": "../Peers/s1" },
                { "name": "s2", "dir": "../Peers/gone" },
                { "name": "registry", "dir": "../Peers/s2" },
                { "name": "S1", "dir": "../Peers/s2", "shareDownloads": 1 }
              ]
            }
            """)
        let error = try #require(throws: ConfigError.self) { try ConfigLoader.load(path: file) }
        #expect(error.file == file)
        #expect(error.problems.map(\.description) == [
            #"registry.prot: unknown key (did you mean "port"?)"#,
            #"registry.port: expected a whole number, got "7000""#,
            "registry.secretFile: cannot read the secret file \(scratch.root)/Config/secret: No such file or directory",
            "peers[1].dir: folder \(scratch.root)/Peers/gone does not exist",
            #"peers[2].name: "registry" is reserved: p2pctl gives that name to the registry process"#,
            #"peers[3].name: "S1" is the same name as peers[0] ("s1"), names ignore case"#,
            "peers[3].dir: \(scratch.root)/Peers/s2 is also the folder of peers[2]; each peer needs its own",
            "peers[3].shareDownloads: expected true or false, got 1",
        ])
        let lines = error.description.split(separator: "\n")
        #expect(lines.count == error.problems.count)
        #expect(lines.first == #"\#(file): registry.prot: unknown key (did you mean "port"?)"#)
    }

    @Test(arguments: [
        ("{\n  \"peers\": [],\n}\n", 3, "trailing comma"),
        ("{\n  \"registry\": {\"port\": 7000}\n  \"peers\": []\n}", 3, "expected ',' or '}'"),
        ("{\n  'peers': []\n}", 2, "double quotes"),
        ("{\n  // the peers\n  \"peers\": []\n}", 2, "comments are not allowed"),
        ("{\"peers\": [{\"name\": \"s1\n\"}]}", 1, "a missing closing quote?"),
        ("{\"registry\": {\"port\": 07000}}", 1, "numbers do not start with 0"),
        ("{\"peers\": [\n", 2, "unexpected end of file"),
        ("{\"peers\": [True]}", 1, "lowercase"),
        ("{\"peers\": []} {}", 1, "after the end of the document"),
    ] as [(String, Int, String)])
    func syntaxErrorsSayWhere(_ text: String, _ line: Int, _ says: String) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let problems = try scratch.problems(text)
        let problem = try #require(problems.first)
        #expect(problems.count == 1)
        #expect(problem.path == "")
        #expect(problem.message.hasPrefix("JSON syntax error near line \(line), column "), "\(problem.message)")
        #expect(problem.message.contains(says), "\(problem.message)")
    }

    @Test func syntaxErrorColumn() {
        let report = JSONSyntax.check(Array("{\n  \"é\": x}".utf8))
        #expect(report.failure == JSONSyntax.Failure(line: 2, column: 8, message: "unexpected character; strings take double quotes, and true, false and null are lowercase"))
    }

    @Test(arguments: ["", "  \n\t", "\u{FEFF}"])
    func emptyFile(_ text: String) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let problems = try scratch.problems(text)
        #expect(problems == [ConfigProblem(path: "", message: "the file is empty; it needs a JSON object with at least \"peers\"")])
    }

    @Test func unreadableFiles() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let missing = scratch.root + "/Config/none.json"
        let error = try #require(throws: ConfigError.self) { try ConfigLoader.load(path: missing) }
        #expect(error.problems == [ConfigProblem(path: "", message: "cannot read \(missing): no such file")])
        #expect(error.description == "\(missing): cannot read \(missing): no such file")
        let folder = try #require(throws: ConfigError.self) { try ConfigLoader.load(path: scratch.root + "/Config") }
        #expect(folder.problems.map(\.message) == ["cannot read \(scratch.root)/Config: it is a folder, not a file"])
    }

    @Test func notUTF8() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let source = scratch.root + "/Config/network.json"
        let utf16 = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(data: Data([0xFF, 0xFE] + Array(#"{"peers":[]}"#.utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }), source: source)
        }
        #expect(utf16.problems.map(\.message) == ["the file is UTF-16 text; save it as UTF-8"])
        let latin1 = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(data: Data(Array(#"{"peers": [{"name": "p"#.utf8) + [0xE9] + Array(#"", "dir": "."}]}"#.utf8)), source: source)
        }
        #expect(latin1.problems.map(\.message) == ["not valid JSON: it must be UTF-8 text"])
    }

    @Test func suggestions() {
        #expect(Suggest.closest(to: "prot", among: ["host", "port"]) == "port")
        #expect(Suggest.closest(to: "queryTimeOut", among: ["ttl", "queryTimeout"]) == "queryTimeout")
        #expect(Suggest.closest(to: "zzz", among: ["ttl", "neighbours"]) == nil)
        #expect(Suggest.distance(Array("ab".unicodeScalars), Array("ba".unicodeScalars)) == 1)
    }
}

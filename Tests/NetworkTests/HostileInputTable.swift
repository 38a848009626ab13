import Foundation
import Wire

/// Hostile input, one row each: where it goes, what it is, and what must come back. The test
/// in HostileInputTableTests.swift sends every row to a running network and then checks that
/// the process that took it is alive and still serves a normal request.
struct HostileInput: CustomStringConvertible, Sendable {
    enum Target: String, Sendable {
        case peerSocket = "peer socket", registrySocket = "registry socket", controlSocket = "control socket"
        case peerStdin = "peer stdin", commandLine = "command line", config = "config"
    }

    enum Input: Sendable {
        case bytes([UInt8])
        /// A console line typed into a peer run by hand.
        case line(String)
        /// An executable (p2pctl runs on the test network's config and state dir) and its words.
        case words(String, [String])
        /// A config file's bytes, checked with `p2pctl validate`.
        case config([UInt8])
    }

    enum Outcome: Sendable {
        /// Something came back that contains this text (HTTP status, a refusal's reason, an error line).
        case answer(String)
        /// The connection was closed without an answer.
        case dropped
        /// The command exited with this status, saying this on stderr.
        case exit(Int32, String)
    }

    let name: String
    let target: Target
    let input: Input
    let expected: Outcome

    init(_ target: Target, _ name: String, _ input: Input, _ expected: Outcome) {
        self.target = target
        self.name = name
        self.input = input
        self.expected = expected
    }

    var description: String { "\(target.rawValue): \(name)" }
}

private func http(_ text: String) -> HostileInput.Input { .bytes(Array(text.utf8)) }
private func overlay(_ frames: [Frame], raw: [UInt8] = []) -> HostileInput.Input {
    .bytes(Overlay.preface() + frames.flatMap { $0.encoded() } + raw)
}
private func ctl(_ words: String...) -> HostileInput.Input { .words("p2pctl", words) }
private func config(_ text: String) -> HostileInput.Input { .config(Array(text.utf8)) }

extension HostileInput {
    static let garbage = (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
    static let join = Frame.join(name: "probe", flag: "P2P", port: 1, neighbours: [])
    static let id = QueryID(bytes: Array(0..<16))!

    static let table: [HostileInput] = [
        // A peer's port: HTTP and the overlay protocol share it.
        HostileInput(.peerSocket, "4 KiB of binary garbage", .bytes(garbage), .answer("HTTP/1.1 400")),
        HostileInput(.peerSocket, "a request line of 100 KB", http("GET /\(String(repeating: "a", count: 100_000)) HTTP/1.1\r\n\r\n"), .answer("HTTP/1.1 431")),
        HostileInput(.peerSocket, "65 header fields", http("GET /f1.txt HTTP/1.1\r\n" + (0...64).map { "X-\($0): y\r\n" }.joined() + "\r\n"), .answer("HTTP/1.1 431")),
        HostileInput(.peerSocket, "a path out of the folder", http("GET /../../etc/passwd HTTP/1.1\r\n\r\n"), .answer("HTTP/1.1 404")),
        HostileInput(.peerSocket, "a percent-encoded path out", http("GET /%2e%2e%2F%2e%2e%2Fetc%2Fpasswd HTTP/1.1\r\n\r\n"), .answer("HTTP/1.1 404")),
        HostileInput(.peerSocket, "a NUL in the name", http("GET /f1.txt%00.png HTTP/1.1\r\n\r\n"), .answer("HTTP/1.1 404")),
        HostileInput(.peerSocket, "the Downloads folder", http("GET /Downloads HTTP/1.1\r\n\r\n"), .answer("HTTP/1.1 404")),
        HostileInput(.peerSocket, "a hidden file", http("GET /.hidden HTTP/1.1\r\n\r\n"), .answer("HTTP/1.1 404")),
        HostileInput(.peerSocket, "the temporary folder", http("GET /.p2p-partial HTTP/1.1\r\n\r\n"), .answer("HTTP/1.1 404")),
        HostileInput(.peerSocket, "an absolute-form target", http("GET http://evil/etc/passwd HTTP/1.1\r\n\r\n"), .answer("HTTP/1.1 404")),
        HostileInput(.peerSocket, "POST with a body", http("POST /f1.txt HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"), .answer("HTTP/1.1 400")),
        HostileInput(.peerSocket, "PUT", http("PUT /f1.txt HTTP/1.1\r\n\r\n"), .answer("HTTP/1.1 405")),
        HostileInput(.peerSocket, "a chunked request", http("GET /f1.txt HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), .answer("HTTP/1.1 400")),
        HostileInput(.peerSocket, "a Content-Length of 10^20", http("GET /f1.txt HTTP/1.1\r\nContent-Length: 100000000000000000000\r\n\r\n"), .answer("HTTP/1.1 400")),
        HostileInput(.peerSocket, "a header without a colon", http("GET /f1.txt HTTP/1.1\r\nNoColonHere\r\n\r\n"), .answer("HTTP/1.1 400")),
        HostileInput(.peerSocket, "a range past the end", http("GET /f1.txt HTTP/1.1\r\nRange: bytes=9000-\r\n\r\n"), .answer("HTTP/1.1 416")),
        HostileInput(.peerSocket, "HTTP/2's preface", http("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), .answer("unsupported version HTTP/2.0")),
        HostileInput(.peerSocket, "a frame claiming 2 GB", .bytes(Overlay.preface() + [0x13, 0x80, 0, 0, 0]), .answer("over the cap")),
        HostileInput(.peerSocket, "an overlay version we do not speak", .bytes(Overlay.magic + [99]), .answer("version 99 is not supported")),
        HostileInput(.peerSocket, "an unknown frame type", overlay([], raw: [0x7f, 0, 0, 0, 0]), .answer("unknown frame type 127")),
        HostileInput(.peerSocket, "half a frame, then silence", overlay([], raw: Array(Frame.hello(name: "x", flag: "P2P", port: 1).encoded().prefix(7))), .answer("timed out")),
        HostileInput(.peerSocket, "a hello with the wrong flag", overlay([.hello(name: "intruder", flag: "nope", port: 1)]), .answer("wrong join flag")),
        HostileInput(.peerSocket, "a hello with the peer's own name", overlay([.hello(name: "s1", flag: "P2P", port: 1)]), .answer("invalid peer name")),
        HostileInput(.peerSocket, "a hello with a name that is no name", overlay([.hello(name: "../x", flag: "P2P", port: 1)]), .answer("invalid peer name")),
        HostileInput(.peerSocket, "a link that sends a registry frame", overlay([.hello(name: "intruder", flag: "P2P", port: 1), .welcome(port: 1, referrals: [])]), .answer("unexpected welcome")),
        HostileInput(.peerSocket, "a query before any hello", overlay([.query(id: id, ttl: 7, hops: 0, name: "f1")]), .answer("expected hello")),
        HostileInput(.peerSocket, "a challenge where there is no secret", overlay([.challenge(nonce: Array(repeating: 1, count: 32))]), .answer("no shared secret")),
        HostileInput(.peerSocket, "a name that is not UTF-8", overlay([], raw: [0x10, 0, 0, 0, 7, 0, 2, 0xff, 0xfe, 0, 0, 0]), .answer("malformed frame")),

        // The registry's port.
        HostileInput(.registrySocket, "HTTP", http("GET / HTTP/1.1\r\n\r\n"), .dropped),
        HostileInput(.registrySocket, "a connection that says nothing", .bytes([]), .dropped),
        HostileInput(.registrySocket, "a frame claiming 2 GB", .bytes(Overlay.preface() + [0x01, 0x80, 0, 0, 0]), .dropped),
        HostileInput(.registrySocket, "a hello where a join belongs", overlay([.hello(name: "x", flag: "P2P", port: 1)]), .answer("expected a join")),
        HostileInput(.registrySocket, "a heartbeat before joining", overlay([.heartbeat(neighbours: ["s1"])]), .answer("expected a join")),
        HostileInput(.registrySocket, "a join with the wrong flag", overlay([.join(name: "probe2", flag: "nope", port: 1, neighbours: [])]), .answer("wrong join flag")),
        HostileInput(.registrySocket, "a join as a peer already in", overlay([.join(name: "S1", flag: "P2P", port: 1, neighbours: [])]), .answer("is already taken in this network")),
        HostileInput(.registrySocket, "a join named registry", overlay([.join(name: "registry", flag: "P2P", port: 1, neighbours: [])]), .answer("invalid name")),
        HostileInput(.registrySocket, "a challenge where there is no secret", overlay([.challenge(nonce: Array(repeating: 2, count: 32))]), .answer("no shared secret")),

        // The supervisor's control socket.
        HostileInput(.controlSocket, "not JSON", http("not json at all\n"), .answer("malformed request")),
        HostileInput(.controlSocket, "an empty object", http("{}\n"), .answer("malformed request")),
        HostileInput(.controlSocket, "an unknown command", http("{\"nuke\": true, \"version\": 2}\n"), .answer("malformed request")),
        HostileInput(.controlSocket, "two commands in one request", http("{\"status\": true, \"down\": {\"grace\": 1}, \"version\": 2}\n"), .answer("malformed request")),
        HostileInput(.controlSocket, "a request of wave 1's protocol", http("{\"command\": \"status\"}\n"), .answer("speaks control protocol 1")),
        HostileInput(.controlSocket, "a request of a later protocol", http("{\"status\": true, \"version\": 99}\n"), .answer("speaks control protocol 99")),
        HostileInput(.controlSocket, "a line of 1 MB", http(String(repeating: "{", count: 1 << 20) + "\n"), .answer("malformed request")),
        HostileInput(.controlSocket, "binary garbage with NULs", .bytes([0, 0, 0xff] + garbage + [10]), .answer("malformed request")),
        HostileInput(.controlSocket, "send to a peer that does not exist", http("{\"send\": {\"peer\": \"zz\", \"command\": {\"download\": {\"name\": \"f1\"}}, \"timeout\": 30}, \"version\": 2}\n"), .answer("no peer")),
        HostileInput(.controlSocket, "a signal that does not exist", http("{\"kill\": {\"name\": \"s3\", \"signal\": 99999}, \"version\": 2}\n"), .answer("there is no signal 99999")),

        // A peer's console, run by hand.
        HostileInput(.peerStdin, "get a path out of the folder", .line("get ../../etc/passwd"), .answer("is not a file name")),
        HostileInput(.peerStdin, "an absolute path", .line("/etc/passwd"), .answer("is not a file name")),
        HostileInput(.peerStdin, "a line of 1 MB", .line(String(repeating: "x", count: 1 << 20)), .answer("too long")),
        HostileInput(.peerStdin, "control characters and NULs", .line("f\u{0}1\u{7}\u{1b}[2J"), .answer("is not a file name")),
        HostileInput(.peerStdin, "a right-to-left override", .line("\u{202E}txt.exe"), .answer("not found")),
        HostileInput(.peerStdin, "get with no name", .line("get"), .answer("not found")),

        // Command-line words.
        HostileInput(.commandLine, "an unknown command", ctl("nuke"), .exit(2, "unknown command 'nuke'")),
        HostileInput(.commandLine, "send with nothing to send", ctl("send"), .exit(2, "send needs a peer and words")),
        HostileInput(.commandLine, "send to an unknown peer", ctl("send", "zz", "f1"), .exit(2, "no peer named 'zz'")),
        HostileInput(.commandLine, "an option without its value", .words("p2pctl", ["status", "--state-dir"]), .exit(2, "needs a value")),
        HostileInput(.commandLine, "a signal name that does not exist", ctl("kill", "s1", "--signal", "NOPE"), .exit(2, "NOPE")),
        HostileInput(.commandLine, "a negative line count", ctl("logs", "-n", "-5"), .exit(2, "--lines must be a whole number")),
        HostileInput(.commandLine, "a format that does not exist", ctl("topo", "--format", "xml"), .exit(2, "xml")),
        HostileInput(.commandLine, "a timeout that is not a number", ctl("send", "s1", "f2", "--timeout", "abc"), .exit(2, "--timeout")),
        HostileInput(.commandLine, "a peer name with spaces and punctuation", .words("p2p-peer", ["--name", "bad name!"]), .exit(2, "invalid name")),
        HostileInput(.commandLine, "a port past 65535", .words("p2p-registry", ["--port", "70000"]), .exit(2, "--port")),
        HostileInput(.commandLine, "a port range backwards", .words("p2p-registry", ["--peer-ports", "9-1"]), .exit(2, "--peer-ports")),
        HostileInput(.commandLine, "a TTL past 16", .words("p2p-peer", ["--name", "x", "--ttl", "99"]), .exit(2, "--ttl")),
        HostileInput(.commandLine, "a secret on the command line", .words("p2p-peer", ["--name", "x", "--secret", "hunter2"]), .exit(2, "unknown option '--secret'")),
        HostileInput(.commandLine, "a secret file that is not there", .words("p2p-peer", ["--name", "x", "--secret-file", "/nonexistent/secret"]), .exit(2, "cannot read the secret file")),

        // Configs, as `p2pctl validate` (and `up`) read them.
        HostileInput(.config, "not JSON", config("peers: s1"), .exit(2, "JSON syntax error near line 1, column 1")),
        HostileInput(.config, "an array", config("[]"), .exit(2, "expected a JSON object at the top level, got an array")),
        HostileInput(.config, "nested a hundred thousand deep", config(String(repeating: "[", count: 100_000)), .exit(2, "nested too deeply")),
        HostileInput(.config, "invalid UTF-8", .config(Array("{\"peers\": [{\"name\": \"".utf8) + [0xff, 0xfe] + Array("\", \"dir\": \"s1\"}]}".utf8)), .exit(2, "it must be UTF-8 text")),
        HostileInput(.config, "a NUL byte", .config(Array("{\"peers\": [".utf8) + [0] + Array("]}".utf8)), .exit(2, "line 1, column 12")),
        HostileInput(.config, "a key twice", config("{\"peers\": [], \"peers\": []}"), .exit(2, "appears more than once")),
        HostileInput(.config, "a port of 10^30", config("{\"registry\": {\"port\": 1e30}, \"peers\": [{\"name\": \"s1\", \"dir\": \"s1\"}]}"), .exit(2, "registry.port")),
        HostileInput(.config, "a negative maxPeers", config("{\"registry\": {\"maxPeers\": -1}, \"peers\": [{\"name\": \"s1\", \"dir\": \"s1\"}]}"), .exit(2, "registry.maxPeers")),
        HostileInput(.config, "a peer named with a path", config("{\"peers\": [{\"name\": \"../x\", \"dir\": \"s1\"}]}"), .exit(2, "peers[0].name")),
        HostileInput(.config, "a folder that is a file", config("{\"peers\": [{\"name\": \"s1\", \"dir\": \"s1/f1.txt\"}]}"), .exit(2, "peers[0].dir")),
    ]
}

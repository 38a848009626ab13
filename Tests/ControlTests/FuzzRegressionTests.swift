// Inputs fuzz-control found (.ci/fuzz), replayed: each once crashed a reader or let through a
// value that crashed the code using it. Decoding now refuses them, so the reader answers
// "malformed" (or logs the line) and goes on.

import Testing
import Control

@Suite struct FuzzRegressions {
    /// `p2pctl topo` printed a link by reading both of its ends: a link of one name trapped.
    @Test func topologyLinkOfOneNameIsRefused() throws {
        let found = #"{"ok":true,"topology":{"edges":[["s1Sets2"]],"halfLinks":[["s3","s1"]],"nodes":[{"name":"s1","port":7001},{"name":"s2","port":7002},{"name":"s3","port":7003}]}}"#
        #expect(throws: DecodingError.self) { try JSONLines.decode(ControlResponse.self, from: found) }
        let halfLink = #"{"ok":true,"topology":{"edges":[],"halfLinks":[["s3","s1","s2"]],"nodes":[]}}"#
        #expect(throws: DecodingError.self) { try JSONLines.decode(ControlResponse.self, from: halfLink) }

        let pair = #"{"ok":true,"topology":{"edges":[["s1","s2"]],"halfLinks":[["s3","s1"]],"nodes":[{"name":"s1","port":7001},{"name":"s2","port":7002},{"name":"s3","port":7003}]}}"#
        let topology = try #require(try JSONLines.decode(ControlResponse.self, from: pair).topology)
        #expect(topology.text.contains("half link: s3 -> s1"))
    }

    /// p2pctl's progress bar drew `30 - filled` dashes: more bytes than the total trapped.
    @Test func progressPastTheTotalIsRefused() throws {
        let found = #"{"bytes":1085,"event":"progress","id":7,"td":7,"total":4}"#
        #expect(throws: DecodingError.self) { try JSONLines.decode(ChildMessage.self, from: found) }
        let relayed = #"{"ok":true,"progress":{"bytes":1085,"total":4}}"#
        #expect(throws: DecodingError.self) { try JSONLines.decode(ControlResponse.self, from: relayed) }

        let done = try JSONLines.decode(ChildMessage.self, from: #"{"bytes":4,"event":"progress","id":7,"total":4}"#)
        #expect(done == .progress(id: 7, bytes: 4, total: 4))
    }

    /// The supervisor turned a timeout into milliseconds as an Int64: 1.7e69 s trapped it, so
    /// one line on the control socket brought the whole network down.
    @Test func timeoutBeyondADayIsRefused() throws {
        let found = #"{"command":"down","timeout":1777777777777777777777777777777777777777777777777777777777777777777777}"#
        #expect(throws: DecodingError.self) { try JSONLines.decode(ControlRequest.self, from: found) }
        for timeout in ["-1", "86400.5", "1e300"] {
            #expect(throws: DecodingError.self) {
                try JSONLines.decode(ControlRequest.self, from: #"{"command":"send","name":"s1","line":"f1","timeout":\#(timeout)}"#)
            }
        }
        let longest = try JSONLines.decode(ControlRequest.self, from: #"{"command":"send","name":"s1","line":"f1","timeout":86400}"#)
        #expect(longest == ControlRequest(.send, name: "s1", line: "f1", timeout: 86_400))
    }
}

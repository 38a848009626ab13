// Inputs fuzz-control found (.ci/fuzz), replayed in today's schema: each once crashed a reader
// or let through a value that crashed the code using it. Decoding now refuses them, so the
// reader answers "malformed" (or logs the line) and goes on.

import Testing
import Control

@Suite struct FuzzRegressions {
    /// `p2pctl topo` printed a link by reading both of its ends: a link of one name trapped.
    @Test func topologyLinkOfOneNameIsRefused() throws {
        let found = #"{"topology":{"edges":[["s1Sets2"]],"halfLinks":[["s3","s1"]],"nodes":[{"name":"s1","port":7001},{"name":"s2","port":7002},{"name":"s3","port":7003}]},"version":2}"#
        #expect(throws: DecodingError.self) { try JSONLines.decode(ControlResponse.self, from: found) }
        let halfLink = #"{"topology":{"edges":[],"halfLinks":[["s3","s1","s2"]],"nodes":[]},"version":2}"#
        #expect(throws: DecodingError.self) { try JSONLines.decode(ControlResponse.self, from: halfLink) }

        let pair = #"{"topology":{"edges":[["s1","s2"]],"halfLinks":[["s3","s1"]],"nodes":[{"name":"s1","port":7001},{"name":"s2","port":7002},{"name":"s3","port":7003}]},"version":2}"#
        guard case .topology(let topology) = try JSONLines.decode(ControlResponse.self, from: pair) else {
            Issue.record("not a topology")
            return
        }
        #expect(topology.text.contains("half link: s3 -> s1"))
    }

    /// p2pctl's progress bar drew `30 - filled` dashes: more bytes than the total trapped.
    @Test func progressPastTheTotalIsRefused() throws {
        let found = #"{"progress":{"id":7,"progress":{"bytes":1085,"total":4},"td":7}}"#
        #expect(throws: DecodingError.self) { try JSONLines.decode(ChildMessage.self, from: found) }
        let relayed = #"{"progress":{"bytes":1085,"total":4},"version":2}"#
        #expect(throws: DecodingError.self) { try JSONLines.decode(ControlResponse.self, from: relayed) }

        let done = try JSONLines.decode(ChildMessage.self, from: #"{"progress":{"id":7,"progress":{"bytes":4,"total":4}}}"#)
        #expect(done == .progress(id: 7, TransferProgress(bytes: 4, total: 4)))
    }

    /// The supervisor turned a timeout into milliseconds as an Int64: 1.7e69 s trapped it, so
    /// one line on the control socket brought the whole network down.
    @Test func timeoutBeyondADayIsRefused() throws {
        let found = #"{"down":{"grace":1777777777777777777777777777777777777777777777777777777777777777777777},"version":2}"#
        #expect(throws: DecodingError.self) { try JSONLines.decode(ControlRequest.self, from: found) }
        func send(_ timeout: String) -> String {
            #"{"send":{"command":{"download":{"name":"f1"}},"peer":"s1","timeout":\#(timeout)},"version":2}"#
        }
        for timeout in ["-1", "86400.5", "1e300"] {
            #expect(throws: DecodingError.self) { try JSONLines.decode(ControlRequest.self, from: send(timeout)) }
        }
        let longest = try JSONLines.decode(ControlRequest.self, from: send("86400"))
        #expect(longest == .send(peer: "s1", command: .download(DownloadRequest(name: "f1")), timeout: Seconds(86_400)))
    }
}

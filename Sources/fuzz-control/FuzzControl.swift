// libFuzzer target for the control messages (.ci/fuzz; glue in Sources/FuzzSupport): every
// JSON line a process reads from another, through `JSONLines.decode` as the readers call it.

import Control
import FuzzSupport

@main enum FuzzControl {
    static func main() {
        LibFuzzer.run { data, size in FuzzControl.check(LibFuzzer.bytes(data, size)) }
    }

    /// One line, as each reader would take it (invalid UTF-8 replaced, as they decode bytes):
    /// none may trap, what decodes must survive re-encoding, and what the reader then does
    /// with the values must be safe.
    static func check(_ bytes: [UInt8]) -> CInt {
        let line = String(decoding: bytes, as: UTF8.self)
        // A child's stdin (p2p-peer --supervised).
        _ = roundTrip(ChildRequest.self, line)
        // A child's stdout, as the supervisor reads it (ManagedProcess.received).
        if case .progress(_, let bytes, let total)? = roundTrip(ChildMessage.self, line) {
            checkProgress(TransferProgress(bytes: bytes, total: total))
        }
        // The control socket: the supervisor reads requests (ControlServer), p2pctl responses.
        if let request = roundTrip(ControlRequest.self, line), let timeout = request.timeout {
            guard ControlRequest.timeouts.contains(timeout) else { fatalError("timeout \(timeout) accepted") }
        }
        if let response = roundTrip(ControlResponse.self, line) {
            if let progress = response.progress { checkProgress(progress) }
            if let topology = response.topology {
                // What `p2pctl topo` prints.
                _ = topology.text
                _ = topology.dot
            }
        }
        return 0
    }

    /// Decodes `line` as `type`; whatever decodes must encode to one line that decodes back
    /// to the same value (the supervisor relays replies this way).
    static func roundTrip<Message: Codable & Equatable>(_ type: Message.Type, _ line: String) -> Message? {
        guard let message = try? JSONLines.decode(type, from: line) else { return nil }
        let encoded = JSONLines.encode(message)
        guard !encoded.utf8.contains(UInt8(ascii: "\n")) else { fatalError("\(type) encodes to several lines: \(encoded)") }
        guard let again = try? JSONLines.decode(type, from: encoded), again == message else {
            fatalError("\(type) does not survive re-encoding: \(line) -> \(encoded)")
        }
        return message
    }

    /// A progress bar can show it: never more bytes than the total.
    static func checkProgress(_ progress: TransferProgress) {
        guard progress.bytes <= progress.total else { fatalError("progress \(progress.bytes) of \(progress.total) accepted") }
    }
}

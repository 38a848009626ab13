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
        let message = roundTrip(ChildMessage.self, line)
        // The children write the ones they send as they start by hand: those must read back too.
        if let message, (try? JSONLines.decode(ChildMessage.self, from: message.line)) != message {
            fatalError("a hand-written child message does not read back: \(line) -> \(message.line)")
        }
        switch message {
        case .progress(_, let step)?: checkProgress(step)
        case .answer(_, let answer)?: render(answer)
        default: break
        }
        // The control socket: the supervisor reads requests (ControlServer), p2pctl responses.
        _ = JSONLines.version(of: line)
        switch roundTrip(ControlRequest.self, line) {
        case .send(_, _, let timeout)?, .down(let timeout)?: checkSeconds(timeout)
        default: break
        }
        switch roundTrip(ControlResponse.self, line) {
        case .progress(let step)?: checkProgress(step)
        case .answer(let answer)?: render(answer)
        case .topology(let document)?: render(.topology(document))
        default: break
        }
        // What a person types, as the console and `p2pctl send` parse it.
        let command = PeerCommand(words: line)
        _ = roundTrip(ChildRequest.self, JSONLines.encode(ChildRequest(id: 1, command: command)))
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

    /// The supervisor turns seconds into a deadline: only what its clock can hold.
    static func checkSeconds(_ seconds: Seconds) {
        guard Seconds.range.contains(seconds.value) else { fatalError("\(seconds.value) seconds accepted") }
    }

    /// What p2pctl and the peer's console print from an answer (the topology reads both ends
    /// of every link).
    static func render(_ answer: PeerAnswer) {
        _ = answer.text
        if case .topology(let document) = answer { _ = document.dot }
    }
}

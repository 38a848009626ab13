// libFuzzer target for the overlay frame decoder (.ci/fuzz; glue in Sources/FuzzSupport).

import FuzzSupport
import Wire

@main enum FuzzFrames {
    static func main() {
        LibFuzzer.run { data, size in FuzzFrames.check(LibFuzzer.bytes(data, size)) }
    }

    /// One input: decoding must not trap, and whatever decodes must re-encode to exactly the
    /// bytes it came from (every field has one encoding, so any difference is a codec bug).
    static func check(_ bytes: [UInt8]) -> CInt {
        _ = Overlay.sniff(bytes)
        _ = try? Overlay.checkPreface(bytes)
        do {
            let (frame, consumed) = try Frame.decode(bytes)
            let again = frame.encoded()
            if again != Array(bytes.prefix(consumed)) {
                fatalError("round trip differs for \(frame): \(again) vs \(bytes.prefix(consumed))")
            }
            if try Frame.decode(again).frame != frame { fatalError("second decode differs for \(frame)") }
        } catch {
            // Rejecting is fine; trapping is not. A .truncated error must mean more bytes are needed.
            if error == .truncated, let (_, length) = try? Frame.decodeHeader(bytes), bytes.count >= Frame.headerSize + length {
                fatalError("truncated reported for a complete frame")
            }
        }
        return 0
    }
}

// libFuzzer target for the overlay frame decoder. Built by .ci/fuzz with -DFUZZING
// -sanitize=fuzzer -parse-as-library; a plain `swift build` gets the stub at the bottom.
//
// SwiftPM links every executable with `main` aliased to `<module>_main` (so tests can link
// executables), which is why a bare LLVMFuzzerTestOneInput target fails to link. Instead we
// define that symbol ourselves and hand control to libFuzzer's driver.

import Wire

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// One input: decoding must not trap, and whatever decodes must re-encode to exactly the
/// bytes it came from (every field has one encoding, so any difference is a codec bug).
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    _ = Overlay.sniff(bytes)
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

// libFuzzer's own main (FuzzerMain.cpp) is pulled from the archive while `main` is still
// undefined at that point of the link, and it calls this; define it so the link succeeds
// whichever `main` the linker keeps. Both paths run the same check.
@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { fuzzOne(data, size) }

@_cdecl("fuzz_frames_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOne(data, size) }
}
#else
// A declaration rather than a bare call: with -parse-as-library even this inactive branch is
// parsed as library code, where top-level expressions are an error; in a normal build
// main.swift is script code and this line simply runs.
let _: Void = print("fuzz-frames: build with -DFUZZING (see .ci/fuzz)")
#endif

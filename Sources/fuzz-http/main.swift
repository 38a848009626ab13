// libFuzzer target for the HTTP head parsers, Range parsing and target decoding. Built by
// .ci/fuzz with -DFUZZING -sanitize=fuzzer -parse-as-library; a plain `swift build` gets the
// stub at the bottom. See fuzz-frames/main.swift for why the entry point looks like this.

import Wire

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// One input through every parser: none may trap, and what they accept must be consistent.
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    if case let .complete(request, consumed)? = try? HTTP.parseRequest(bytes) {
        guard consumed > 0, consumed <= min(bytes.count, HTTPLimits.maxHead) else { fatalError("bad consumed \(consumed)") }
        // Our own encoding of what we parsed must parse back to the same request.
        guard case let .complete(again, _)? = try? HTTP.parseRequest(request.encoded()), again == request else {
            fatalError("request does not survive re-encoding: \(request)")
        }
        if let name = HTTP.decodeTarget(request.target) {
            // Encoding a decoded name and decoding it again gives the name back.
            guard HTTP.decodeTarget("/" + HTTP.encodePathComponent(name)) == name else { fatalError("target round trip: \(name)") }
        }
        if let range = request.header("Range").flatMap(ByteRange.parse) { checkResolve(range) }
    }
    if case let .complete(head, consumed)? = try? HTTP.parseResponse(bytes) {
        guard consumed > 0, consumed <= min(bytes.count, HTTPLimits.maxHead) else { fatalError("bad consumed \(consumed)") }
        _ = head.contentLength
    }
    // The raw bytes as a header value and as a target, when they are text at all.
    if let text = String(validating: bytes, as: UTF8.self) {
        if let range = ByteRange.parse(text) { checkResolve(range) }
        _ = HTTP.decodeTarget(text)
        _ = HTTP.parseContentLength(text)
    }
    return 0
}

/// Whatever a range resolves to must lie inside the file and be non-empty.
func checkResolve(_ range: ByteRange) {
    for size: UInt64 in [0, 1, 2, 10, 1 << 32, UInt64.max] {
        guard let (offset, length) = range.resolve(size: size) else { continue }
        guard length > 0, offset < size, length <= size - offset else {
            fatalError("\(range) resolves to \(offset)+\(length) on a file of \(size)")
        }
        _ = ByteRange.contentRange(offset: offset, length: length, size: size)
    }
}

// Needed for the link (see fuzz-frames/main.swift); `main` itself is fuzz_http_main below.
@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { fuzzOne(data, size) }

@_cdecl("fuzz_http_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOne(data, size) }
}
#else
// A declaration, not a bare call: see fuzz-frames/main.swift.
let _: Void = print("fuzz-http: build with -DFUZZING (see .ci/fuzz)")
#endif

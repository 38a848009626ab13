#if canImport(Glibc)
import Glibc
#endif
#if FUZZING
import CLibFuzzer
#endif

// The libFuzzer glue every fuzz-* target shares. A target is an `@main` type whose `main()`
// calls `LibFuzzer.run` with its check; .ci/fuzz builds it with -DFUZZING -sanitize=fuzzer.
//
// Why `@main` and not a bare LLVMFuzzerTestOneInput: SwiftPM links every executable with
// `main` aliased to `<module>_main` (so tests can link executables), and the compiler emits
// that symbol only for the module's entry point. `@main` gives each target its own without
// naming it, and starts libFuzzer's driver with the target's callback (CLibFuzzer declares
// the driver and the symbol the linker needs).

public enum LibFuzzer {
    /// One input: the bytes and their count, as libFuzzer passes them. The function must not
    /// capture anything (a C function pointer), so a target passes a closure that calls
    /// top-level or static functions only.
    public typealias Callback = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

    /// The input as an array (empty for a null pointer).
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    }

#if FUZZING
    /// Hands the process to libFuzzer's driver with the command line's arguments.
    public static func run(_ callback: Callback) -> Never {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
    }
#else
    /// Without libFuzzer (a plain `swift build`): replays the files named on the command
    /// line through the same check, so a kept crash input reproduces under a debugger.
    public static func run(_ callback: Callback) -> Never {
        let files = CommandLine.arguments.dropFirst()
        if files.isEmpty { fail("usage: INPUT... (replays inputs; .ci/fuzz builds the fuzzer)", status: 2) }
        for file in files {
            guard let bytes = read(file) else { fail("cannot read \(file)", status: 1) }
            _ = bytes.withUnsafeBufferPointer { callback($0.baseAddress, $0.count) }
            print("\(file): \(bytes.count) bytes, no failure")
        }
        exit(0)
    }

    private static func fail(_ message: String, status: CInt) -> Never {
        let line = Array("\(CommandLine.arguments[0]): \(message)\n".utf8)
        _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        exit(status)
    }

    private static func read(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            bytes += chunk[..<count]
            if count < chunk.count { return ferror(file) == 0 ? bytes : nil }
        }
    }
#endif
}

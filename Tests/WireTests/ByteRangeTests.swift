import Testing
@testable import Wire

@Suite struct ByteRanges {
    @Test(arguments: [
        ("bytes=0-9", ByteRange.closed(0, 9)),
        ("bytes=5-", .from(5)),
        ("bytes=-3", .suffix(3)),
        ("bytes=7-7", .closed(7, 7)),
        ("Bytes = 1-2 ", .closed(1, 2)),
        ("bytes=-0", .suffix(0)),
        ("bytes=0-9999999999999999999", .closed(0, 9_999_999_999_999_999_999)),
    ])
    func parses(_ header: String, _ range: ByteRange) {
        #expect(ByteRange.parse(header) == range)
    }

    @Test(arguments: ["bytes=9-0", "bytes=0-1,5-6", "bytes=-", "bytes=", "items=0-1", "bytes 0-1", "0-1", "bytes=a-b",
                      "bytes=1-2-3", "bytes=--1", "bytes=+1-2", "bytes=0-18446744073709551616", "bytes=12345678901234567890-", ""])
    func rejects(_ header: String) {
        #expect(ByteRange.parse(header) == nil)
    }

    @Test func resolveOnEmptyFile() {
        // Nothing is satisfiable in an empty file (the server may prefer to ignore Range: 200).
        for range: ByteRange in [.closed(0, 0), .from(0), .suffix(1), .suffix(0)] {
            #expect(range.resolve(size: 0) == nil)
        }
    }

    @Test func resolveEdges() throws {
        func resolve(_ range: ByteRange, _ size: UInt64) -> [UInt64]? {
            range.resolve(size: size).map { [$0.offset, $0.length] }
        }
        #expect(resolve(.closed(0, 9), 100) == [0, 10])
        #expect(resolve(.closed(0, 9), 10) == [0, 10])
        #expect(resolve(.closed(0, 99), 10) == [0, 10])             // end clamped to size - 1
        #expect(resolve(.closed(9, .max), 10) == [9, 1])
        #expect(resolve(.closed(10, 12), 10) == nil)                // start beyond the end: 416
        #expect(resolve(.from(9), 10) == [9, 1])
        #expect(resolve(.from(10), 10) == nil)
        #expect(resolve(.from(.max), .max) == nil)
        #expect(resolve(.suffix(3), 10) == [7, 3])
        #expect(resolve(.suffix(10), 10) == [0, 10])
        #expect(resolve(.suffix(11), 10) == [0, 10])               // longer than the file: all of it
        #expect(resolve(.suffix(0), 10) == nil)
        #expect(resolve(.closed(0, .max), .max) == [0, .max])
        #expect(resolve(.suffix(.max), 1) == [0, 1])
    }

    @Test func contentRangeValues() {
        #expect(ByteRange.contentRange(offset: 0, length: 10, size: 100) == "bytes 0-9/100")
        #expect(ByteRange.contentRange(offset: 0, length: .max, size: .max) == "bytes 0-18446744073709551614/18446744073709551615")
        #expect(ByteRange.unsatisfiedContentRange(size: 5) == "bytes */5")
    }
}

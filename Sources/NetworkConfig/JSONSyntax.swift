// A JSON syntax checker, used only to explain a file that JSONDecoder refuses.
//
// On Linux, JSONDecoder reports any syntax error as "The given data was not valid JSON." with no
// position, which leaves a user hunting for a stray comma. This scanner walks the same grammar
// (RFC 8259) without building values, and stops at the first error with its line and column.
// It also finds duplicate keys, which JSONDecoder silently collapses to one (so `"port"` written
// twice would quietly pick one). Decoding itself stays with JSONDecoder.

enum JSONSyntax {
    struct Failure: Equatable {
        let line: Int
        let column: Int
        let message: String
    }

    struct Report: Equatable {
        /// The first syntax error, or nil for a well-formed document.
        var failure: Failure?
        /// The JSON path of every key that repeats an earlier key of the same object.
        var duplicateKeys: [String]
    }

    static func check(_ bytes: [UInt8]) -> Report {
        var scanner = Scanner(bytes: bytes)
        do {
            try scanner.document()
            return Report(failure: nil, duplicateKeys: scanner.duplicates)
        } catch {
            let (line, column) = position(of: error.offset, in: bytes)
            return Report(failure: Failure(line: line, column: column, message: error.message),
                          duplicateKeys: scanner.duplicates)
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    static func position(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        let before = bytes[..<min(offset, bytes.count)]
        let line = before.count { $0 == UInt8(ascii: "\n") } + 1
        let lineStart = (before.lastIndex(of: UInt8(ascii: "\n")) ?? -1) + 1
        let column = String(decoding: before[lineStart...], as: UTF8.self).count + 1
        return (line, column)
    }
}

private struct SyntaxError: Error {
    let offset: Int
    let message: String
}

private struct Scanner {
    let bytes: [UInt8]
    var index = 0
    var duplicates: [String] = []

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// The config is a few levels deep; this only keeps a hostile file from exhausting the stack.
    static let maxDepth = 200

    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    func fail(_ message: String) -> SyntaxError { SyntaxError(offset: index, message: message) }

    mutating func skipSpace() {
        while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    mutating func document() throws(SyntaxError) {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }   // a UTF-8 BOM, as JSONDecoder allows
        skipSpace()
        try value(path: "", depth: 0)
        skipSpace()
        if peek != nil { throw fail("unexpected text after the end of the document") }
    }

    mutating func value(path: String, depth: Int) throws(SyntaxError) {
        guard depth < Self.maxDepth else { throw fail("nested too deeply") }
        guard let byte = peek else { throw fail("unexpected end of file") }
        switch byte {
        case UInt8(ascii: "{"): try object(path: path, depth: depth)
        case UInt8(ascii: "["): try array(path: path, depth: depth)
        case UInt8(ascii: "\""): try string()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "'"): throw fail("strings take double quotes, not single quotes")
        case UInt8(ascii: "/"), UInt8(ascii: "#"): throw fail("comments are not allowed in JSON")
        case UInt8(ascii: "}"), UInt8(ascii: "]"), UInt8(ascii: ","): throw fail("expected a value")
        default: throw fail("unexpected character; strings take double quotes, and true, false and null are lowercase")
        }
    }

    mutating func object(path: String, depth: Int) throws(SyntaxError) {
        index += 1
        skipSpace()
        if peek == UInt8(ascii: "}") { index += 1; return }
        var seen = Set<ArraySlice<UInt8>>()
        while true {
            guard peek == UInt8(ascii: "\"") else {
                if peek == UInt8(ascii: "}") { throw fail("a comma before '}' (JSON allows no trailing comma)") }
                if peek == UInt8(ascii: "'") { throw fail("keys take double quotes, not single quotes") }
                if peek == UInt8(ascii: "/") || peek == UInt8(ascii: "#") { throw fail("comments are not allowed in JSON") }
                if peek == nil { throw fail("unexpected end of file (a missing '}'?)") }
                throw fail("expected a key in double quotes")
            }
            let start = index
            try string()
            let raw = bytes[(start + 1)..<(index - 1)]
            let childPath = ConfigPath.key(path, String(decoding: raw, as: UTF8.self))
            if !seen.insert(raw).inserted { duplicates.append(childPath) }
            skipSpace()
            guard peek == UInt8(ascii: ":") else { throw fail("expected ':' after the key") }
            index += 1
            skipSpace()
            try value(path: childPath, depth: depth + 1)
            skipSpace()
            switch peek {
            case UInt8(ascii: ","): index += 1; skipSpace()
            case UInt8(ascii: "}"): index += 1; return
            case nil: throw fail("unexpected end of file (a missing '}'?)")
            default: throw fail("expected ',' or '}'")
            }
        }
    }

    mutating func array(path: String, depth: Int) throws(SyntaxError) {
        index += 1
        skipSpace()
        if peek == UInt8(ascii: "]") { index += 1; return }
        var count = 0
        while true {
            if peek == UInt8(ascii: "]") { throw fail("a comma before ']' (JSON allows no trailing comma)") }
            try value(path: ConfigPath.index(path, count), depth: depth + 1)
            count += 1
            skipSpace()
            switch peek {
            case UInt8(ascii: ","): index += 1; skipSpace()
            case UInt8(ascii: "]"): index += 1; return
            case nil: throw fail("unexpected end of file (a missing ']'?)")
            default: throw fail("expected ',' or ']'")
            }
        }
    }

    mutating func string() throws(SyntaxError) {
        index += 1
        while let byte = peek {
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return
            case UInt8(ascii: "\\"):
                index += 1
                guard let escaped = peek else { break }
                if escaped == UInt8(ascii: "u") {
                    for _ in 0..<4 {
                        index += 1
                        guard let hex = peek, hex.isHexDigit else { throw fail("expected four hex digits after \\u") }
                    }
                } else if !Array("\"\\/bfnrt".utf8).contains(escaped) {
                    throw fail("unknown escape; a backslash in a string is written \\\\")
                }
                index += 1
            case 0..<0x20:
                throw fail(byte == 0x0A ? "a line break inside a string (a missing closing quote?)"
                                        : "a control character inside a string")
            default:
                index += 1
            }
        }
        throw fail("unexpected end of file inside a string (a missing closing quote?)")
    }

    mutating func number() throws(SyntaxError) {
        if peek == UInt8(ascii: "-") { index += 1 }
        if peek == UInt8(ascii: "0") {
            index += 1
            if let byte = peek, byte.isDigit { throw fail("numbers do not start with 0") }
        } else {
            try digits()
        }
        if peek == UInt8(ascii: ".") { index += 1; try digits() }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            try digits()
        }
    }

    mutating func digits() throws(SyntaxError) {
        guard let first = peek, first.isDigit else { throw fail("expected a digit") }
        while let byte = peek, byte.isDigit { index += 1 }
    }

    mutating func literal(_ word: String) throws(SyntaxError) {
        for expected in word.utf8 {
            guard peek == expected else { throw fail("unexpected character; strings take double quotes, and true, false and null are lowercase") }
            index += 1
        }
    }
}

extension UInt8 {
    fileprivate var isDigit: Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) }
    fileprivate var isHexDigit: Bool {
        isDigit || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self | 0x20)
    }
}

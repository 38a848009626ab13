import Glibc
import Wire

/// The outcome of reading one value: the value, or a message for the user.
enum Parsed<Value> {
    case ok(Value)
    case problem(String)
}

/// Turns one JSON value into a typed value, or says what is wrong with it. Each parser checks
/// type and range only; where it sits in the file is the validator's business.
enum Parse {
    static func string(_ value: JSONValue) -> Parsed<String> {
        guard case .string(let text) = value else { return .problem("expected a string, got \(value.summary)") }
        return text.isEmpty ? .problem("must not be empty") : .ok(text)
    }

    static func bool(_ value: JSONValue) -> Parsed<Bool> {
        // A JSON boolean only: `1` or "yes" is more likely a mistake than a wish.
        guard case .bool(let flag) = value else { return .problem("expected true or false, got \(value.summary)") }
        return .ok(flag)
    }

    /// A whole number in `range`. `7000.0` counts as whole (JSON has one number type); `7.5` does not.
    static func whole(_ range: ClosedRange<Int>) -> (JSONValue) -> Parsed<Int> {
        return { value in
            guard case .number(let number) = value else { return .problem("expected a whole number, got \(value.summary)") }
            guard !number.isFinite || number.rounded() == number else {
                return .problem("expected a whole number, got \(value.summary)")
            }
            guard number >= Double(range.lowerBound), number <= Double(range.upperBound) else {
                return .problem("must be from \(range.lowerBound) to \(range.upperBound), got \(value.summary)")
            }
            return .ok(Int(number))
        }
    }

    /// Seconds: more than 0, at most `limit`, fractions allowed.
    static func seconds(upTo limit: Double) -> (JSONValue) -> Parsed<Double> {
        return { value in
            guard case .number(let number) = value else {
                return .problem("expected a number of seconds, got \(value.summary)")
            }
            guard number > 0, number <= limit else {
                return .problem("must be more than 0 and at most \(JSONValue.format(limit)) seconds, got \(value.summary)")
            }
            return .ok(number)
        }
    }

    /// One of a few words, exactly as written (they are tokens, as in docker compose).
    static func choice(_ choices: [String]) -> (JSONValue) -> Parsed<String> {
        return { value in
            let listed = choices.map(JSONValue.quoted).joined(separator: ", ")
            guard case .string(let text) = value else { return .problem("expected one of \(listed), got \(value.summary)") }
            if choices.contains(text) { return .ok(text) }
            let hint = Suggest.closest(to: text, among: choices).map { " (did you mean \(JSONValue.quoted($0))?)" } ?? ""
            return .problem("expected one of \(listed), got \(value.summary)\(hint)")
        }
    }

    /// An IPv4 or IPv6 literal, as the sockets layer binds it: no names (no resolver is
    /// consulted at start, so a typo cannot turn into a wrong address).
    static func host(_ value: JSONValue) -> Parsed<String> {
        guard case .string(let text) = value else { return .problem("expected an IP address as a string, got \(value.summary)") }
        if isIPAddress(text) { return .ok(text) }
        if text.hasPrefix("["), text.hasSuffix("]"), isIPAddress(String(text.dropFirst().dropLast())) {
            return .problem("write the IPv6 address without brackets: \(JSONValue.quoted(String(text.dropFirst().dropLast())))")
        }
        let hint = text.lowercased() == "localhost" ? " (use \"127.0.0.1\")" : ""
        return .problem("expected an IPv4 or IPv6 address such as \"127.0.0.1\" or \"::1\", got \(value.summary)\(hint)")
    }

    static func isIPAddress(_ text: String) -> Bool {
        // The C string would end at an embedded NUL and hide what follows it.
        guard !text.utf8.contains(0) else { return false }
        var address = [UInt8](repeating: 0, count: 16)   // room for an in6_addr
        return inet_pton(AF_INET, text, &address) == 1 || inet_pton(AF_INET6, text, &address) == 1
    }

    /// The join flag: typed at a console and carried in a frame, so printable and within the
    /// frame's string cap.
    static func flag(_ value: JSONValue) -> Parsed<String> {
        guard case .string(let text) = value else { return .problem("expected a string, got \(value.summary)") }
        if text.isEmpty { return .problem("must not be empty") }
        if text.utf8.count > WireLimits.maxString {
            return .problem("is \(text.utf8.count) bytes long; at most \(WireLimits.maxString)")
        }
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return .problem("must not contain control characters, got \(value.summary)")
        }
        return .ok(text)
    }

    /// A peer name, with the reason it is refused. `Overlay.isValidPeerName` stays the
    /// authority, so the config and the wire can never disagree about a name.
    static func peerName(_ value: JSONValue) -> Parsed<String> {
        guard case .string(let name) = value else { return .problem("expected a string, got \(value.summary)") }
        let shown = value.summary
        if name.isEmpty { return .problem("must not be empty") }
        if name.lowercased() == "registry" {
            return .problem("\(shown) is reserved: p2pctl gives that name to the registry process")
        }
        let allowed = { (scalar: Unicode.Scalar) in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "-" || scalar == "_")
        }
        if let bad = name.unicodeScalars.first(where: { !allowed($0) }) {
            return .problem("\(shown) contains \(JSONValue.quoted(String(bad))); names use only ASCII letters, digits, \"-\" and \"_\"")
        }
        if name.utf8.count > WireLimits.maxPeerName {
            return .problem("\(shown) is \(name.utf8.count) characters long; names have at most \(WireLimits.maxPeerName)")
        }
        return Overlay.isValidPeerName(name) ? .ok(name) : .problem("\(shown) is not a valid peer name")
    }
}

/// "Did you mean" for misspelt keys and words.
enum Suggest {
    /// The candidate closest to `word` ignoring case, if it is close enough to be a likely typo:
    /// a few edits (a swap of neighbours counts as one) or a clear prefix (`share` → `shareDownloads`).
    static func closest(to word: String, among candidates: [String]) -> String? {
        let lowered = word.lowercased()
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let target = candidate.lowercased()
            let limit = max(1, target.count / 3)
            var score = distance(Array(lowered.unicodeScalars), Array(target.unicodeScalars))
            if score > limit, lowered.count >= 4, target.hasPrefix(lowered) || lowered.hasPrefix(target) {
                score = limit   // a clear prefix is as good as the worst accepted typo
            }
            if score <= limit, best.map({ score < $0.distance }) ?? true { best = (candidate, score) }
        }
        return best?.candidate
    }

    /// Optimal string alignment distance (Levenshtein plus swaps of adjacent characters).
    static func distance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}

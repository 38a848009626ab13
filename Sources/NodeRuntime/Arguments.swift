#if canImport(Glibc)
import Glibc
#endif

/// A hand-written stand-in for swift-argument-parser (we take no packages): a command is
/// described once, and both the parser and `--help` are made from that description, so the
/// usage text cannot drift from what is accepted.
public struct CommandSpec: Sendable {
    public struct Option: Sendable {
        public let long: String
        public let short: Character?
        /// The value's placeholder ("PORT"); nil for a flag that takes no value.
        public let value: String?
        public let help: String

        public init(_ long: String, short: Character? = nil, value: String? = nil, help: String) {
            self.long = long
            self.short = short
            self.value = value
            self.help = help
        }
    }

    public let name: String
    public let summary: String
    public let synopsis: String
    public let options: [Option]
    /// Extra text after the options (commands, examples).
    public let epilogue: String

    public init(name: String, summary: String, synopsis: String, options: [Option], epilogue: String = "") {
        self.name = name
        self.summary = summary
        self.synopsis = synopsis
        self.options = options + [Option("help", short: "h", help: "show this help"),
                                  Option("version", help: "print the version")]
        self.epilogue = epilogue
    }

    public var helpText: String {
        var lines = ["\(name) — \(summary)", "", "usage: \(synopsis)", "", "options:"]
        let labels = options.map { option -> String in
            let short = option.short.map { "-\($0), " } ?? "    "
            return "  \(short)--\(option.long)" + (option.value.map { " \($0)" } ?? "")
        }
        let width = (labels.map(\.count).max() ?? 0) + 2
        for (label, option) in zip(labels, options) {
            lines.append(label + String(repeating: " ", count: width - label.count) + option.help)
        }
        if !epilogue.isEmpty { lines += ["", epilogue] }
        return lines.joined(separator: "\n")
    }

    /// Splits the words into options and positionals, then matches them against the spec.
    public func parse(_ words: [String]) throws(UsageError) -> ParsedArguments {
        var parsed = ParsedArguments()
        var index = 0
        var onlyPositionals = false
        while index < words.count {
            let word = words[index]
            index += 1
            if onlyPositionals || word == "-" || !word.hasPrefix("-") {
                parsed.positionals.append(word)
                continue
            }
            if word == "--" { onlyPositionals = true; continue }
            var key = word
            var inlineValue: String?
            if word.hasPrefix("--"), let equals = word.firstIndex(of: "=") {
                key = String(word[..<equals])
                inlineValue = String(word[word.index(after: equals)...])
            }
            let option: Option?
            if key.hasPrefix("--") {
                option = options.first { "--" + $0.long == key }
            } else {
                option = key.count == 2 ? options.first { $0.short == key.last } : nil
            }
            guard let option else { throw UsageError("unknown option '\(key)'; see '\(name) --help'") }
            if option.value == nil {
                if inlineValue != nil { throw UsageError("option --\(option.long) takes no value") }
                parsed.flags.insert(option.long)
                continue
            }
            if let inlineValue {
                parsed.values[option.long] = inlineValue
            } else if index < words.count {
                parsed.values[option.long] = words[index]
                index += 1
            } else {
                throw UsageError("option --\(option.long) needs a value (\(option.value!))")
            }
        }
        return parsed
    }
}

public struct ParsedArguments: Sendable {
    public var values: [String: String] = [:]
    public var flags: Set<String> = []
    public var positionals: [String] = []

    public func value(_ long: String) -> String? { values[long] }
    public func has(_ long: String) -> Bool { flags.contains(long) }

    /// A numeric option within `range`, or the default when absent.
    public func integer<T: FixedWidthInteger>(_ long: String, default fallback: T, in range: ClosedRange<T>) throws(UsageError) -> T {
        guard let text = values[long] else { return fallback }
        guard let number = T(text), range.contains(number) else {
            throw UsageError("--\(long) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return number
    }

    /// Seconds as a decimal ("2.5"), within `range`.
    public func seconds(_ long: String, default fallback: Double, in range: ClosedRange<Double>) throws(UsageError) -> Double {
        guard let text = values[long] else { return fallback }
        guard let number = Double(text), number.isFinite, range.contains(number) else {
            throw UsageError("--\(long) must be seconds from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return number
    }
}

public struct UsageError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Exit codes shared by every executable (README: 0 success, 1 an operation failed, 2 usage).
public enum ExitCode {
    public static let success: Int32 = 0
    public static let failure: Int32 = 1
    public static let usage: Int32 = 2
}

public let p2pnetVersion = "0.1.0"

extension CommandSpec {
    /// Parses the process's arguments, answering `--help` and `--version` and exiting 2 with a
    /// one-line message on a usage error.
    public func parseOrExit(_ words: [String] = Array(CommandLine.arguments.dropFirst())) -> ParsedArguments {
        do {
            let parsed = try parse(words)
            if parsed.has("help") { print(helpText); exit(ExitCode.success) }
            if parsed.has("version") { print("\(name) \(p2pnetVersion)"); exit(ExitCode.success) }
            return parsed
        } catch {
            usageExit(error.message)
        }
    }

    public func usageExit(_ message: String) -> Never {
        Log.error(name, message)
        exit(ExitCode.usage)
    }
}

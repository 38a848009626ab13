/// One thing wrong with a config, located by its JSON path.
public struct ConfigProblem: Sendable, Equatable, CustomStringConvertible {
    /// Where: `peers[2].name`, `registry.port`, or "" for the file as a whole.
    public let path: String
    /// What is wrong, as a sentence fragment a user can act on.
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// `peers[2].name: ...`, or just the message for the root.
    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// A config that cannot be used, with every problem found (not just the first), so a user
/// fixes them all in one round.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    /// The absolute path of the config file.
    public let file: String
    public let problems: [ConfigProblem]

    public init(file: String, problems: [ConfigProblem]) {
        self.file = file
        self.problems = problems
    }

    /// One line per problem, each prefixed by the file, as compilers print diagnostics.
    public var description: String {
        problems.map { "\(file): \($0)" }.joined(separator: "\n")
    }
}

/// Builds JSON paths the same way everywhere (the validator and the syntax scanner).
enum ConfigPath {
    /// `parent.key`; a key that is not a plain identifier is quoted (`registry["a b"]`), so a
    /// path always reads back unambiguously.
    static func key(_ parent: String, _ key: String) -> String {
        let plain = !key.isEmpty && key.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
        if !plain { return "\(parent)[\(JSONValue.quoted(key))]" }
        return parent.isEmpty ? key : "\(parent).\(key)"
    }

    static func index(_ parent: String, _ index: Int) -> String { "\(parent)[\(index)]" }
}

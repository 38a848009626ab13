import FoundationEssentials

/// The version of the JSON-lines protocols (p2pctl <-> supervisor, supervisor <-> child). It
/// goes up whenever a message changes shape, so two builds that cannot understand each other
/// say so instead of calling every line malformed. Wave 1 spoke 1 (its lines carry no version).
public enum ControlProtocol {
    public static let version = 2
}

/// One JSON object per line: sorted keys (stable output), no newline inside.
public enum JSONLines {
    public static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from line: some StringProtocol) throws -> T {
        try JSONDecoder().decode(type, from: Data(line.utf8))
    }

    /// The protocol version a line says it speaks, nil when it says none. Wave 1's lines carry
    /// no version; they are told by their `command` (a request) or `ok` (an answer): 1.
    public static func version(of line: some StringProtocol) -> Int? {
        guard let probe = try? decode(Probe.self, from: line) else { return nil }
        return probe.version ?? (probe.command != nil || probe.ok != nil ? 1 : nil)
    }

    private struct Probe: Decodable { var version: Int?; var command: String?; var ok: Bool? }
}

/// How the message enums look in JSON: an object with one key, the case's name, whose value is
/// the payload (`true` for a case without one), beside an optional "version":
/// `{"send":{"peer":"s2","command":{"download":{"name":"f1"}},"timeout":30},"version":2}`.
/// Written once here so every enum reads the same and refuses the same things: no known case,
/// or two.
struct CaseKey: CodingKey {
    let stringValue: String
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }

    static let version = CaseKey("version")
}

extension Decoder {
    /// The one case an enum's object holds, and the container to read its payload from.
    func enumCase(of type: Any.Type, known: [String]) throws -> (name: String, container: KeyedDecodingContainer<CaseKey>) {
        let container = try self.container(keyedBy: CaseKey.self)
        // Other keys are ignored, so a later version may add fields beside a case.
        let cases = container.allKeys.filter { known.contains($0.stringValue) }
        guard cases.count == 1, let only = cases.first else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath,
                debugDescription: "a \(type) is an object with exactly one of: \(known.joined(separator: ", "))"))
        }
        return (only.stringValue, container)
    }

    /// Refuses a line of another protocol version before its payload is read.
    func requireVersion(in container: KeyedDecodingContainer<CaseKey>) throws {
        let version = try container.decodeIfPresent(Int.self, forKey: .version) ?? 1
        guard version == ControlProtocol.version else {
            throw DecodingError.dataCorruptedError(forKey: .version, in: container,
                debugDescription: "protocol version \(version), not \(ControlProtocol.version)")
        }
    }
}

extension KeyedDecodingContainer where Key == CaseKey {
    func payload<T: Decodable>(_ type: T.Type, _ name: String) throws -> T { try decode(type, forKey: CaseKey(name)) }
}

extension Encoder {
    /// Writes `{name: payload}` (plus the version when asked).
    func encodeCase<T: Encodable>(_ name: String, _ payload: T, version: Bool = false) throws {
        var container = container(keyedBy: CaseKey.self)
        try container.encode(payload, forKey: CaseKey(name))
        if version { try container.encode(ControlProtocol.version, forKey: .version) }
    }
}

/// A case without a payload is written `true` and read from any value.
struct Empty: Codable, Equatable, Sendable {
    init() {}
    init(from decoder: any Decoder) throws {}
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(true)
    }
}

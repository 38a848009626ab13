import Control
import Foundation

/// A JSON document as Foundation's `JSONDecoder` reads it, before any meaning is given to it.
///
/// Decoding into this first (rather than straight into the config types) lets the validator see
/// what the user actually wrote: a string where a number belongs, an unknown key, `1` where a
/// boolean belongs. Swift's JSONDecoder is strict about booleans (`1` does not decode as `Bool`),
/// so `.bool` and `.number` never blur. Objects are dictionaries: the keyed container's `allKeys`
/// comes back in hash order, not file order, so the validator walks keys in schema order instead.
enum JSONValue: Decodable, Sendable, Equatable {
    case object([String: JSONValue])
    case array([JSONValue])
    case string(String)
    /// Every number, as a Double: the config's ranges are far inside its exact-integer range.
    /// A literal too large for a Double (`1e400`) is `.infinity`.
    case number(Double)
    case bool(Bool)
    case null

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        if let object = try? decoder.container(keyedBy: Key.self) {
            var members: [String: JSONValue] = [:]
            for key in object.allKeys {
                members[key.stringValue] = try object.decode(JSONValue.self, forKey: key)
            }
            self = .object(members)
            return
        }
        if var array = try? decoder.unkeyedContainer() {
            var elements: [JSONValue] = []
            while !array.isAtEnd {
                elements.append(try array.decode(JSONValue.self))
            }
            self = .array(elements)
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            self = .null
        } else if let bool = try? single.decode(Bool.self) {
            self = .bool(bool)
        } else if let number = try? single.decode(Double.self) {
            self = .number(number)
        } else {
            do {
                self = .string(try single.decode(String.self))
            } catch DecodingError.typeMismatch {
                // Not a string either, so a number that overflows a Double (`1e400`): the
                // validator reports it as out of range rather than failing the whole file.
                // (Other errors, such as a string that is not UTF-8, fail the decoding.)
                self = .number(.infinity)
            }
        }
    }

    /// How a problem message shows what the user wrote: strings quoted, containers by kind.
    var summary: String {
        switch self {
        case .object: return "an object"
        case .array: return "an array"
        case .string(let text): return Self.quoted(text.count > 40 ? String(text.prefix(40)) + "…" : text)
        case .number(let number): return Self.format(number)
        case .bool(let bool): return bool ? "true" : "false"
        case .null: return "null"
        }
    }

    /// `7000` rather than `7000.0`; the spelled-out word for overflow.
    static func format(_ number: Double) -> String {
        if !number.isFinite { return "a number too large" }
        if number.rounded() == number && abs(number) < 1e15 { return String(Int64(number)) }
        return String(number)
    }

    /// `text` as a JSON string literal, so quotes and control characters stay visible.
    static func quoted(_ text: String) -> String { JSONText.quoted(text) }
}

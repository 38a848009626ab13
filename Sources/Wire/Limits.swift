// Caps on everything a peer reads from the network, and the overlay connection preface.
//
// Every length field a decoder reads is compared with one of these caps *before* anything is
// allocated or copied, so a hostile peer cannot make us reserve memory by declaring a huge size.

/// Caps on overlay frames. Decoding throws `FrameError.tooLarge` past any of them; encoding
/// preconditions on them (callers control what they send, so an oversized frame is a bug).
public enum WireLimits {
    /// Bytes in one frame's payload (the header's length field).
    public static let maxPayload = 64 * 1024
    /// Bytes of one UTF-8 string (flags, reasons, hosts, file names).
    public static let maxString = 1024
    /// Entries in one list.
    public static let maxList = 1024
    /// Bytes of one peer name (names are ASCII, so also characters).
    public static let maxPeerName = 32

    /// Same as `Overlay.isValidPeerName(_:)`; here too because the caps live here.
    public static func isValidPeerName(_ name: String) -> Bool { Overlay.isValidPeerName(name) }

    /// `text` cut to at most `maxBytes` UTF-8 bytes at a character boundary, so a reason built
    /// from an error message can be sent without tripping the encoder's precondition.
    public static func clipped(_ text: String, to maxBytes: Int = maxString) -> String {
        if text.utf8.count <= maxBytes { return text }
        var result = ""
        var used = 0
        for character in text {
            let size = character.utf8.count
            if used + size > maxBytes { break }
            result.append(character)
            used += size
        }
        return result
    }
}

/// What the first bytes of a connection say about its protocol (the overlay and HTTP share a port).
public enum ProtocolSniff: Equatable, Sendable {
    /// The bytes so far are a proper prefix of the magic (including no bytes): read more.
    case undecided
    /// The connection starts with the overlay magic.
    case overlay
    /// Anything else; on a peer's port that means HTTP.
    case other
}

public enum Overlay {
    /// The first 4 bytes of every overlay connection.
    public static let magic: [UInt8] = Array("P2PN".utf8)
    public static let version: UInt8 = 1
    /// Magic plus version byte.
    public static let prefaceSize = 5

    /// The 5-byte preface the connecting side sends first: magic + version.
    public static func preface() -> [UInt8] { magic + [version] }

    /// Checks the first 5 bytes of `bytes` (any bytes after them are ignored).
    /// Throws `.truncated` when fewer than 5 bytes are given, `.badMagic` when the first four
    /// are not the magic, `.unsupportedVersion(v)` for any version but ours.
    public static func checkPreface(_ bytes: [UInt8]) throws(FrameError) {
        guard bytes.count >= prefaceSize else { throw .truncated }
        guard bytes[0..<4].elementsEqual(magic) else { throw .badMagic }
        guard bytes[4] == version else { throw .unsupportedVersion(bytes[4]) }
    }

    /// True iff the first (up to 4) bytes are a prefix of the magic. An empty array is a prefix
    /// too, so "true" on fewer than 4 bytes means "could still be overlay": see `sniff(_:)`.
    /// Note "P" also starts HTTP's POST and PUT: decide only on 4 bytes or a mismatch.
    static func looksLikeOverlay(_ firstBytes: [UInt8]) -> Bool {
        firstBytes.prefix(magic.count).elementsEqual(magic.prefix(min(firstBytes.count, magic.count)))
    }

    /// Classifies the first bytes of a connection without waiting longer than needed.
    public static func sniff(_ firstBytes: [UInt8]) -> ProtocolSniff {
        guard looksLikeOverlay(firstBytes) else { return .other }
        return firstBytes.count >= magic.count ? .overlay : .undecided
    }

    /// 1–32 ASCII letters, digits, `-` or `_`, and not "registry" in any case (the supervisor
    /// names the registry process so). Uniqueness ignoring case is the registry's job.
    public static func isValidPeerName(_ name: String) -> Bool {
        let bytes = name.utf8
        guard (1...WireLimits.maxPeerName).contains(bytes.count) else { return false }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                continue
            default:
                return false
            }
        }
        return !ASCII.equalsIgnoringCase(bytes, "registry".utf8)
    }
}

/// ASCII-only helpers: protocol tokens are ASCII, and stdlib's `lowercased()` is Unicode-aware
/// (slower, and it would fold non-ASCII letters that the protocols treat as distinct).
enum ASCII {
    static func lower(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
    }

    static func equalsIgnoringCase(_ a: some Sequence<UInt8>, _ b: some Sequence<UInt8>) -> Bool {
        a.elementsEqual(b) { lower($0) == lower($1) }
    }

    static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }

    /// The value of one hex digit (either case), or nil.
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Digest
import System

/// The network's shared secret: who knows it gets in. It never crosses the wire: the registry
/// and peers prove they know it by answering each other's fresh nonces with HMAC-SHA256
/// (`proof(answering:with:as:)`), and HTTP asks for a token derived from it (`httpToken`).
///
/// It comes from a file (`registry.secretFile`, `--secret-file`) or from the environment
/// (`P2P_SECRET`), never from a command line, where `ps` would show it to every user.
public struct SharedSecret: Sendable, Equatable {
    private let key: [UInt8]

    public static let environmentVariable = "P2P_SECRET"
    /// Shorter secrets can be guessed offline from one recorded handshake.
    public static let minimumLength = 16
    public static let maximumLength = 4096
    public static let suggestion = "make one with: head -c 32 /dev/urandom | base64 > FILE; chmod 600 FILE"

    public enum LoadError: Error, Equatable, CustomStringConvertible {
        case unreadable(path: String, errno: Errno)
        case notAFile(path: String)
        case readableByOthers(path: String, mode: UInt32)
        case tooShort(source: String, length: Int)
        case tooLong(source: String)

        public var description: String {
            switch self {
            case .unreadable(let path, let code): "cannot read the secret file \(path): \(code)"
            case .notAFile(let path): "the secret file \(path) is not a regular file"
            case .readableByOthers(let path, let mode):
                "the secret file \(path) is open to other users (mode \(String(mode, radix: 8))): chmod 600 \(path)"
            case .tooShort(let source, let length):
                "the secret in \(source) has \(length) bytes; it needs at least \(SharedSecret.minimumLength) (\(SharedSecret.suggestion))"
            case .tooLong(let source): "the secret in \(source) is longer than \(SharedSecret.maximumLength) bytes"
            }
        }
    }

    /// The secret's text without surrounding whitespace, so `echo S > FILE` works.
    public init(text: [UInt8], source: String) throws(LoadError) {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || (0x09...0x0d).contains($0) }
        let trimmed = Array(text.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
        guard trimmed.count <= Self.maximumLength else { throw .tooLong(source: source) }
        guard trimmed.count >= Self.minimumLength else { throw .tooShort(source: source, length: trimmed.count) }
        key = trimmed
    }

    /// Reads a secret file: a regular file that only its owner may read or write.
    public static func load(file path: String) throws(LoadError) -> SharedSecret {
        let fd: Int32
        do { fd = try Syscall.open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY) } catch { throw .unreadable(path: path, errno: error.errno) }
        defer { Syscall.close(fd) }
        var info = stat()
        do { try Syscall.call("fstat") { fstat(fd, &info) } } catch { throw .unreadable(path: path, errno: error.errno) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .notAFile(path: path) }
        guard info.st_mode & 0o077 == 0 else { throw .readableByOthers(path: path, mode: info.st_mode & 0o777) }
        guard info.st_size <= maximumLength + 64 else { throw .tooLong(source: path) }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size) + 1)
        var count = 0
        while count < bytes.count {
            let got: Int
            do { got = try Syscall.call("read") { bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, $0.count - count) } } }
            catch { throw .unreadable(path: path, errno: error.errno) }
            if got == 0 { break }
            count += got
        }
        return try SharedSecret(text: Array(bytes[..<count]), source: path)
    }

    /// The secret from `file` when given, else from `P2P_SECRET`, else none.
    public static func resolve(file: String?) throws(LoadError) -> SharedSecret? {
        if let file { return try load(file: file) }
        guard let value = getenv(environmentVariable) else { return nil }
        return try SharedSecret(text: Array(String(cString: value).utf8), source: "$\(environmentVariable)")
    }

    // MARK: Challenge and response

    /// The two ends of a connection; each proves with its own label, so a proof cannot be
    /// reflected back to the side that sent the challenge.
    public enum Role: String, Sendable {
        case initiator, acceptor
    }

    /// A fresh nonce from the system's cryptographic generator.
    public static func nonce(count: Int = 32) -> [UInt8] {
        // The standard library's default generator is the system's; drawn without an inout
        // generator of our own (see Wire's `SystemRandom`).
        return (0..<count).map { _ in UInt8.random(in: .min ... .max) }
    }

    /// What `role` sends to prove it knows the secret: HMAC over the other side's nonce (the
    /// challenge it answers) and its own (so the proof is bound to this one connection).
    public func proof(answering challenge: [UInt8], with own: [UInt8], as role: Role) -> [UInt8] {
        HMAC.sha256(key: key, message: Array("p2pnet-1 \(role.rawValue) proof".utf8) + challenge + own).bytes
    }

    /// Checks a proof `role` sent in answer to our nonce `challenge`, made with its nonce `theirs`.
    public func verify(_ proof: [UInt8], answering challenge: [UInt8], with theirs: [UInt8], from role: Role) -> Bool {
        HMAC.constantTimeEquals(proof, self.proof(answering: challenge, with: theirs, as: role))
    }

    // MARK: HTTP

    /// What HTTP clients send as `Authorization: Bearer TOKEN`: derived from the secret, so
    /// `p2pctl token` can print it without the secret itself ever being shown.
    public var httpToken: String { HMAC.sha256(key: key, message: Array("p2pnet-1 http token".utf8)).hex }

    /// True when an Authorization header value carries this network's token.
    public func accepts(authorization: String?) -> Bool {
        guard let value = authorization else { return false }
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return false }
        return HMAC.constantTimeEquals(Array(parts[1].utf8), Array(httpToken.utf8))
    }
}

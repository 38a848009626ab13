import Admission
import Sockets
import System
import Wire

/// The shared secret's challenge and response on an overlay connection (registry sessions,
/// links, crawls), right after the preface. Both sides send a fresh nonce and answer the other's
/// with an HMAC under the secret, so each knows the other holds it and the secret never crosses
/// the wire. Without a secret on either side nothing is exchanged, and a mismatch (one side has
/// a secret, the other none) is refused with a reason that says so.
public enum HandshakeError: Error, Equatable, CustomStringConvertible {
    /// The other side said no; its reason.
    case refused(String)
    /// The other side answered with a proof that does not match our secret.
    case wrongSecret
    /// The other side did not answer with the handshake at all.
    case unexpected(String)

    public var description: String {
        switch self {
        case .refused(let reason): reason
        case .wrongSecret: "the shared secrets differ: the other side proved another one"
        case .unexpected(let what): "the other side did not prove the shared secret (it sent \(what))"
        }
    }

    public static let secretRequired = "this network requires its shared secret (registry.secretFile or \(SharedSecret.environmentVariable))"
    public static let noSecretHere = "this network has no shared secret; start without one"
    public static let wrongSecretReason = "wrong shared secret"
}

extension FrameConnection {
    /// Opens a connection, sends the preface, and proves the secret (when there is one).
    public static func open(host: String, port: UInt16, timeout: Duration, secret: SharedSecret?) throws -> FrameConnection {
        let connection = FrameConnection(try Socket.connect(host: host, port: port, timeout: timeout))
        do {
            try connection.socket.write(Overlay.preface(), until: .after(timeout))
            if let secret { try connection.proveSecret(secret, until: .after(timeout)) }
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    /// The connecting side: challenge, check the answer, answer the other side's challenge.
    private func proveSecret(_ secret: SharedSecret, until deadline: Deadline) throws {
        let mine = SharedSecret.nonce(count: Handshake.nonceSize)
        try send(.challenge(nonce: mine))
        let theirs: [UInt8]
        switch try receive(until: deadline) {
        case .challenge(let nonce): theirs = nonce
        case .refused(let reason), .bye(let reason): throw HandshakeError.refused(reason)
        case let other: throw HandshakeError.unexpected(other.caseName)
        }
        guard case .proof(let answer) = try receive(until: deadline) else { throw HandshakeError.unexpected("no proof") }
        guard secret.verify(answer, answering: mine, with: theirs, from: .acceptor) else {
            sendQuietly(.refused(reason: HandshakeError.wrongSecretReason))
            throw HandshakeError.wrongSecret
        }
        try send(.proof(mac: secret.proof(answering: theirs, with: mine, as: .initiator)))
    }

    /// The accepting side: reads the preface and, with a secret, runs the handshake; returns
    /// the first frame after it. Any failure has already been told to the other side.
    public func acceptFirstFrame(secret: SharedSecret?, until deadline: Deadline) throws -> Frame {
        try expectPreface(until: deadline)
        let first = try receive(until: deadline)
        guard let secret else {
            if case .challenge = first { return try refuse(HandshakeError.noSecretHere, .refused(HandshakeError.noSecretHere)) }
            return first
        }
        guard case .challenge(let theirs) = first else {
            return try refuse(HandshakeError.secretRequired, .unexpected(first.caseName))
        }
        let mine = SharedSecret.nonce(count: Handshake.nonceSize)
        try send(.challenge(nonce: mine))
        try send(.proof(mac: secret.proof(answering: theirs, with: mine, as: .acceptor)))
        switch try receive(until: deadline) {
        case .proof(let answer) where secret.verify(answer, answering: mine, with: theirs, from: .initiator):
            return try receive(until: deadline)
        case .refused(let reason):
            throw HandshakeError.refused(reason)
        default:
            return try refuse(HandshakeError.wrongSecretReason, .wrongSecret)
        }
    }

    private func refuse(_ reason: String, _ error: HandshakeError) throws -> Frame {
        sendQuietly(.refused(reason: reason))
        throw error
    }
}

extension ParsedArguments {
    /// The shared secret from `--secret-file`, else `$P2P_SECRET`, else none; a bad one is a
    /// usage error (exit 2) that says what is wrong with it.
    public func secret() throws(UsageError) -> SharedSecret? {
        do { return try SharedSecret.resolve(file: value(CommandSpec.Option.secretFile.long)) }
        catch { throw UsageError(error.description) }
    }
}

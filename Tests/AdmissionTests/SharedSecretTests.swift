import Admission
import Foundation
import System
import Testing

@Suite struct SharedSecretTests {
    let folder = NSTemporaryDirectory() + "p2pnet-secret-\(UUID().uuidString)"

    /// Made by the first file a test writes (that test removes it), so the tests that write
    /// none leave no empty folder behind in the system's temporary folder.
    func file(_ text: String, mode: Int) throws -> String {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/secret-\(UUID().uuidString)"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    @Test func aPrivateFileLoadsAndSurroundingWhitespaceDoesNotCount() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fromFile = try SharedSecret.load(file: try file("correct horse battery staple\n", mode: 0o600))
        let typed = try SharedSecret(text: Array("  correct horse battery staple".utf8), source: "test")
        #expect(fromFile == typed)
        #expect(fromFile.httpToken.count == 64)
    }

    @Test func filesOthersCanReadShortSecretsAndFoldersAreRefused() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let open = try file("correct horse battery staple", mode: 0o644)
        #expect(throws: SharedSecret.LoadError.readableByOthers(path: open, mode: 0o644)) { try SharedSecret.load(file: open) }
        let short = try file("hunter2\n", mode: 0o600)
        #expect(throws: SharedSecret.LoadError.tooShort(source: short, length: 7)) { try SharedSecret.load(file: short) }
        #expect(throws: SharedSecret.LoadError.notAFile(path: folder)) { try SharedSecret.load(file: folder) }
        #expect(throws: SharedSecret.LoadError.unreadable(path: folder + "/none", errno: .noSuchFileOrDirectory)) {
            try SharedSecret.load(file: folder + "/none")
        }
        let message = SharedSecret.LoadError.readableByOthers(path: open, mode: 0o644).description
        #expect(message.contains("chmod 600 \(open)"), "the error says what to do: \(message)")
    }

    @Test func proofsVerifyOnlyWithTheSameSecretTheRightRoleAndTheRightNonces() throws {
        let secret = try SharedSecret(text: Array("sixteen bytes at least".utf8), source: "test")
        let other = try SharedSecret(text: Array("another secret, as long".utf8), source: "test")
        let challenge = SharedSecret.nonce(), own = SharedSecret.nonce()
        let proof = secret.proof(answering: challenge, with: own, as: .initiator)
        #expect(secret.verify(proof, answering: challenge, with: own, from: .initiator))
        #expect(!other.verify(proof, answering: challenge, with: own, from: .initiator), "another secret")
        #expect(!secret.verify(proof, answering: challenge, with: own, from: .acceptor), "reflected to the other role")
        #expect(!secret.verify(proof, answering: SharedSecret.nonce(), with: own, from: .initiator), "an old challenge")
        #expect(challenge != own && challenge.count == 32)
    }

    @Test func theHTTPTokenIsAcceptedOnlyAsABearerToken() throws {
        let secret = try SharedSecret(text: Array("sixteen bytes at least".utf8), source: "test")
        let other = try SharedSecret(text: Array("another secret, as long".utf8), source: "test")
        #expect(secret.accepts(authorization: "Bearer \(secret.httpToken)"))
        #expect(secret.accepts(authorization: "bearer \(secret.httpToken)"))
        #expect(!secret.accepts(authorization: "Bearer \(other.httpToken)"))
        #expect(!secret.accepts(authorization: secret.httpToken))
        #expect(!secret.accepts(authorization: "Basic \(secret.httpToken)"))
        #expect(!secret.accepts(authorization: nil))
        #expect(secret.httpToken != other.httpToken)
    }
}

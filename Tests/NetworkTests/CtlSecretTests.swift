import Foundation
import Testing

/// A network with a shared secret, run by p2pctl as a user would: the secret comes from a
/// private file or the environment and never from a command line; HTTP wants the token that
/// `p2pctl token` prints; the control socket answers only its own user.
@Suite(.serialized, .spawnsProcesses) struct CtlSecretTests {
    static let secretText = "correct horse battery staple, 2026"

    static func network(secretFile: Bool) throws -> CtlNetwork {
        try CtlNetwork { config in
            if secretFile { config["registry"] = ["port": 0, "referral": "chain", "secretFile": "secret"] as [String: Any] }
        }
    }

    @Test func aSecretFromAFileGuardsJoinsAndHTTPAndNeverAppearsOnACommandLine() throws {
        let network = try Self.network(secretFile: true)
        defer { network.tearDown() }
        let secret = try network.folder.write("secret", Self.secretText + "\n")

        chmod(secret, 0o644)
        let open = network.ctl(["up", "-d"])
        #expect(open.status == 2 && open.output.contains("chmod 600"), "a secret others can read is refused: \(open.output)")
        #expect(network.supervisorPid == nil, "nothing was started")

        chmod(secret, 0o600)
        try network.up()
        let sent = network.ctl(["send", "s3", "f1", "--json"])
        #expect(sent.status == 0 && sent.object?.bool("ok") == true, "\(sent.output)")
        let processes = network.leftovers
        #expect(processes.count == 5, "the supervisor, the registry and three peers: \(processes)")
        for pid in processes {
            let cmdline = String(decoding: FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data(), as: UTF8.self)
            #expect(!cmdline.contains("correct horse"), "pid \(pid) shows the secret: \(cmdline)")
        }

        let token = network.ctl(["token"])
        #expect(token.status == 0 && token.stdout.count == 64, "\(token.output)")
        let port = try #require(network.row("s1")?.int("port"))
        let url = "http://127.0.0.1:\(port)/f1.txt"
        let without = try run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", url])
        #expect(String(decoding: without.output, as: UTF8.self) == "401")
        let with = try run("/usr/bin/curl", ["-sf", "-H", "Authorization: Bearer \(token.stdout)", url])
        #expect(with.status == 0 && with.output == network.files["s1"]?["f1.txt"])

        // A peer started by hand without the secret is refused, and says why.
        let registryPort = try #require(network.row("registry")?.int("port"))
        let outsider = try runCommand(binFolder + "/p2p-peer", ["--name", "mallory", "--dir", try network.folder.folder("mallory"),
                                                                "--registry", "127.0.0.1:\(registryPort)"])
        #expect(outsider.status == 1 && outsider.stderr.contains("shared secret"), "\(outsider.output)")
        #expect(network.status()?.count == 4)
    }

    @Test func aSecretFromTheEnvironmentWorksAndABadOneStopsUp() throws {
        let network = try Self.network(secretFile: false)
        defer { network.tearDown() }
        let short = network.ctl(["up", "-d"], environment: ["P2P_SECRET": "hunter2"])
        #expect(short.status == 2 && short.output.contains("at least 16"), "\(short.output)")
        #expect(network.supervisorPid == nil)

        let environment = ["P2P_SECRET": Self.secretText]
        #expect(network.ctl(["up", "-d"], environment: environment).status == 0)
        #expect(network.ctl(["send", "s2", "f3"], environment: environment).status == 0)
        let token = network.ctl(["token"], environment: environment)
        let port = try #require(network.row("s3")?.int("port"))
        let with = try run("/usr/bin/curl", ["-sf", "-H", "Authorization: Bearer \(token.stdout)", "http://127.0.0.1:\(port)/f3.txt"])
        #expect(with.status == 0 && with.output == network.files["s3"]?["f3.txt"])
        #expect(network.ctl(["token"]).status == 1, "without the variable there is no secret to derive a token from")
    }

    @Test func theControlSocketRefusesOtherUsers() throws {
        let setpriv = try #require(["/usr/bin/setpriv", "/bin/setpriv"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                   "setpriv (util-linux) is needed to act as another user")
        let network = try Self.network(secretFile: false)
        defer { network.tearDown() }
        try network.up()
        let socket = network.stateDir + "/control.sock"
        let attributes = try FileManager.default.attributesOfItem(atPath: socket)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let asNobody = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", network.ctlPath,
                        "-c", network.configPath, "--state-dir", network.stateDir, "status"]
        let denied = try runCommand(asNobody[0], Array(asNobody.dropFirst()))
        #expect(denied.status == 1 && denied.stderr.contains("another user"), "\(denied.output)")

        // Even when the file's mode lets them in, the supervisor asks the kernel who connected.
        chmod(socket, 0o666)
        let refused = try runCommand(asNobody[0], Array(asNobody.dropFirst()))
        #expect(refused.status == 1 && refused.stderr.contains("only its own user"), "\(refused.output)")
        #expect(network.ctl(["status"]).status == 0, "its own user is still served")
    }
}

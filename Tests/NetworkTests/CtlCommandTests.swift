import Digest
import Foundation
import Testing

/// Every p2pctl command as a user's script sees it: exit codes, stdout JSON, files on disk.
@Suite(.serialized, .spawnsProcesses) struct CtlCommandTests {
    @Test func upDetachedReturnsOnceReadyAndStatusTopoFilesAnswer() throws {
        let network = try CtlNetwork()
        defer { network.tearDown() }
        #expect(network.ctl(["validate"]).status == 0)

        // `$(p2pctl up -d)` returns: the command exits 0 and both its streams reach end of file.
        let up = network.ctl(["up", "-d"])
        #expect(up.status == 0, "up -d: \(up.output)")
        #expect(up.released, "up -d kept stdout or stderr open")
        try #require(up.status == 0)
        let supervisor = try #require(network.supervisorPid, "no \(network.pidFile) after up -d")
        #expect(isAlive(supervisor))

        // status --json: a row per process with the stable fields.
        let rows = try #require(network.status())
        #expect(rows.compactMap { $0.string("name") }.sorted() == ["registry", "s1", "s2", "s3"])
        for row in rows {
            let name = row.string("name") ?? "?"
            #expect(row.string("role") == (name == "registry" ? "registry" : "peer"), "\(row)")
            #expect((row.int("pid") ?? 0) > 0, "\(row)")
            #expect((row.int("port") ?? 0) > 0, "\(row)")
            #expect(row.string("state") == "running", "\(row)")
            #expect(row.int("restarts") == 0, "\(row)")
            #expect(row.strings("neighbours") != nil, "\(row)")
            if name != "registry" { #expect(row.strings("neighbours")?.isEmpty == false, "\(row)") }
        }

        // topo in json, dot and svg.
        let topo = network.ctl(["topo", "--format", "json"])
        #expect(topo.status == 0)
        let document = try #require(topo.object, "topo json: \(topo.stdout)")
        let nodes = try #require(document["nodes"] as? [[String: Any]])
        #expect(nodes.compactMap { $0.string("name") }.sorted() == ["s1", "s2", "s3"])
        #expect(nodes.allSatisfy { ($0.int("port") ?? 0) > 0 })
        let edges = try #require(document["edges"] as? [[String]])
        #expect(!edges.isEmpty && edges.allSatisfy { $0.count == 2 })
        #expect(document["halfLinks"] as? [[String]] != nil)

        let dot = network.ctl(["topo", "--format", "dot"])
        #expect(dot.status == 0 && dot.stdout.hasPrefix("graph"), "\(dot.output)")
        let text = network.ctl(["topo"])
        #expect(text.status == 0 && ["s1", "s2", "s3"].allSatisfy(text.stdout.contains))

        let noDot = network.ctl(["topo", "--format", "svg"], environment: ["PATH": try network.folder.folder("empty-path")])
        #expect(noDot.status == 1, "svg without dot: \(noDot.output)")
        #expect(noDot.stderr.contains("Graphviz"), "\(noDot.stderr)")
        if graphvizDot != nil {
            let svg = network.ctl(["topo", "--format", "svg"])
            #expect(svg.status == 0 && svg.stdout.contains("<svg"), "\(svg.output)")
        }

        // files --json: name, size and SHA-256 of every shared file, as on disk.
        let files = network.ctl(["files", "--json"])
        #expect(files.status == 0)
        let lists = try #require(files.array, "files json: \(files.stdout)")
        for (peer, contents) in network.files {
            let list = try #require(lists.first { $0.string("peer") == peer }, "no files entry for \(peer)")
            let shared = try #require(list["files"] as? [[String: Any]])
            #expect(shared.compactMap { $0.string("name") }.sorted() == contents.keys.sorted())
            for entry in shared {
                let bytes = try #require(contents[entry.string("name") ?? ""])
                #expect(entry.int("size") == bytes.count)
                #expect(entry.string("sha256") == SHA256.hash(bytes).hex)
            }
        }
        let one = network.ctl(["files", "s2", "--json"])
        #expect(one.status == 0 && one.array?.compactMap { $0.string("peer") } == ["s2"], "\(one.output)")

        // The environment names the config and the state dir as well as the options do.
        let viaEnvironment = try runCommand(network.ctlPath, ["status", "--json"],
                                            environment: ["P2P_CONFIG": network.configPath, "P2P_STATE_DIR": network.stateDir],
                                            directory: network.folder.path)
        #expect(viaEnvironment.status == 0 && viaEnvironment.array?.count == 4, "\(viaEnvironment.output)")
    }

    @Test func sendDownloadsAndAnswersInJSON() throws {
        let network = try CtlNetwork()
        defer { network.tearDown() }
        try network.up()

        // A stem finds f1.txt; the bytes land in s3's Downloads.
        let sent = network.ctl(["send", "s3", "f1", "--json"])
        #expect(sent.status == 0, "send s3 f1: \(sent.output)")
        let answer = try #require(sent.object, "send json: \(sent.stdout)")
        let expected = try #require(network.files["s1"]?["f1.txt"])
        #expect(answer.bool("ok") == true)
        #expect(answer.string("peer") == "s3")
        #expect(answer.string("file") == "f1.txt")
        #expect(answer.int("bytes") == expected.count)
        #expect(answer.string("sha256") == SHA256.hash(expected).hex)
        #expect(answer.string("source") == "s1")
        #expect((answer.int("hops") ?? 0) >= 1)
        #expect(answer.string("path") == network.downloads("s3") + "/f1.txt")
        #expect(answer.int("ms") != nil)
        #expect(network.folder.read("s3/Downloads/f1.txt") == expected)

        // Asked again: already here, nothing fetched, still success.
        let again = network.ctl(["send", "s3", "f1", "--json"])
        #expect(again.status == 0, "\(again.output)")
        #expect(again.object?.bool("ok") == true)
        #expect(again.object?.string("source") == "local")
        #expect(again.object?.int("hops") == 0)

        // Binary bytes, by full name, without --json: exit 0 and identical bytes.
        let binary = network.ctl(["send", "s1", "blob.bin"])
        #expect(binary.status == 0, "\(binary.output)")
        #expect(network.folder.read("s1/Downloads/blob.bin") == CtlNetwork.blob)

        // TOPO through one peer: ok plus the topo fields.
        let topo = network.ctl(["send", "s2", "TOPO", "--json"])
        #expect(topo.status == 0, "\(topo.output)")
        let document = try #require(topo.object, "send TOPO json: \(topo.stdout)")
        #expect(document.bool("ok") == true)
        #expect((document["nodes"] as? [[String: Any]])?.count == 3)
        #expect((document["edges"] as? [[String]])?.isEmpty == false)
        #expect(document["halfLinks"] as? [[String]] != nil)

        // A file nobody has: exit 1, ok false and a sentence.
        let missing = network.ctl(["send", "s1", "no-such-file.txt", "--json"])
        #expect(missing.status == 1, "\(missing.output)")
        #expect(missing.object?.bool("ok") == false)
        #expect((missing.object?.string("error") ?? "").count > 3, "\(missing.stdout)")
        #expect(!FileManager.default.fileExists(atPath: network.downloads("s1") + "/no-such-file.txt"))

        // An unknown peer: a usage error listing the names that exist.
        let unknown = network.ctl(["send", "nobody", "f1"])
        #expect(unknown.status == 2, "\(unknown.output)")
        #expect(["s1", "s2", "s3"].allSatisfy(unknown.stderr.contains), "\(unknown.stderr)")
    }

    @Test func logsPrefixEveryLineWithItsProcess() throws {
        let network = try CtlNetwork()
        defer { network.tearDown() }
        try network.up()
        _ = network.ctl(["send", "s2", "f1"])

        let names = ["registry", "supervisor"] + network.peerNames
        let all = network.ctl(["logs"])
        #expect(all.status == 0)
        #expect(!all.lines.isEmpty)
        for line in all.lines {
            let first = line.split(separator: " ").first.map(String.init) ?? ""
            #expect(names.contains(first), "a log line without a process name: \(line)")
        }
        for name in ["registry"] + network.peerNames {
            #expect(all.lines.contains { $0.hasPrefix(name + " ") }, "no line from \(name)")
        }

        let last = network.ctl(["logs", "s1", "-n", "3"])
        #expect(last.status == 0)
        #expect(!last.lines.isEmpty && last.lines.count <= 3, "\(last.stdout)")
        #expect(last.lines.allSatisfy { $0.hasPrefix("s1 ") }, "\(last.stdout)")
    }
}

import Foundation
import System
import Testing

/// Peers die (`kill -9`) one every half second while downloads go on: the downloads still
/// succeed, and the network is whole again soon after (issue 5, item 1).
@Suite(.serialized, .spawnsProcesses) struct ChurnTests {
    static let peers = (1...15).map { String(format: "p%02d", $0) }
    static let requesters = ["p01", "p04", "p07", "p10", "p13"]
    static let downloadsEach = 16
    static let kills = 20
    static let killEvery = 0.5

    /// Thirty files, each held by three peers five apart, so no one kill takes a file away.
    static let files: [String: [String: [UInt8]]] = {
        var files = Dictionary(uniqueKeysWithValues: peers.map { ($0, [String: [UInt8]]()) })
        for k in 0..<30 {
            let bytes = (0..<(20_000 + k * 30_000)).map { UInt8(truncatingIfNeeded: $0 &* (k + 3) &+ $0 >> 9) }
            for holder in [k, k + 5, k + 10] { files[peers[holder % 15]]!["c\(k).bin"] = bytes }
        }
        return files
    }()

    static func content(of file: String) -> [UInt8]? {
        files.values.lazy.compactMap { $0[file] }.first
    }

    @Test func aPeerKilledEveryHalfSecondLosesAlmostNoDownload() throws {
        let network = try CtlNetwork(files: Self.files) { config in
            config["registry"] = ["port": 0, "maxPeers": 20] as [String: Any]
            config["network"] = ["queryTimeout": 5] as [String: Any]
        }
        defer { network.tearDown() }
        try network.up()

        // Each requester fetches, one after another, files it does not hold, spread over the churn.
        let outcomes = Protected([(peer: String, file: String, ok: Bool, detail: String)]())
        let arguments = ["-c", network.configPath, "--state-dir", network.stateDir]
        let ctl = network.ctlPath
        let started = Date()
        for requester in Self.requesters {
            let wanted = (0..<30).map { "c\($0).bin" }.filter { Self.files[requester]?[$0] == nil }.prefix(Self.downloadsEach)
            Threads.detach(name: "requester") {
                for (index, file) in wanted.enumerated() {
                    let due = started.addingTimeInterval(Double(index) * 0.6)
                    if due > Date() { Thread.sleep(until: due) }
                    let result = try? runCommand(ctl, arguments + ["send", requester, file, "--json"], seconds: 90)
                    let reply = result?.object
                    let ok = result?.status == 0 && reply?.bool("ok") == true
                    let detail = ok ? reply?.string("source") ?? "" : reply?.string("error") ?? result?.output ?? "did not run"
                    outcomes.withLock(notify: true) { $0.append((requester, file, ok, detail)) }
                }
            }
        }

        // The churn: kill -9, by PID, a different peer every half second, requesters included.
        var killed: [String] = []
        for round in 0..<Self.kills {
            let due = started.addingTimeInterval(Double(round + 1) * Self.killEvery)
            if due > Date() { Thread.sleep(until: due) }
            let victim = Self.peers[(round * 7) % Self.peers.count]
            guard let pid = network.pid(victim) else { continue }
            if kill(pid, SIGKILL) == 0 { killed.append(victim) }
        }
        let churnEnded = Date()
        #expect(killed.count == Self.kills, "only \(killed.count) kills landed: \(killed)")

        // Every process runs again and the overlay is connected, within 30 s.
        let recovered = eventually(30) {
            guard let rows = network.status(), rows.count == Self.peers.count + 1,
                  rows.allSatisfy({ $0.string("state") == "running" && ($0.int("pid").map { isAlive(Int32($0)) } ?? false) })
            else { return false }
            return network.isConnected()
        }
        let recovery = Date().timeIntervalSince(churnEnded)
        #expect(recovered, "not whole 30 s after the churn: \(network.status() ?? []), topo: \(network.ctl(["topo"]).output)")

        let total = Self.requesters.count * Self.downloadsEach
        let all = outcomes.wait(until: .after(.seconds(120))) { $0.count == total ? $0 : nil } ?? outcomes.snapshot
        let succeeded = all.filter(\.ok)
        let restarts = (network.status() ?? []).compactMap { $0.int("restarts") }.reduce(0, +)
        print(String(format: "churn: %d of %d downloads succeeded (%.1f%%) with %d kills (%d restarts); whole again %.2f s after the churn",
                     succeeded.count, total, 100 * Double(succeeded.count) / Double(total), killed.count, restarts, recovery))
        for failure in all where !failure.ok { print("churn: \(failure.peer) \(failure.file) failed: \(failure.detail)") }
        let logs = network.ctl(["logs"]).lines
        func count(_ text: String) -> Int { logs.filter { $0.contains(text) }.count }
        print("churn: \(count("trying the next holder")) transfers went on to the next holder, \(count("asking again for")) searches asked again, "
              + "\(count("asking again once it is back")) sends went again to a restarted requester")
        #expect(all.count == total)
        #expect(succeeded.count * 100 >= total * 95, "\(succeeded.count) of \(total) downloads succeeded")
        // Downloads never holds a file whose bytes differ from the holder's.
        for requester in Self.requesters {
            for file in network.folder.contents(of: "\(requester)/Downloads") {
                #expect(network.folder.read("\(requester)/Downloads/\(file)") == Self.content(of: file), "\(requester)/Downloads/\(file)")
            }
        }

        let down = network.ctl(["down"], seconds: 60)
        #expect(down.status == 0, "\(down.output)")
        #expect(network.nothingLeft(), "left running after down: \(network.leftovers)")
    }
}

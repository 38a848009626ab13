import Foundation
import NodeRuntime
import Peer
import Registry
import System

// p2pbench: the figures of the README's Performance table, each against a reference measured in the
// same run, the two interleaved, medians of several runs. Loopback only, data on /dev/shm.

let spec = CommandSpec(
    name: "p2pbench", summary: "measure bring-up, teardown, memory, transfer, lookup, one command's round trip and search at scale",
    synopsis: "p2pbench [--runs 5] [--out .p2p/bench.json] [--quick] [--scale-only | --crowd-only] [--queries 200]",
    options: [.init("runs", value: "N", help: "runs of each figure, interleaved with the reference (default 5)"),
              .init("out", value: "FILE", help: "where the figures go as JSON (default .p2p/bench.json)"),
              .init("quick", help: "smaller sizes (100 peers at most, a 256 MiB file, 40 queries per scale cell) for a fast look"),
              .init("scale-only", help: "only the scale section: search cells, overlay shape, bring-up and memory at 100 and 1,000 peers"),
              .init("crowd-only", help: "only the crowd section: one peer under wrk, ab and slow clients beside nginx"),
              .init("queries", value: "N", help: "queries per scale cell (default 200; 40 with --quick)")])
let arguments = spec.parseOrExit()
let runs: Int
let scaleQueries: Int
do {
    runs = try arguments.integer("runs", default: 5, in: 1...100)
    scaleQueries = try arguments.integer("queries", default: arguments.has("quick") ? 40 : 200, in: 1...100_000)
} catch { spec.usageExit(error.message) }
let quick = arguments.has("quick")
let scaleOnly = arguments.has("scale-only")
let crowdOnly = arguments.has("crowd-only")
/// The crowd section's rows are runs of seconds each: 3 are enough for a median.
let crowdRuns = min(runs, 3)
let out = arguments.value("out") ?? ".p2p/bench.json"
Syscall.ignoreSIGPIPE()
Log.silence()

let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
let bin = (me as NSString).deletingLastPathComponent
let ctl = bin + "/p2pctl"
guard FileManager.default.isExecutableFile(atPath: ctl) else {
    Log.error("p2pbench", "\(ctl) is missing; build with: swift build -c release")
    exit(ExitCode.failure)
}
func say(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }

var rows: [Row] = []
/// What the table alone does not say (printed under it).
var notes: [String] = []
let scratch = ScratchFolder("main")
// supervisord is the reference of every section but the crowd's (nginx, installed there).
let supervisord: Supervisord?
if crowdOnly {
    supervisord = nil
} else {
    say("installing supervisord into a temporary venv (the reference) ...")
    supervisord = Supervisord(folder: scratch)
    say(supervisord == nil ? "supervisord could not be installed: its rows say n/a" : "using \(supervisord!.version)")
}

/// A network config of `count` peers, one small file each, on /dev/shm.
func network(_ count: Int, in folder: ScratchFolder) -> String {
    var peers: [String] = []
    for index in 0..<count {
        folder.write("p\(index)/file-\(index).txt", "file \(index)\n")
        peers.append("{\"name\": \"p\(index)\", \"dir\": \"p\(index)\"}")
    }
    folder.write("net.json", "{\"registry\": {\"port\": 0, \"maxPeers\": \(max(count, 10))}, \"peers\": [\(peers.joined(separator: ", "))]}")
    return folder.path + "/net.json"
}

func ctlRun(_ config: String, _ state: String, _ words: [String]) -> (seconds: Double, status: Int32) {
    Measure.run(ctl, ["-c", config, "--state-dir", state] + words)
}

func statusJSON(_ config: String, _ state: String) -> [[String: Any]] {
    let text = Measure.output(ctl, ["-c", config, "--state-dir", state, "status", "--json"])
    return (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]] ?? []
}

// MARK: 1-3. Bring-up, teardown, memory

for count in scaleOnly || crowdOnly ? [] : quick ? [10, 100] : [10, 100, 1000] {
    say("bring-up and teardown of \(count) peers, \(runs) runs ...")
    let folder = ScratchFolder("up\(count)")
    let config = network(count, in: folder)
    let state = folder.path + "/state"
    let reference = count <= 100 ? supervisord.map { ($0, $0.configure(count: count)) } : nil
    var up: [Double] = [], down: [Double] = [], refUp: [Double] = [], refDown: [Double] = []
    var memory: Double?
    for run in 0..<runs {
        let started = ctlRun(config, state, ["up", "-d", "--timeout", "120"])
        guard started.status == 0 else { say("up -d failed at \(count) peers"); break }
        up.append(started.seconds)
        if count == 100 && run == 0 {
            let pids = statusJSON(config, state).compactMap { $0["pid"] as? Int }.map(Int32.init)
            let supervisor = Int32((try? String(contentsOfFile: state + "/supervisor.pid", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
            memory = (pids + [supervisor]).compactMap(Measure.pss).reduce(0, +) / Double(count) / 1_000_000
        }
        down.append(ctlRun(config, state, ["down"]).seconds)
        if let (daemon, file) = reference, let (seconds, pids) = daemon.up(config: file, count: count) {
            refUp.append(seconds)
            refDown.append(daemon.shutdown(config: file, pids: pids))
        }
    }
    let ours = up.isEmpty ? nil : Measure.median(up)
    let theirs = refUp.isEmpty ? nil : Measure.median(refUp)
    if count == 1000 {
        rows.append(Row("bring-up, 1,000 peers (p2pctl up -d)", ours: ours, reference: nil, unit: "s", target: "< 20 s",
                        held: ours.map { $0 < 20 }, note: "—"))
    } else {
        rows.append(Row("bring-up, \(count) peers vs supervisord \(count) sleeps", ours: ours, reference: theirs, unit: "s",
                        target: count == 100 ? "ratio < 1" : "—", held: count == 100 ? theirs.flatMap { t in ours.map { $0 < t } } : nil,
                        note: supervisord == nil ? "n/a" : nil))
    }
    let oursDown = down.isEmpty ? nil : Measure.median(down)
    let theirsDown = refDown.isEmpty ? nil : Measure.median(refDown)
    rows.append(Row("teardown, \(count) peers (down vs supervisorctl shutdown)", ours: oursDown, reference: theirsDown, unit: "s",
                    target: count <= 100 ? "ratio ≤ 1" : "—", held: count <= 100 ? theirsDown.flatMap { t in oursDown.map { $0 <= t } } : nil,
                    note: count > 100 ? "—" : supervisord == nil ? "n/a" : nil))
    if let memory {
        rows.append(Row("memory: PSS of the whole network per peer, 100 peers", ours: memory, reference: nil, unit: "MB",
                        target: "≤ 4 MB", held: memory <= 4, note: "—"))
    }
}

// MARK: 4 and 6. Transfer, and one command's round trip

if !scaleOnly && !crowdOnly {
    do {
        let size = quick ? 256 << 20 : 1 << 30
        say("transfer of \(size >> 20) MiB, \(runs) runs ...")
        let folder = ScratchFolder("transfer")
        try FileManager.default.createDirectory(atPath: folder.path + "/holder", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder.path + "/asker", withIntermediateDirectories: true)
        Measure.run("/bin/sh", ["-c", "head -c \(size) /dev/urandom > '\(folder.path)/holder/big.bin'"])
        folder.write("holder/line.txt", "one line, as in the origin\n")
        folder.write("net.json", "{\"registry\": {\"port\": 0}, \"peers\": [{\"name\": \"holder\", \"dir\": \"holder\"}, {\"name\": \"asker\", \"dir\": \"asker\"}]}")
        let config = folder.path + "/net.json", state = folder.path + "/state"
        guard ctlRun(config, state, ["up", "-d"]).status == 0 else { throw CocoaError(.executableLoad) }
        defer { _ = ctlRun(config, state, ["down"]) }
        let holderPort = statusJSON(config, state).first { $0["name"] as? String == "holder" }?["port"] as? Int ?? 0
        let url = "http://127.0.0.1:\(holderPort)/big.bin"
        // The holder hashes its files once, in the background, at start: wait for that.
        _ = Measure.output("/usr/bin/curl", ["-sfI", url])
        let bare = "http://127.0.0.1:\(try InProcess.bareServer(path: folder.path + "/holder/big.bin", connections: runs))/big.bin"
        var ours: [Double] = [], careful: [Double] = [], curlAlone: [Double] = [], curlBare: [Double] = [], limit: [Double] = []
        for _ in 0..<runs {
            try? FileManager.default.removeItem(atPath: folder.path + "/asker/Downloads/big.bin")
            let send = ctlRun(config, state, ["send", "asker", "big.bin", "--timeout", "120"])
            if send.status == 0 { ours.append(send.seconds) }
            try? FileManager.default.removeItem(atPath: folder.path + "/asker/Downloads/big.bin")
            let fetch = Measure.run("/usr/bin/curl", ["-sf", "-o", folder.path + "/curl.bin", url]).seconds
            let check = Measure.run("/usr/bin/openssl", ["dgst", "-sha256", folder.path + "/curl.bin"]).seconds
            careful.append(fetch + check)
            try? FileManager.default.removeItem(atPath: folder.path + "/curl.bin")
            curlAlone.append(Measure.run("/usr/bin/curl", ["-sf", "-o", "/dev/null", url]).seconds)
            curlBare.append(Measure.run("/usr/bin/curl", ["-sf", "-o", "/dev/null", bare]).seconds)
            limit.append(try InProcess.loopbackCopy(bytes: size))
        }
        rows.append(Row("transfer \(size >> 20) MiB peer to peer vs curl + openssl dgst", ours: ours.isEmpty ? nil : Measure.median(ours),
                        reference: Measure.median(careful), unit: "s", target: "ratio ≤ 1",
                        held: ours.isEmpty ? false : Measure.median(ours) <= Measure.median(careful)))
        func rate(_ seconds: [Double]) -> Double { Double(size) / Measure.median(seconds) / 1e6 }
        let curlRate = rate(curlAlone), limitRate = rate(limit), bareRate = rate(curlBare)
        rows.append(Row("curl from a peer vs the loopback limit (throughput)", ours: curlRate, reference: limitRate, unit: "MB/s",
                        target: "ratio ≥ 0.9", held: curlRate / limitRate >= 0.9))
        rows.append(Row("curl from a peer vs curl from a bare server (throughput)", ours: curlRate, reference: bareRate,
                        unit: "MB/s", target: "ratio ≥ 0.9", held: curlRate / bareRate >= 0.9))
        rows.append(Row("curl from a bare server vs the loopback limit (throughput)", ours: bareRate, reference: limitRate,
                        unit: "MB/s", target: "—", held: nil))
        if curlRate / limitRate < 0.9 && bareRate / limitRate < 0.9 {
            notes.append(String(format: "curl reaches %.2f of the loopback limit from a peer and %.2f from a bare server that only "
                + "sends the file, the same way: the gap is not in the peer's request handling.", curlRate / limitRate, bareRate / limitRate))
        }

        say("one command's round trip, \(runs) runs ...")
        let sleepers = supervisord.map { ($0, $0.configure(count: 10)) }
        let daemon = sleepers.flatMap { $0.0.up(config: $0.1, count: 10) }
        var send: [Double] = [], status: [Double] = [], theirs: [Double] = []
        for _ in 0..<max(runs, 5) {
            try? FileManager.default.removeItem(atPath: folder.path + "/asker/Downloads/line.txt")
            let one = ctlRun(config, state, ["send", "asker", "line.txt"])
            if one.status == 0 { send.append(one.seconds) }
            status.append(ctlRun(config, state, ["status"]).seconds)
            if let (reference, file) = sleepers, daemon != nil { theirs.append(reference.status(config: file)) }
        }
        if let (reference, file) = sleepers, let daemon { _ = reference.shutdown(config: file, pids: daemon.pids) }
        let oursSend = send.isEmpty ? nil : Measure.median(send)
        rows.append(Row("p2pctl send (one-line file) vs p2pctl status", ours: oursSend, reference: Measure.median(status), unit: "s",
                        target: "ratio ≤ 3", held: oursSend.map { $0 <= 3 * Measure.median(status) }))
        let theirStatus = theirs.isEmpty ? nil : Measure.median(theirs)
        rows.append(Row("p2pctl send (one-line file) vs supervisorctl status", ours: oursSend, reference: theirStatus, unit: "s",
                        target: "ratio < 1", held: theirStatus.flatMap { t in oursSend.map { $0 < t } }, note: theirStatus == nil ? "n/a" : nil))
    } catch {
        say("transfer scenario failed: \(error)")
    }

    // MARK: 5. Lookup

    do {
        say("lookups on a line of 10 and a random overlay of 100 ...")
        let roundTrip = try InProcess.loopbackRoundTrip()
        let line = try InProcess.lookups(count: 10, referral: .chain, neighbours: 1, queries: 200) { _ in (0, 9) }
        var generator = SystemRandomNumberGenerator()
        let overlay = try InProcess.lookups(count: 100, referral: .random, neighbours: 2, queries: 200) { _ in
            let requester = Int.random(in: 0..<100, using: &generator)
            var holder = Int.random(in: 0..<100, using: &generator)
            while holder == requester { holder = Int.random(in: 0..<100, using: &generator) }
            return (requester, holder)
        }
        let hops = Double(line.hops.max() ?? 9)
        let p50 = Measure.median(line.latencies) * 1000
        rows.append(Row("lookup p50, line of 10 (\(Int(hops)) hops) vs 10 × hops × loopback RTT", ours: p50,
                        reference: 10 * hops * roundTrip * 1000, unit: "ms", target: "ratio ≤ 1", held: p50 <= 10 * hops * roundTrip * 1000))
        rows.append(Row("lookup p99, line of 10", ours: Measure.percentile(line.latencies, 99) * 1000, reference: nil, unit: "ms",
                        target: "—", held: nil, note: "—"))
        rows.append(Row("lookup p50, random overlay of 100", ours: Measure.median(overlay.latencies) * 1000, reference: nil, unit: "ms",
                        target: "—", held: nil, note: "—"))
        rows.append(Row("lookup p99, random overlay of 100", ours: Measure.percentile(overlay.latencies, 99) * 1000, reference: nil, unit: "ms",
                        target: "—", held: nil, note: "—"))
        for (name, figures) in [("line of 10", line), ("random overlay of 100", overlay)] {
            let worst = figures.messagesPerQuery.max() ?? 0
            rows.append(Row("messages per flooded query (most), \(name) vs 2E", ours: worst, reference: Double(2 * figures.links),
                            unit: "msgs", target: "ratio ≤ 1", held: worst <= Double(2 * figures.links)))
        }
    } catch {
        say("lookup scenario failed: \(error)")
    }
}

// MARK: 7. A crowd at one peer

if !scaleOnly {
    let crowd = CrowdBench(runs: crowdRuns, quick: quick, log: say)
    crowd.run()
    rows += crowd.rows
    notes += crowd.notes
}

// MARK: 8. Scale

let scale = ScaleBench(ctl: ctl, supervisord: supervisord, quick: quick, queries: scaleQueries,
                       upRuns: arguments.value("runs") == nil ? nil : runs, log: say)
if !crowdOnly { scale.run() }
rows += scale.rows
notes += scale.notes
let outFolder = (out as NSString).deletingLastPathComponent
let chart = (outFolder.isEmpty ? "." : outFolder) + "/scale.svg"

// MARK: Output

let formatter = ISO8601DateFormatter()
let report = Report(machine: Measure.machine, date: formatter.string(from: Date()), runs: runs, rows: rows, notes: notes,
                    scale: scale.figures)
print("Machine: \(report.machine); " + (scaleOnly ? "scale section only; bring-up \(scale.upRuns) runs each"
      : crowdOnly ? "crowd section only, \(crowdRuns) runs per figure"
      : "\(runs) runs per figure") + ", medians, interleaved with the reference.\n")
print(report.markdown)
if !crowdOnly {
    print("\nScale: \(scaleQueries) queries per cell, 4 at a time, from random requesters that do not hold the file; "
          + "messages per query from the counters over the whole batch.\n")
    print(scale.cellTable)
    print("")
    print(scale.shapeTable)
}
for note in notes { print("\n" + note) }
let encoder = JSONEncoder()
encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
try? FileManager.default.createDirectory(atPath: (out as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
if let data = try? encoder.encode(report), (try? data.write(to: URL(fileURLWithPath: out))) != nil {
    say("\nfigures written to \(out)")
}
if !scale.figures.cells.isEmpty,
   (try? ScaleChart.svg(scale.figures.cells, strategies: scale.strategies, replicaCounts: scale.replicaCounts)
       .write(toFile: chart, atomically: true, encoding: .utf8)) != nil {
    say("scale chart written to \(chart)")
}
try? FileManager.default.removeItem(atPath: scratch.path)   // exit() runs no deinit
exit(rows.contains { $0.held == false } ? ExitCode.failure : ExitCode.success)

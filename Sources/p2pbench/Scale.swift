import Foundation
import Sockets
import System

// The scale section (README, "Scale"): the default config as a user runs it, only `registry.maxPeers`
// raised, at 100 and 1,000 peers. Search cells (success, messages per query, time to the first
// hit) per replica count and strategy, the overlay's shape before and after killing a tenth of
// the peers, bring-up against supervisord starting as many `sleep`s, and memory per peer.

/// One cell: N peers, one file on `replicas` of them, looked for `queries` times with `strategy`
/// by random requesters that do not hold it.
struct ScaleCell: Codable {
    var peers: Int
    var replicas: Int
    var strategy: String
    var queries: Int
    var found: Int
    var successRate: Double
    /// `queryMessagesSent` summed over all peers across the batch, divided by `queries`.
    var messagesPerQuery: Double
    var firstHitP50Ms: Double?
    var firstHitP99Ms: Double?
    /// The whole `p2pctl send`'s wall time, as p2pbench timed it.
    var sendP50Ms: Double?
    var hopsP50: Double?
    /// Distinct error sentences of failed sends (or "exit N, no JSON"), with their counts.
    var errors: [String: Int]
    /// Answers whose `search` was not the strategy asked for.
    var strategyMismatches: Int
}

/// The overlay's shape: diameter, mean path and links per peer, from the `topo --format json` document.
struct OverlayShape: Codable {
    var label: String
    var peers: Int
    var links: Int
    var connected: Bool
    var diameter: Int
    var meanPath: Double
    var fewestLinks: Int
    var mostLinks: Int

    init?(label: String, topology json: String) {
        guard let document = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any],
              let nodes = document["nodes"] as? [[String: Any]], let edges = document["edges"] as? [[String]] else { return nil }
        let names = nodes.compactMap { $0["name"] as? String }
        var index: [String: Int] = [:]
        for (position, name) in names.enumerated() { index[name] = position }
        var adjacent = [[Int]](repeating: [], count: names.count)
        for edge in edges where edge.count == 2 {
            guard let a = index[edge[0]], let b = index[edge[1]], a != b else { continue }
            adjacent[a].append(b)
            adjacent[b].append(a)
        }
        self.label = label
        peers = names.count
        links = edges.count
        var eccentricity = 0, total = 0, pairs = 0, whole = true
        var distance = [Int](repeating: -1, count: names.count)
        var queue = [Int](repeating: 0, count: names.count)
        for source in 0..<names.count {
            for position in distance.indices { distance[position] = -1 }
            distance[source] = 0
            queue[0] = source
            var head = 0, tail = 1
            while head < tail {
                let node = queue[head]
                head += 1
                for next in adjacent[node] where distance[next] < 0 {
                    distance[next] = distance[node] + 1
                    queue[tail] = next
                    tail += 1
                }
            }
            if tail < names.count { whole = false }
            for position in 0..<tail {
                eccentricity = max(eccentricity, distance[queue[position]])
                total += distance[queue[position]]
            }
            pairs += tail - 1
        }
        connected = whole
        diameter = eccentricity
        meanPath = Double(total) / Double(max(1, pairs))
        let degrees = Set(adjacent.map(\.count))
        fewestLinks = degrees.min() ?? 0
        mostLinks = degrees.max() ?? 0
    }
}

struct BringUp: Codable {
    var peers: Int
    var ours: [Double]
    var supervisord: [Double]
}

/// Everything the scale section measured, for the JSON output.
struct ScaleFigures: Codable {
    var defaultStrategy: String
    var cells: [ScaleCell] = []
    var shapes: [OverlayShape] = []
    var bringUps: [BringUp] = []
    var pssPerPeerMB: [String: Double] = [:]
    var recoverySeconds: [String: Double] = [:]
}

/// One search, as `send --json` answered it.
private struct Answer: Sendable {
    var ok: Bool
    var hops: Int?
    var firstHitMs: Double?
    var seconds: Double
    var search: String?
    var error: String?
}

final class ScaleBench {
    let ctl: String
    let supervisord: Supervisord?
    let sizes: [Int]
    let queries: Int
    let upRuns: Int
    let parallel = 4
    let strategies = ["flood", "ring", "walk"]
    let replicaCounts = [1, 5, 20]
    let log: (String) -> Void
    private(set) var rows: [Row] = []
    private(set) var notes: [String] = []
    private(set) var figures = ScaleFigures(defaultStrategy: "walk")
    /// The config the scale networks start from (Config/network.json), or nil: built-in defaults.
    let base: [String: Any]?
    let neighbours: Int

    init(ctl: String, supervisord: Supervisord?, quick: Bool, queries: Int?, upRuns: Int?, log: @escaping (String) -> Void) {
        self.ctl = ctl
        self.supervisord = supervisord
        self.log = log
        sizes = quick ? [100] : [100, 1000]
        self.queries = queries ?? (quick ? 40 : 200)
        self.upRuns = upRuns ?? (quick ? 1 : 3)
        base = Self.findConfig().flatMap { path in
            (try? Data(contentsOf: URL(fileURLWithPath: path))).flatMap { try? JSONSerialization.jsonObject(with: $0) } as? [String: Any]
        }
        neighbours = (base?["network"] as? [String: Any])?["neighbours"] as? Int ?? 3
    }

    /// Config/network.json under the current folder, else above the executable (.build/…/release).
    static func findConfig() -> String? {
        var candidates = [FileManager.default.currentDirectoryPath + "/Config/network.json"]
        var folder = ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]) as NSString
        for _ in 0..<5 {
            folder = folder.deletingLastPathComponent as NSString
            candidates.append(folder.appendingPathComponent("Config/network.json"))
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }

    func run() {
        if base == nil { notes.append("scale: Config/network.json not found; its defaults were used (ttl 7, neighbours 3).") }
        for count in sizes { measure(count) }
        addTargets()
    }

    // MARK: One size

    /// The holders of each wanted file, by replica count.
    private func makeNetwork(_ count: Int, in folder: ScratchFolder) -> (config: String, holders: [Int: Set<String>]) {
        var holders: [Int: Set<String>] = [:]
        for replicas in replicaCounts {
            let chosen = (0..<count).shuffled().prefix(replicas).map { "p\($0)" }
            holders[replicas] = Set(chosen)
            for name in chosen { folder.write("\(name)/wanted-r\(replicas).bin", "wanted, \(replicas) replicas\n") }
        }
        var peers: [[String: Any]] = []
        for index in 0..<count {
            folder.write("p\(index)/file-\(index).txt", "file \(index)\n")
            peers.append(["name": "p\(index)", "dir": "p\(index)"])
        }
        var config = base ?? ["registry": ["host": "127.0.0.1", "flag": "P2P"], "network": ["ttl": 7, "neighbours": 3]]
        var registry = config["registry"] as? [String: Any] ?? [:]
        registry["port"] = 0
        registry["maxPeers"] = max(count, registry["maxPeers"] as? Int ?? 10)
        config["registry"] = registry
        config["peers"] = peers
        let data = (try? JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        folder.write("net.json", String(decoding: data, as: UTF8.self))
        return (folder.path + "/net.json", holders)
    }

    private func ctlWords(_ config: String, _ state: String, _ words: [String]) -> [String] {
        ["-c", config, "--state-dir", state] + words
    }

    private func status(_ config: String, _ state: String) -> [[String: Any]] {
        let text = Measure.output(ctl, ctlWords(config, state, ["status", "--json"]))
        return (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]] ?? []
    }

    private func measure(_ count: Int) {
        let folder = ScratchFolder("scale\(count)")
        let (config, holders) = makeNetwork(count, in: folder)
        let state = folder.path + "/state"
        // Whatever happens below, nothing of this network outlives it.
        defer { Measure.run(ctl, ctlWords(config, state, ["down"])) }

        // Bring-up, interleaved with supervisord, supervisord first: our last bring-up stays up
        // for the rest, so no reference runs beside a live network.
        log("scale: bring-up of \(count) peers vs supervisord \(count) sleeps, \(upRuns) runs each ...")
        let reference = supervisord.map { ($0, $0.configure(count: count)) }
        var ours: [Double] = [], theirs: [Double] = []
        var isUp = false
        for run in 0..<upRuns {
            if let (daemon, file) = reference, let (seconds, pids) = daemon.up(config: file, count: count) {
                theirs.append(seconds)
                _ = daemon.shutdown(config: file, pids: pids)
            }
            let started = Measure.run(ctl, ctlWords(config, state, ["up", "-d", "--timeout", "300"]))
            guard started.status == 0 else {
                log("scale: up -d of \(count) peers failed (exit \(started.status))")
                notes.append("scale: `up -d` of \(count) peers failed (exit \(started.status)) in run \(run + 1).")
                Measure.run(ctl, ctlWords(config, state, ["down"]))
                continue
            }
            ours.append(started.seconds)
            if run < upRuns - 1 {
                Measure.run(ctl, ctlWords(config, state, ["down"]))
            } else {
                isUp = true
            }
        }
        figures.bringUps.append(BringUp(peers: count, ours: ours, supervisord: theirs))
        if !isUp {
            // The last bring-up failed: one more try for the search figures.
            isUp = Measure.run(ctl, ctlWords(config, state, ["up", "-d", "--timeout", "300"])).status == 0
        }
        guard isUp else {
            notes.append("scale: no network of \(count) peers came up; its search and overlay figures are missing.")
            return
        }

        // Memory: PSS of every process of the network and the supervisor, per peer.
        let pids = status(config, state).compactMap { $0["pid"] as? Int }.map(Int32.init)
        let supervisor = Int32((try? String(contentsOfFile: state + "/supervisor.pid", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        figures.pssPerPeerMB["\(count)"] = (pids + [supervisor]).compactMap(Measure.pss).reduce(0, +) / Double(count) / 1_000_000

        shape("\(ScaleChart.grouped(count)) peers", config, state)
        probeDefault(count, config, state, holders)

        for replicas in replicaCounts {
            for strategy in strategies {
                guard let holding = holders[replicas] else { continue }
                log("scale: \(count) peers, file on \(replicas), \(strategy): \(queries) queries ...")
                figures.cells.append(cell(count, replicas: replicas, strategy: strategy, holders: holding, folder, config, state))
            }
        }

        killTenth(count, config, state)
        shape("\(ScaleChart.grouped(count)) peers, after killing 10%", config, state)
    }

    /// The diameter and mean path of the overlay as `topo --format json` shows it now.
    private func shape(_ label: String, _ config: String, _ state: String) {
        let json = Measure.output(ctl, ctlWords(config, state, ["topo", "--format", "json"]))
        if let shape = OverlayShape(label: label, topology: json) {
            figures.shapes.append(shape)
            log(String(format: "scale: %@: %d links, diameter %d, mean path %.2f, %d to %d links per peer%@", label, shape.links,
                       shape.diameter, shape.meanPath, shape.fewestLinks, shape.mostLinks, shape.connected ? "" : ", NOT CONNECTED"))
        } else {
            notes.append("scale: `topo --format json` gave no overlay for \(label).")
        }
    }

    /// One send without `--search`: its answer names the default strategy.
    private func probeDefault(_ count: Int, _ config: String, _ state: String, _ holders: [Int: Set<String>]) {
        let holding = holders[20] ?? []
        guard let asker = (0..<count).map({ "p\($0)" }).first(where: { !holding.contains($0) }) else { return }
        let answer = Measure.capture(ctl, ctlWords(config, state, ["send", asker, "wanted-r20.bin", "--json"]))
        let json = (try? JSONSerialization.jsonObject(with: Data(answer.output.utf8))) as? [String: Any]
        if let search = json?["search"] as? String { figures.defaultStrategy = search }
        let folder = ((config as NSString).deletingLastPathComponent as NSString).appendingPathComponent(asker)
        try? FileManager.default.removeItem(atPath: folder + "/Downloads/wanted-r20.bin")
    }

    /// `queryMessagesSent` and pid of every peer.
    private func counters(_ config: String, _ state: String) -> [String: (pid: Int, sent: Int)] {
        var result: [String: (pid: Int, sent: Int)] = [:]
        for row in status(config, state) where row["role"] as? String == "peer" {
            guard let name = row["name"] as? String else { continue }
            let sent = (row["counters"] as? [String: Any])?["queryMessagesSent"] as? Int ?? 0
            result[name] = (row["pid"] as? Int ?? 0, sent)
        }
        return result
    }

    private func cell(_ count: Int, replicas: Int, strategy: String, holders: Set<String>, _ folder: ScratchFolder,
                      _ config: String, _ state: String) -> ScaleCell {
        let file = "wanted-r\(replicas).bin"
        let askers = (0..<count).map { "p\($0)" }.filter { !holders.contains($0) }
        let before = counters(config, state)
        let next = Protected(0)
        let busy = Protected(Set<String>())
        let answers = Protected([Answer]())
        let done = Protected(0)
        let total = queries, ctl = ctl, root = folder.path
        let words = ["-c", config, "--state-dir", state]
        for _ in 0..<parallel {
            Thread.detachNewThread {
                while next.withLock({ (taken: inout Int) -> Bool in
                    guard taken < total else { return false }
                    taken += 1
                    return true
                }) {
                    // A requester asks one query at a time, so its Downloads/ stays its own.
                    let asker = busy.withLock { (asking: inout Set<String>) -> String in
                        var pick = askers.randomElement()!
                        while asking.contains(pick) { pick = askers.randomElement()! }
                        asking.insert(pick)
                        return pick
                    }
                    let sent = Measure.capture(ctl, words + ["send", asker, file, "--search", strategy, "--json"])
                    try? FileManager.default.removeItem(atPath: root + "/" + asker + "/Downloads/" + file)
                    busy.withLock { _ = $0.remove(asker) }
                    let json = (try? JSONSerialization.jsonObject(with: Data(sent.output.utf8))) as? [String: Any]
                    let answer = Answer(ok: json?["ok"] as? Bool ?? false, hops: json?["hops"] as? Int,
                                        firstHitMs: (json?["firstHitMs"] as? NSNumber)?.doubleValue, seconds: sent.seconds,
                                        search: json?["search"] as? String,
                                        error: json == nil ? "exit \(sent.status), no JSON" : json?["error"] as? String)
                    answers.withLock { $0.append(answer) }
                }
                done.withLock(notify: true) { $0 += 1 }
            }
        }
        let parallel = parallel
        _ = done.wait(until: .never) { $0 == parallel ? true : nil }
        Thread.sleep(forTimeInterval: 2.5)   // peers report their counters with each 2 s heartbeat
        let after = counters(config, state)
        var messages = 0
        for (name, now) in after {
            if let then = before[name], then.pid == now.pid { messages += max(0, now.sent - then.sent) } else { messages += now.sent }
        }
        let all = answers.withLock { $0 }
        let found = all.filter(\.ok)
        var errors: [String: Int] = [:]
        for answer in all where !answer.ok { errors[answer.error ?? "failed, no error given", default: 0] += 1 }
        let firstHits = found.compactMap(\.firstHitMs)
        let cell = ScaleCell(
            peers: count, replicas: replicas, strategy: strategy, queries: all.count, found: found.count,
            successRate: Double(found.count) / Double(max(1, all.count)),
            messagesPerQuery: Double(messages) / Double(max(1, all.count)),
            firstHitP50Ms: firstHits.isEmpty ? nil : Measure.median(firstHits),
            firstHitP99Ms: firstHits.isEmpty ? nil : Measure.percentile(firstHits, 99),
            sendP50Ms: all.isEmpty ? nil : Measure.median(all.map(\.seconds)) * 1000,
            hopsP50: found.isEmpty ? nil : Measure.median(found.compactMap { $0.hops.map(Double.init) }),
            errors: errors, strategyMismatches: all.filter { $0.search != strategy }.count)
        log(String(format: "scale:   found %d of %d, %.0f messages per query, first hit p50 %.1f ms", cell.found, cell.queries,
                   cell.messagesPerQuery, cell.firstHitP50Ms ?? .nan))
        return cell
    }

    /// Kills a tenth of the peers (default KILL) and waits until the supervisor has restarted
    /// them all and every peer has its links again, then 5 s more.
    private func killTenth(_ count: Int, _ config: String, _ state: String) {
        let victims = (0..<count).shuffled().prefix(max(1, count / 10)).map { "p\($0)" }
        let pidsBefore = Dictionary(status(config, state).compactMap { row in
            (row["name"] as? String).map { ($0, row["pid"] as? Int ?? 0) }
        }, uniquingKeysWith: { a, _ in a })
        log("scale: killing \(victims.count) of \(count) peers ...")
        let started = ContinuousClock.now
        for victim in victims {
            let killed = Measure.run(ctl, ctlWords(config, state, ["kill", victim]))
            if killed.status != 0 { notes.append("scale: `p2pctl kill \(victim)` exited \(killed.status).") }
        }
        var recovered = false
        while Measure.seconds(since: started) < 180 {
            let rows = status(config, state)
            let peers = rows.filter { $0["role"] as? String == "peer" }
            let restarted = victims.allSatisfy { victim in
                guard let row = rows.first(where: { $0["name"] as? String == victim }), let pid = row["pid"] as? Int else { return false }
                return pid != pidsBefore[victim]
            }
            if restarted, peers.count == count, rows.allSatisfy({ $0["state"] as? String == "running" }),
               peers.allSatisfy({ ($0["neighbours"] as? [Any])?.count ?? 0 >= neighbours }) {
                recovered = true
                break
            }
            Thread.sleep(forTimeInterval: 0.5)
        }
        let seconds = Measure.seconds(since: started)
        if recovered {
            figures.recoverySeconds["\(count)"] = seconds
            log(String(format: "scale: all running with ≥ %d links again after %.1f s", neighbours, seconds))
        } else {
            let behind = status(config, state).filter { row in
                row["state"] as? String != "running"
                    || (row["role"] as? String == "peer" && ((row["neighbours"] as? [Any])?.count ?? 0) < neighbours)
            }.prefix(5).map { row in
                "\(row["name"] ?? "?") \(row["state"] ?? "?") with \((row["neighbours"] as? [Any])?.count ?? 0) links"
                    + ((row["lastExit"] as? String).map { ", last exit: \($0)" } ?? "")
            }
            notes.append(String(format: "scale: %d peers, after killing %d: not all running with ≥ %d links within %.0f s (%@).",
                                count, victims.count, neighbours, seconds, behind.joined(separator: "; ")))
        }
        Thread.sleep(forTimeInterval: 5)
    }

    // MARK: Rows and targets

    private func cell(_ count: Int, _ replicas: Int, _ strategy: String) -> ScaleCell? {
        figures.cells.first { $0.peers == count && $0.replicas == replicas && $0.strategy == strategy }
    }

    private func addTargets() {
        let big = sizes.max() ?? 1000
        let scale = ScaleChart.grouped(big)
        let standard = figures.defaultStrategy
        // The search, overlay and memory targets are set at 1,000 peers; smaller runs show the figures only.
        let judged = big >= 1000
        func target(_ text: String) -> String { judged ? text : "— (\(text) at 1,000)" }
        if standard != "walk" { notes.append("scale: the default strategy answered as \(standard), not walk.") }
        // Search.
        let one = cell(big, 1, standard)
        rows.append(Row("scale \(scale): file on 1 peer found, default (\(standard))", ours: one.map { $0.successRate * 100 },
                        reference: nil, unit: "%", target: target("≥ 99 %"),
                        held: judged ? one.map { $0.successRate >= 0.99 } ?? false : nil,
                        note: one == nil ? "n/a" : "—"))
        for replicas in [5, 20] {
            let ours = cell(big, replicas, standard), flood = cell(big, replicas, "flood")
            var held: Bool? = judged ? false : nil
            if judged, let ours, let flood { held = ours.messagesPerQuery <= 0.1 * flood.messagesPerQuery && ours.successRate >= 0.99 }
            rows.append(Row("scale \(scale): messages per query, file on \(replicas), \(standard) vs flood"
                                + (ours.map { String(format: " (%.1f %% found)", $0.successRate * 100) } ?? ""),
                            ours: ours?.messagesPerQuery, reference: flood?.messagesPerQuery, unit: "msgs",
                            target: target("ratio ≤ 0.1, ≥ 99 % found"), held: held))
        }
        // Overlay.
        for shape in figures.shapes where shape.label.hasPrefix(scale + " peers") {
            rows.append(Row("scale: diameter, \(shape.label)" + (shape.connected ? "" : " (not connected)"), ours: Double(shape.diameter),
                            reference: nil, unit: "hops", target: target("≤ 10"), held: judged ? shape.connected && shape.diameter <= 10 : nil,
                            note: "—"))
            rows.append(Row("scale: mean path, \(shape.label)", ours: shape.meanPath, reference: nil, unit: "hops",
                            target: target("≤ 6"), held: judged ? shape.connected && shape.meanPath <= 6 : nil, note: "—"))
        }
        if !figures.shapes.contains(where: { $0.label == scale + " peers, after killing 10%" }) {
            rows.append(Row("scale: diameter and mean path, \(scale) peers after killing 10%", ours: nil, reference: nil, unit: "hops",
                            target: target("≤ 10, ≤ 6"), held: judged ? false : nil, note: "n/a"))
        }
        // Bring-up against supervisord.
        for bringUp in figures.bringUps.sorted(by: { $0.peers > $1.peers }) {
            let limit = bringUp.peers >= 1000 ? 0.7 : 0.6
            let ours = bringUp.ours.isEmpty ? nil : Measure.median(bringUp.ours)
            let theirs = bringUp.supervisord.isEmpty ? nil : Measure.median(bringUp.supervisord)
            rows.append(Row("scale: bring-up, \(ScaleChart.grouped(bringUp.peers)) peers vs supervisord "
                                + "\(ScaleChart.grouped(bringUp.peers)) sleeps (\(bringUp.ours.count) and \(bringUp.supervisord.count) runs)",
                            ours: ours, reference: theirs, unit: "s", target: String(format: "ratio ≤ %.1f", limit),
                            held: theirs.flatMap { t in ours.map { $0 <= limit * t } }, note: supervisord == nil ? "n/a" : nil))
        }
        // Memory.
        if let pss = figures.pssPerPeerMB["\(big)"] {
            rows.append(Row("scale: PSS per peer, \(scale) peers (all processes + supervisor)", ours: pss, reference: nil, unit: "MB",
                            target: target("≤ 1.5 MB"), held: judged ? pss <= 1.5 : nil, note: "—"))
        }
        for (size, seconds) in figures.recoverySeconds.sorted(by: { $0.key < $1.key }) {
            rows.append(Row("scale: \(ScaleChart.grouped(Int(size) ?? 0)) peers, all running with ≥ \(neighbours) links after killing 10%", ours: seconds, reference: nil,
                            unit: "s", target: "—", held: nil, note: "—"))
        }
        for cell in figures.cells where !cell.errors.isEmpty || cell.strategyMismatches > 0 {
            let errors = cell.errors.sorted { $0.value > $1.value }.map { "\($0.value)× \($0.key)" }.joined(separator: "; ")
            notes.append("scale: \(cell.peers) peers, file on \(cell.replicas), \(cell.strategy): " + errors
                         + (cell.strategyMismatches > 0 ? " (\(cell.strategyMismatches) answers named another strategy)" : ""))
        }
    }

    /// The cells as a Markdown table.
    var cellTable: String {
        func ms(_ value: Double?) -> String { value.map { String(format: "%.1f", $0) } ?? "n/a" }
        var lines = ["| peers | replicas | strategy | queries | found | messages/query | first hit p50 ms | first hit p99 ms | send p50 ms | hops p50 |",
                     "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for cell in figures.cells {
            lines.append("| \(cell.peers) | \(cell.replicas) | \(cell.strategy) | \(cell.queries) | "
                         + String(format: "%.1f %%", cell.successRate * 100) + " | " + String(format: "%.0f", cell.messagesPerQuery)
                         + " | \(ms(cell.firstHitP50Ms)) | \(ms(cell.firstHitP99Ms)) | \(ms(cell.sendP50Ms)) | "
                         + (cell.hopsP50.map { String(format: "%.0f", $0) } ?? "n/a") + " |")
        }
        return lines.joined(separator: "\n")
    }

    var shapeTable: String {
        var lines = ["| overlay | peers | links | links per peer | diameter | mean path |", "| --- | --- | --- | --- | --- | --- |"]
        for shape in figures.shapes {
            lines.append("| \(shape.label)\(shape.connected ? "" : " (not connected)") | \(shape.peers) | \(shape.links) | "
                         + "\(shape.fewestLinks)–\(shape.mostLinks) | \(shape.diameter) | " + String(format: "%.2f", shape.meanPath) + " |")
        }
        return lines.joined(separator: "\n")
    }
}

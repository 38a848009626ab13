import Foundation
import Sockets
import System

// The crowd section: one peer of a running network under load, beside nginx (one worker,
// sendfile on) serving the same files from the same folder, the two interleaved in one run.
// Loads by tools nobody here wrote: wrk (keep-alive, a 5-byte file), ab -k, curl.

final class CrowdBench {
    private(set) var rows: [Row] = []
    private(set) var notes: [String] = []
    private let runs: Int
    private let quick: Bool
    private let log: (String) -> Void

    init(runs: Int, quick: Bool, log: @escaping (String) -> Void) {
        self.runs = max(runs, 1)
        self.quick = quick
        self.log = log
    }

    static let tools = ["wrk": "/usr/bin/wrk", "ab": "/usr/bin/ab", "nginx": "/usr/sbin/nginx"]

    /// Installs wrk, ab and nginx from Debian's packages when they are missing and we are root.
    static func installTools(log: (String) -> Void) -> Bool {
        if tools.values.allSatisfy(FileManager.default.isExecutableFile) { return true }
        guard getuid() == 0 else { return false }
        log("crowd: installing wrk, apache2-utils and nginx-light with apt-get ...")
        let environment = ["DEBIAN_FRONTEND": "noninteractive"]
        Measure.run("/usr/bin/apt-get", ["update", "-q"], environment: environment)
        Measure.run("/usr/bin/apt-get", ["install", "-y", "-q", "wrk", "apache2-utils", "nginx-light"], environment: environment)
        return tools.values.allSatisfy(FileManager.default.isExecutableFile)
    }

    func run() {
        DescriptorLimit.raise()
        guard Self.installTools(log: log) else {
            notes.append("crowd: wrk, ab or nginx is missing (apt-get install wrk apache2-utils nginx-light): its rows were not measured.")
            return
        }
        let folder = ScratchFolder("crowd")
        let size = quick ? 256 << 20 : 1 << 30
        folder.write("holder/small.txt", "hello")
        try? FileManager.default.createDirectory(atPath: folder.path + "/asker", withIntermediateDirectories: true)
        Measure.run("/bin/sh", ["-c", "head -c \(size) /dev/urandom > '\(folder.path)/holder/big.bin'"])
        folder.write("net.json", "{\"registry\": {\"port\": 0}, \"peers\": [{\"name\": \"holder\", \"dir\": \"holder\"}, {\"name\": \"asker\", \"dir\": \"asker\"}]}")
        let config = folder.path + "/net.json", state = folder.path + "/state"
        guard ctlRun(config, state, ["up", "-d"]).status == 0 else {
            notes.append("crowd: the network did not come up; its rows are missing.")
            return
        }
        defer { _ = ctlRun(config, state, ["down"]) }
        let holder = statusJSON(config, state).first { $0["name"] as? String == "holder" }
        let port = UInt16(holder?["port"] as? Int ?? 0), pid = Int32(holder?["pid"] as? Int ?? 0)
        guard let nginx = Nginx(root: folder.path + "/holder", scratch: folder.path + "/nginx") else {
            notes.append("crowd: nginx did not start; its rows are missing.")
            return
        }
        defer { nginx.stop() }
        let ours = "http://127.0.0.1:\(port)", theirs = "http://127.0.0.1:\(nginx.port)"
        // Both hash or open their files once before anything is timed.
        _ = Measure.output("/usr/bin/curl", ["-sfI", ours + "/big.bin"])
        _ = Measure.output("/usr/bin/curl", ["-sf", ours + "/small.txt", theirs + "/small.txt"])

        // First, while neither server has grown its heap under load (later connections would
        // reuse what earlier ones freed).
        log("crowd: memory per idle connection ...")
        let idleOurs = idleMemory(port: port, pid: pid), idleTheirs = idleMemory(port: nginx.port, pid: nginx.workerPid)
        rows.append(Row("crowd: memory per idle keep-alive connection, 1,000 held (PSS) vs nginx's worker", ours: idleOurs, reference: idleTheirs,
                        unit: "bytes", target: "≤ 16 KB", held: idleOurs.map { $0 <= 16_384 }))

        for connections in [50, 200, 1000] {
            log("crowd: wrk, \(connections) connections, \(runs) runs each ...")
            var a: [Wrk] = [], b: [Wrk] = []
            for _ in 0..<runs {
                a.append(Wrk.run(ours + "/small.txt", connections: connections, seconds: quick ? 3 : 5))
                b.append(Wrk.run(theirs + "/small.txt", connections: connections, seconds: quick ? 3 : 5))
            }
            let failed = a.map(\.failed).reduce(0, +), theirFailed = b.map(\.failed).reduce(0, +)
            let total = a.map(\.requests).reduce(0, +)
            let rate = Measure.median(a.map(\.rate)), theirRate = Measure.median(b.map(\.rate))
            rows.append(Row("crowd: wrk keep-alive, \(connections) connections, 5-byte file vs nginx one worker "
                            + "(requests/s; failed: ours \(failed) of \(total), nginx \(theirFailed))",
                            ours: rate, reference: theirRate, unit: "req/s",
                            target: connections == 200 ? "0 failed, ratio ≥ 1" : "0 failed",
                            held: failed == 0 && (connections != 200 || rate >= theirRate)))
        }

        log("crowd: ab -k, 10,000 requests, 50 at a time ...")
        let abOurs = Ab.run(ours + "/small.txt"), abTheirs = Ab.run(theirs + "/small.txt")
        rows.append(Row("crowd: ab -k -n 10000 -c 50 vs nginx (seconds; failed: ours \(abOurs.failed), nginx \(abTheirs.failed); "
                        + "finished: ours \(abOurs.complete), nginx \(abTheirs.complete))",
                        ours: abOurs.seconds, reference: abTheirs.seconds, unit: "s", target: "all 10,000, none failed, no stall",
                        held: abOurs.complete == 10_000 && abOurs.failed == 0 && (abOurs.seconds ?? 99) < 10))

        log("crowd: one request while 1,000 slow connections are held ...")
        let slowOurs = slowScenario(port: port) {
            let curl = Measure.run("/usr/bin/curl", ["-sf", "-o", "/dev/null", "--max-time", "10", ours + "/small.txt"])
            try? FileManager.default.removeItem(atPath: folder.path + "/asker/Downloads/small.txt")
            let send = ctlRun(config, state, ["send", "asker", "small.txt", "--timeout", "10"])
            return (curl.status == 0 ? curl.seconds : nil, send.status == 0 ? send.seconds : nil)
        }
        let slowTheirs = slowScenario(port: nginx.port) {
            let curl = Measure.run("/usr/bin/curl", ["-sf", "-o", "/dev/null", "--max-time", "10", theirs + "/small.txt"])
            return (curl.status == 0 ? curl.seconds : nil, nil)
        }
        rows.append(Row("crowd: curl while one process holds 1,000 half-sent requests vs nginx", ours: slowOurs.curl, reference: slowTheirs.curl,
                        unit: "s", target: "succeeds, ≤ 1 s", held: slowOurs.curl.map { $0 <= 1 } ?? false))
        rows.append(Row("crowd: p2pctl send from that peer while they are held", ours: slowOurs.send, reference: nil, unit: "s",
                        target: "succeeds, ≤ 1 s", held: slowOurs.send.map { $0 <= 1 } ?? false, note: "—"))

        log("crowd: \(size >> 20) MiB by curl, \(runs) runs each ...")
        var big: [Double] = [], theirBig: [Double] = []
        for _ in 0..<runs {
            big.append(Measure.run("/usr/bin/curl", ["-sf", "-o", "/dev/null", ours + "/big.bin"]).seconds)
            theirBig.append(Measure.run("/usr/bin/curl", ["-sf", "-o", "/dev/null", theirs + "/big.bin"]).seconds)
        }
        rows.append(Row("crowd: \(size >> 20) MiB by curl vs nginx (seconds)", ours: Measure.median(big), reference: Measure.median(theirBig),
                        unit: "s", target: "—", held: nil))
    }

    /// Holds 1,000 connections that each sent half a request head, then runs `probe`.
    private func slowScenario(port: UInt16, _ probe: () -> (curl: Double?, send: Double?)) -> (curl: Double?, send: Double?) {
        let head = Array("GET /small.txt HTTP/1.1\r\nHost: x\r\nX-Slow: ".utf8)
        var held: [Socket] = []
        defer { for socket in held { socket.close() } }
        for _ in 0..<1000 {
            guard let socket = try? Socket.connect(host: "127.0.0.1", port: port, timeout: .seconds(5)) else { break }
            try? socket.write(head, until: .after(.seconds(1)))
            held.append(socket)
        }
        Thread.sleep(forTimeInterval: 0.5)
        return probe()
    }

    /// PSS growth of `pid` in bytes per connection, with 1,000 keep-alive connections each answered
    /// once and then left idle.
    private func idleMemory(port: UInt16, pid: Int32) -> Double? {
        guard let before = Measure.pss(pid) else { return nil }
        let request = Array("GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        var held: [Socket] = []
        defer { for socket in held { socket.close() } }
        var buffer = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<1000 {
            guard let socket = try? Socket.connect(host: "127.0.0.1", port: port, timeout: .seconds(5)) else { return nil }
            try? socket.write(request, until: .after(.seconds(1)))
            _ = try? buffer.withUnsafeMutableBytes { try socket.read(into: $0, until: .after(.seconds(5))) }
            held.append(socket)
        }
        Thread.sleep(forTimeInterval: 0.5)
        guard let after = Measure.pss(pid) else { return nil }
        return (after - before) / 1000
    }
}

/// One wrk run: requests per second, requests done, and failures (socket errors and non-2xx).
struct Wrk {
    var rate = 0.0, requests = 0, failed = 0

    static func run(_ url: String, connections: Int, seconds: Int) -> Wrk {
        let text = Measure.output("/usr/bin/wrk", ["-t1", "-c\(connections)", "-d\(seconds)s", url])
        var result = Wrk()
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ")
            if line.contains("Requests/sec:"), let value = words.last.flatMap({ Double($0) }) { result.rate = value }
            if line.contains("requests in"), let value = words.first.flatMap({ Int($0) }) { result.requests = value }
            if line.contains("Socket errors:") {
                // "Socket errors: connect 0, read 3, write 0, timeout 0"
                result.failed += words.compactMap { Int($0.trimmingCharacters(in: CharacterSet(charactersIn: ","))) }.reduce(0, +)
            }
            if line.contains("Non-2xx"), let value = words.last.flatMap({ Int($0) }) { result.failed += value }
        }
        if result.requests == 0 { result.failed += 1 }   // wrk did not run or reached nothing
        return result
    }
}

/// One `ab -k -n 10000 -c 50` run (bounded by -s 10 per request).
struct Ab {
    var seconds: Double?, complete = 0, failed = 0

    static func run(_ url: String) -> Ab {
        let text = Measure.output("/usr/bin/ab", ["-q", "-k", "-s", "10", "-n", "10000", "-c", "50", url])
        var result = Ab()
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ")
            if line.hasPrefix("Time taken for tests:"), words.count > 4 { result.seconds = Double(words[4]) }
            if line.hasPrefix("Complete requests:"), let value = words.last.flatMap({ Int($0) }) { result.complete = value }
            if line.hasPrefix("Failed requests:"), let value = words.last.flatMap({ Int($0) }) { result.failed += value }
            if line.hasPrefix("Non-2xx responses:"), let value = words.last.flatMap({ Int($0) }) { result.failed += value }
        }
        return result
    }
}

/// nginx with one worker and sendfile on, serving `root` on a free loopback port.
final class Nginx {
    let port: UInt16
    private let process: Process
    let scratch: String

    init?(root: String, scratch: String) {
        self.scratch = scratch
        try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        // A free port: the kernel picks one, we let it go, nginx takes it.
        guard let probe = try? Socket.listen(host: "127.0.0.1", port: 0), let free = probe.localAddress?.port else { return nil }
        probe.close()
        port = free
        let config = """
            worker_processes 1;
            daemon off;
            master_process on;
            pid \(scratch)/nginx.pid;
            error_log \(scratch)/error.log;
            events { worker_connections 8192; }
            http {
              access_log off;
              sendfile on;
              keepalive_requests 1000000;
              client_body_temp_path \(scratch)/body; proxy_temp_path \(scratch)/proxy; fastcgi_temp_path \(scratch)/fastcgi;
              uwsgi_temp_path \(scratch)/uwsgi; scgi_temp_path \(scratch)/scgi;
              server { listen 127.0.0.1:\(free); root \(root); }
            }
            """
        try? config.write(toFile: scratch + "/nginx.conf", atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: CrowdBench.tools["nginx"]!)
        process.arguments = ["-c", scratch + "/nginx.conf", "-p", scratch]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        for _ in 0..<100 {
            if let socket = try? Socket.connect(host: "127.0.0.1", port: free, timeout: .seconds(1)) {
                socket.close()
                return
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        process.terminate()
        return nil
    }

    /// The worker's PID (the master's only child).
    var workerPid: Int32 {
        let children = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/task/\(process.processIdentifier)/children", encoding: .utf8)) ?? ""
        return Int32(children.split(separator: " ").first ?? "") ?? process.processIdentifier
    }

    func stop() {
        let worker = workerPid
        process.terminate()
        process.waitUntilExit()
        Measure.waitGone([worker])
    }
}

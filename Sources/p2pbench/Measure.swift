import CSystemShims
import Foundation
import System

/// Timing whole commands and reading figures off the system, for the benchmark.
enum Measure {
    /// Runs a command to its end and returns its wall time, exit status and stdout (stderr and
    /// stdin on /dev/null). Exit is awaited with `terminationHandler`, not `waitUntilExit()`
    /// (which may report it up to 50 ms late); stdout is read to its end meanwhile, so a chatty
    /// command never stalls on a full pipe.
    static func capture(_ executable: String, _ arguments: [String], environment: [String: String] = [:])
        -> (seconds: Double, status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let exited = Protected<Int32?>(nil)
        process.terminationHandler = { ended in exited.withLock(notify: true) { $0 = ended.terminationStatus } }
        ProcessRunGuard.install()   // the in-process networks hold thousands of sockets
        let started = ContinuousClock.now
        do { try process.run() } catch { return (0, -1, "") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        try? pipe.fileHandleForReading.close()
        let status = exited.wait(until: .never) { $0 } ?? -1
        return (seconds(since: started), status, String(decoding: data, as: UTF8.self))
    }

    /// A command's wall time and exit status (its output read and dropped).
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) -> (seconds: Double, status: Int32) {
        let result = capture(executable, arguments, environment: environment)
        return (result.seconds, result.status)
    }

    /// A command's stdout (for the few commands whose output we need).
    static func output(_ executable: String, _ arguments: [String]) -> String {
        capture(executable, arguments).output
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        (ContinuousClock.now - start) / .seconds(1)
    }

    static func median(_ values: [Double]) -> Double { percentile(values, 50) }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count - 1)).rounded())
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    /// Proportional set size in bytes (Pss in /proc/PID/smaps_rollup).
    static func pss(_ pid: Int32) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("Pss:") {
            return Double(line.split(separator: " ")[1]).map { $0 * 1024 }
        }
        return nil
    }

    /// True while `pid` exists and is not a zombie.
    static func isAlive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        return !stat.contains(") Z ")
    }

    /// Waits until none of `pids` is alive (pidfd where possible: an event, not a poll).
    static func waitGone(_ pids: [Int32]) {
        for pid in pids {
            while isAlive(pid) { _ = p2p_wait_for_exit(pid, 50) }
        }
    }

    /// The CPU, for the report.
    static var machine: String {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = info.split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        let memory = ProcessInfo.processInfo.physicalMemory >> 30
        return "\(model), \(ProcessInfo.processInfo.activeProcessorCount) cores, \(memory) GiB"
    }
}

/// A temporary folder on /dev/shm (tmpfs: the disk is not what is measured), removed at the end.
final class ScratchFolder {
    let path: String
    init(_ label: String) {
        path = "/dev/shm/p2pbench-\(label)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ name: String, _ text: String) {
        let file = path + "/" + name
        try? FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try? text.write(toFile: file, atomically: false, encoding: .utf8)
    }
}

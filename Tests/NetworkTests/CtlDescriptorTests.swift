import System
import Foundation
import Sockets
import Testing

/// A supervisor that runs out of descriptors backs off instead of spinning on accept, and
/// answers again once it has them.
@Suite(.serialized, .spawnsProcesses) struct CtlDescriptorTests {
    @Test func aSupervisorOutOfDescriptorsStaysIdleAndAnswersOnceItHasThemAgain() throws {
        let network = try CtlNetwork()
        defer { network.tearDown() }
        try network.up()
        let pid = try #require(network.supervisorPid)
        let (soft, hard) = try #require(descriptorLimits(pid), "no open-files line in /proc/\(pid)/limits")
        let log = network.stateDir + "/logs/supervisor.log"
        let socketPath = (try? String(contentsOfFile: network.stateDir + "/control.path", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? network.stateDir + "/control.sock"

        // The soft limit at what it holds now: its next accept fails with EMFILE. (Only the soft
        // limit: without CAP_SYS_RESOURCE a lowered hard limit could not be raised again.)
        let held = try #require(try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count)
        try setDescriptorLimit(pid, "\(held):\(hard)")
        var restored = false
        defer { if !restored { try? setDescriptorLimit(pid, "\(soft):\(hard)") } }
        // The kernel queues these connections; the supervisor cannot take them.
        var clients: [Socket] = []
        for _ in 0..<4 { clients.append(try Socket.connect(to: SocketAddress(unixPath: socketPath), timeout: .seconds(5))) }
        #expect(eventually(10) { lines(of: log, containing: "accept failed") >= 1 }, "the supervisor never logged the failed accept")

        // Meanwhile it waits between tries rather than spinning a core.
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let cpuBefore = try #require(cpuTicks(pid)), wallBefore = Date()
        Thread.sleep(forTimeInterval: 2)
        let cpu = Double(try #require(cpuTicks(pid)) - cpuBefore) / ticks
        let wall = Date().timeIntervalSince(wallBefore)
        #expect(cpu < 0.2 * wall, "the supervisor used \(cpu) s of CPU in \(wall) s while out of descriptors")
        #expect(lines(of: log, containing: "accept failed") == 1, "one line per back-off")

        for client in clients { client.close() }
        try setDescriptorLimit(pid, "\(soft):\(hard)")
        restored = true
        #expect(eventually(15) { network.ctl(["status"], seconds: 10).status == 0 }, "status did not answer once descriptors were back")
        #expect(eventually(5) { lines(of: log, containing: "accepting connections again") == 1 })
    }
}

/// No child inherits a descriptor of another: each holds its own stdin-and-output socket (on
/// 0, 1 and 2) and nothing else of the supervisor's. An inherited sibling's exit-notice socket
/// (Foundation's) would hide that sibling's exit from the supervisor until both had exited.
@Suite(.serialized, .spawnsProcesses) struct CtlInheritanceTests {
    @Test func everyChildHoldsItsOwnStdioSocketAndNoSiblingsDescriptors() throws {
        var files: [String: [String: [UInt8]]] = [:]
        for index in 1...64 { files["s\(index)"] = ["f\(index).txt": Array("file \(index)\n".utf8)] }
        let network = try CtlNetwork(files: files) { config in
            config["registry"] = ["port": 0, "maxPeers": 64] as [String: Any]
        }
        defer { network.tearDown() }
        try network.up()
        let rows = try #require(network.status())
        #expect(rows.count == 65)
        // What the supervisor holds: a child holding one of these inherited it.
        let supervisor = try #require(network.supervisorPid)
        let theirs = Set(try Self.targets(of: supervisor).values)
        var seen: [String: String] = [:]   // pipe or socket inode -> the process holding it
        for row in rows {
            let name = try #require(row["name"] as? String), pid = try #require(row.int("pid"))
            let targets = try Self.targets(of: pid)
            let stdio = try #require(targets[0])
            #expect(stdio.hasPrefix("socket:") && targets[1] == stdio && targets[2] == stdio,
                    "\(name)'s stdin, stdout and stderr are \(targets[0] ?? "-"), \(targets[1] ?? "-"), \(targets[2] ?? "-")")
            // Pipes and sockets are the process's own (its listener, links, the poller's wake
            // pipe, its exit-notice end) or inherited: then the supervisor or a sibling has it too.
            for shared in Set(targets.values.filter { $0.hasPrefix("socket:") || $0.hasPrefix("pipe:") }) {
                #expect(!theirs.contains(shared), "\(name) holds the supervisor's \(shared)")
                #expect(seen[shared] == nil, "\(name) and \(seen[shared] ?? "") both hold \(shared)")
                seen[shared] = name
            }
        }
    }

    /// Each open descriptor of `pid` and what it points to ("socket:[123]", "pipe:[45]", a path).
    static func targets(of pid: some BinaryInteger) throws -> [Int: String] {
        let folder = "/proc/\(pid)/fd"
        var targets: [Int: String] = [:]
        for entry in try FileManager.default.contentsOfDirectory(atPath: folder) {
            if let fd = Int(entry), let target = try? FileManager.default.destinationOfSymbolicLink(atPath: folder + "/" + entry) {
                targets[fd] = target
            }
        }
        return targets
    }
}

/// The soft and hard limits on open files of a process ("unlimited" as the word).
private func descriptorLimits(_ pid: Int32) -> (String, String)? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8),
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Max open files") }) else { return nil }
    let fields = line.dropFirst("Max open files".count).split(separator: " ")
    return fields.count >= 2 ? (String(fields[0]), String(fields[1])) : nil
}

/// `prlimit --pid PID --nofile=SOFT:HARD` (util-linux).
private func setDescriptorLimit(_ pid: Int32, _ limits: String) throws {
    let result = try runCommand("/usr/bin/prlimit", ["--pid", "\(pid)", "--nofile=\(limits)"], seconds: 10)
    try #require(result.status == 0, "prlimit --nofile=\(limits) failed: \(result.output)")
}

/// User plus system CPU time of a process, in clock ticks (fields 14 and 15 of /proc/PID/stat).
private func cpuTicks(_ pid: Int32) -> UInt64? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 12, let user = UInt64(fields[11]), let system = UInt64(fields[12]) else { return nil }
    return user + system
}

private func lines(of file: String, containing text: String) -> Int {
    ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: "\n").filter { $0.contains(text) }.count
}

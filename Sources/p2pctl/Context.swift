import Admission
import Control
import Foundation
import NetworkConfig
import NodeRuntime
import Sockets
import System
import Supervisor

/// What every command needs: where the config and the state folder are, where the other
/// executables live, and how to talk to a running supervisor.
struct Context {
    let configPath: String
    let state: StateDirectory
    /// The folder with p2p-registry and p2p-peer: beside this executable.
    let binFolder: String
    let colour: Bool

    static let program = "p2pctl"

    init(configOption: String?, stateOption: String?) {
        let environment = ProcessInfo.processInfo.environment
        let here = FileManager.default.currentDirectoryPath
        configPath = ConfigLoader.resolvePath(option: configOption, environment: environment, currentDirectory: here)
        state = StateDirectory.resolve(option: stateOption, environment: environment, currentDirectory: here)
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        binFolder = (me as NSString).deletingLastPathComponent
        colour = isatty(STDOUT_FILENO) == 1 && environment["NO_COLOR"] == nil
    }

    /// The config, or exit 2 with every problem and its JSON path.
    func loadConfig() -> NetworkConfig {
        do {
            return try ConfigLoader.load(path: configPath)
        } catch {
            Log.answer(error.description)
            Log.error(Context.program, "the config has \(error.problems.count) problem\(error.problems.count == 1 ? "" : "s"); nothing was started")
            exit(ExitCode.usage)
        }
    }

    /// The network's shared secret (the config's `secretFile`, else `$P2P_SECRET`), or exit 2
    /// saying what is wrong with it. The children are told the same file, or inherit the variable.
    func secret(file: String?) -> SharedSecret? {
        do { return try SharedSecret.resolve(file: file) } catch {
            Log.error(Context.program, "\(error)")
            exit(ExitCode.usage)
        }
    }

    // MARK: Talking to the supervisor

    /// Sends one request; calls `stream` for progress and log lines; returns the final answer.
    /// nil when no supervisor answers on this state folder.
    func ask(_ request: ControlRequest, stream: (ControlResponse) -> Void = { _ in }) -> ControlResponse? {
        let socket: Socket
        do { socket = try Socket.connect(to: SocketAddress(unixPath: state.socketPath), timeout: .seconds(5)) }
        catch .system(let error) where error.errno == .permissionDenied {
            Log.error(Context.program, "permission denied on \(state.socketPath): the network in \(state.path) belongs to another user")
            exit(ExitCode.failure)
        } catch {
            return nil
        }
        defer { socket.close() }
        guard (try? socket.write(Array((JSONLines.encode(request) + "\n").utf8), until: .after(.seconds(5)))) != nil else { return nil }
        var reader = SocketReader(socket)
        while true {
            guard let bytes = try? reader.readLine(maxLength: 64 << 20, until: .never) else {
                return .failure("the supervisor went away before it answered")
            }
            let line = String(decoding: bytes, as: UTF8.self)
            if let version = JSONLines.version(of: line), version != ControlProtocol.version {
                let stop = state.runningSupervisor().map { ", or stop it with: kill \($0)" } ?? ""
                return .failure("the supervisor of \(state.path) speaks control protocol \(version), this p2pctl \(ControlProtocol.version): use the p2pctl it was started with\(stop)")
            }
            guard let response = try? JSONLines.decode(ControlResponse.self, from: line) else {
                return .failure("the supervisor answered something this p2pctl cannot read: \(line.prefix(200))")
            }
            if response.isStreamed { stream(response) } else { return response }
        }
    }

    /// Like `ask`, but a missing network is the end: exit 1 with what to do.
    func askRunning(_ request: ControlRequest, stream: (ControlResponse) -> Void = { _ in }) -> ControlResponse {
        if let response = ask(request, stream: stream) { return response }
        state.removeStaleFiles()
        Log.error(Context.program, "no network is up (state dir \(state.path)); start one with: p2pctl up")
        exit(ExitCode.failure)
    }

    /// Prints an answer that is not the one expected (a failure, most often) and exits with
    /// its code.
    func fail(_ response: ControlResponse) -> Never {
        guard case .failure(let failure) = response else {
            Log.error(Context.program, "the supervisor gave an answer of another kind than asked for")
            exit(ExitCode.failure)
        }
        Log.error(Context.program, failure.message)
        exit(failure.exitCode)
    }

    func paint(_ text: String, _ code: String) -> String { colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
}

/// A stable fingerprint of a config's meaning (not its formatting), so `up` can tell "the
/// same network is already up" from "another one is".
func digest(of config: NetworkConfig) -> String {
    var hash: UInt64 = 0xcbf29ce484222325
    for byte in JSONLines.encode(config).utf8 { hash = (hash ^ UInt64(byte)) &* 0x100000001b3 }
    return String(hash, radix: 16)
}

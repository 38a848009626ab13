// libFuzzer target for config files (.ci/fuzz; glue in Sources/FuzzSupport): the raw bytes of
// a file through `ConfigLoader.load(data:source:)`, the loader `p2pctl` itself uses once it
// has read the file. The file sits at Config/network.json under the current folder (.ci/fuzz
// runs from the repository, so "../Peers/s1" names a real folder).

import FoundationEssentials
import FuzzSupport
import NetworkConfig

@main enum FuzzConfig {
    static func main() {
        LibFuzzer.run { data, size in FuzzConfig.check(LibFuzzer.bytes(data, size)) }
    }

    /// Either a config that keeps every promise of README's table, or problems a user can act on.
    static func check(_ bytes: [UInt8]) -> CInt {
        do {
            checkValid(try ConfigLoader.load(data: Data(bytes), source: "Config/network.json"))
        } catch {
            guard !error.problems.isEmpty, error.problems.allSatisfy({ !$0.message.isEmpty }) else {
                fatalError("refused without a reason: \(error.problems)")
            }
            for problem in error.problems { checkMessage(problem.message, bytes) }
        }
        return 0
    }

    static func checkValid(_ config: NetworkConfig) {
        let names = config.peers.map { $0.name.lowercased() }
        guard !names.isEmpty, names.count <= config.registry.maxPeers, Set(names).count == names.count,
              !names.contains("registry"), Set(config.peers.map(\.dir)).count == names.count,
              (1...16).contains(config.network.ttl), config.network.queryTimeout > 0,
              config.registry.peerPorts.map({ $0.count >= names.count && !$0.contains(0) }) ?? true else {
            fatalError("accepted a config that breaks the rules: \(config)")
        }
    }

    /// A syntax error points inside the file; "not UTF-8" is said only of bytes that are not.
    static func checkMessage(_ message: String, _ bytes: [UInt8]) {
        let syntax = "JSON syntax error near line "
        if message.hasPrefix(syntax) {
            let numbers = message.dropFirst(syntax.count).prefix { $0 != ":" }
                .split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            let lines = bytes.count { $0 == UInt8(ascii: "\n") } + 1
            guard numbers.count == 2, (1...lines).contains(numbers[0]), numbers[1] >= 1, numbers[1] <= bytes.count + 1 else {
                fatalError("syntax error outside the file (\(lines) lines, \(bytes.count) bytes): \(message)")
            }
        }
        if message.hasPrefix("not valid JSON"), String(validating: bytes, as: UTF8.self) != nil,
           !bytes.contains(UInt8(ascii: "\\")) {
            // Valid UTF-8 without escapes (so no lone surrogate): the scanner passed it, so
            // JSONDecoder must take it too.
            fatalError("the scanner and JSONDecoder disagree: \(message)")
        }
    }
}

import Foundation
import Testing
@testable import NetworkConfig

/// A temporary project-like folder: `Config/` for config files and `Peers/<name>/` folders.
/// Each test makes its own and removes it with `defer { scratch.remove() }`.
struct Scratch {
    let root: String

    init(peers: [String] = ["s1", "s2"]) throws {
        let base = FileManager.default.temporaryDirectory.path
        root = ConfigLoader.normalize("\(base)/network-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: root + "/Config", withIntermediateDirectories: true)
        for peer in peers { try makeFolder("Peers/\(peer)") }
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }

    func makeFolder(_ relative: String) throws {
        try FileManager.default.createDirectory(atPath: "\(root)/\(relative)", withIntermediateDirectories: true)
    }

    /// Writes `text` to `relative` (default `Config/network.json`) and returns its absolute path.
    @discardableResult
    func write(_ text: String, to relative: String = "Config/network.json") throws -> String {
        let path = "\(root)/\(relative)"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Loads `text` as `Config/network.json`; the problems, or [] when it loaded.
    func problems(_ text: String) throws -> [ConfigProblem] {
        let path = try write(text)
        do {
            _ = try ConfigLoader.load(path: path)
            return []
        } catch {
            #expect(error.file == path)
            return error.problems
        }
    }
}

/// The smallest valid peers list for a `Scratch` config.
let onePeer = #"[{"name": "s1", "dir": "../Peers/s1"}]"#
let twoPeers = #"[{"name": "s1", "dir": "../Peers/s1"}, {"name": "s2", "dir": "../Peers/s2"}]"#

/// The repository root, found from this file (Tests/NetworkConfigTests/Support.swift).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path

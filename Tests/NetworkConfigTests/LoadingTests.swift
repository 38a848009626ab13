import Foundation
import Testing
@testable import NetworkConfig

@Suite struct Loading {
    @Test func defaultConfigOfTheRepository() throws {
        let file = repositoryRoot + "/Config/network.json"
        let config = try ConfigLoader.load(path: file)
        #expect(config.source == file)
        #expect(config.peers.map(\.name) == ["s1", "s2", "s3", "s4", "s5"])
        for peer in config.peers {
            #expect(peer.dir == "\(repositoryRoot)/Peers/\(peer.name)")
            #expect(peer.dir.hasPrefix("/") && !peer.dir.contains(".."))
            #expect(peer.restart == .onFailure && !peer.shareDownloads)
        }
        #expect(config.registry == NetworkConfig.Registry(host: "127.0.0.1", port: 7000, maxPeers: 10, flag: "P2P"))
        #expect(config.network == NetworkConfig.Network(ttl: 7, neighbours: 3, maxLinks: 12, queryTimeout: 5, search: .walk))
    }

    @Test func minimalConfigGetsEveryDefault() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let file = try scratch.write(#"{"peers": \#(onePeer)}"#)
        let config = try ConfigLoader.load(path: file)
        #expect(config.registry.host == "127.0.0.1")
        #expect(config.registry.port == 7000)
        #expect(config.registry.maxPeers == 10)
        #expect(config.registry.flag == "P2P")
        #expect(config.registry.referral == "weighted-random")
        #expect(config.registry.peerPorts == nil)
        #expect(config.registry.secretFile == nil)
        #expect(config.network.ttl == 7)
        #expect(config.network.neighbours == 3)
        #expect(config.network.maxLinks == 12)
        #expect(config.network.queryTimeout == 5)
        #expect(config.network.search == .walk)
        #expect(config.peers == [NetworkConfig.Peer(name: "s1", dir: scratch.root + "/Peers/s1", restart: .onFailure, shareDownloads: false)])
        #expect(config.source == file)
    }

    @Test func aPrivateSecretFileResolvesAgainstTheConfigFolderAndAnOpenOneIsRefused() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let secret = try scratch.write("sixteen bytes or more\n", to: "Config/secret")
        chmod(secret, 0o600)
        let file = try scratch.write(#"{"registry": {"secretFile": "secret"}, "peers": \#(onePeer)}"#)
        #expect(try ConfigLoader.load(path: file).registry.secretFile == secret)
        chmod(secret, 0o640)
        let problems = try scratch.problems(#"{"registry": {"secretFile": "secret"}, "peers": \#(onePeer)}"#)
        #expect(problems.map(\.path) == ["registry.secretFile"])
        #expect(problems.first?.message.contains("chmod 600") == true, "\(problems)")
    }

    @Test func nullMeansNotSetForOptionalKeys() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let file = try scratch.write(#"{"registry": {"port": null, "peerPorts": null}, "network": null, "peers": [{"name": "s1", "dir": "../Peers/s1", "restart": null}]}"#)
        let config = try ConfigLoader.load(path: file)
        #expect(config.registry.port == 7000 && config.registry.peerPorts == nil)
        #expect(config.network == NetworkConfig.Network())
        #expect(config.peers[0].restart == .onFailure)
    }

    @Test func everySettingIsRead() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let file = try scratch.write("""
            {
              "registry": { "host": "::1", "port": 0, "maxPeers": 2, "flag": "open sesame", "referral": "chain", "peerPorts": [9001, 9002.0] },
              "network": { "ttl": 16, "neighbours": 64, "maxLinks": 100, "queryTimeout": 0.25, "search": "ring" },
              "peers": [
                { "name": "s1", "dir": "../Peers/s1", "restart": "always", "shareDownloads": true },
                { "name": "Peer_2-b", "dir": "\(scratch.root)/Peers/s2/", "restart": "no" }
              ]
            }
            """)
        let config = try ConfigLoader.load(path: file)
        #expect(config.registry == NetworkConfig.Registry(host: "::1", port: 0, maxPeers: 2, flag: "open sesame", referral: "chain", peerPorts: 9001...9002))
        #expect(config.network == NetworkConfig.Network(ttl: 16, neighbours: 64, maxLinks: 100, queryTimeout: 0.25, search: .ring))
        #expect(config.peers == [
            NetworkConfig.Peer(name: "s1", dir: scratch.root + "/Peers/s1", restart: .always, shareDownloads: true),
            NetworkConfig.Peer(name: "Peer_2-b", dir: scratch.root + "/Peers/s2", restart: .no, shareDownloads: false),
        ])
        #expect(config.peer(named: "PEER_2-B")?.name == "Peer_2-b")
        #expect(config.peer(named: "s3") == nil)
    }

    @Test func relativeDirsResolveAgainstTheConfigFolder() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.makeFolder("Config/deep/here")
        try scratch.makeFolder("Config/deep/s2")
        let file = try scratch.write(#"{"peers": [{"name": "s1", "dir": "here"}, {"name": "s2", "dir": "./../deep//s2/."}, {"name": "s3", "dir": "../../Peers/s1"}]}"#,
                                     to: "Config/deep/net.json")
        // Loaded from another current folder, through a relative-looking path with "..".
        let config = try ConfigLoader.load(path: scratch.root + "/Peers/../Config/deep/net.json")
        #expect(config.source == file)
        #expect(config.peers.map(\.dir) == [scratch.root + "/Config/deep/here", scratch.root + "/Config/deep/s2", scratch.root + "/Peers/s1"])
    }

    @Test func loadFromDataUsesTheSourceFolder() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let source = scratch.root + "/Config/virtual.json"   // never written: only its folder matters
        let config = try ConfigLoader.load(data: Data(#"{"peers": \#(onePeer)}"#.utf8), source: source)
        #expect(config.source == source)
        #expect(config.peers[0].dir == scratch.root + "/Peers/s1")
    }

    @Test func acceptsAByteOrderMark() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let config = try ConfigLoader.load(data: Data([0xEF, 0xBB, 0xBF] + Array(#"{"peers": \#(onePeer)}"#.utf8)),
                                           source: scratch.root + "/Config/network.json")
        #expect(config.peers.count == 1)
    }

    @Test func encodesPeerPortsAsAPairAndRoundTrips() throws {
        let config = NetworkConfig(registry: .init(peerPorts: 7001...7010), peers: [.init(name: "s1", dir: "/tmp/s1")], source: "/x/network.json")
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(config), as: UTF8.self)
        #expect(text.contains(#""peerPorts":[7001,7010]"#))
        #expect(text.contains(#""restart":"on-failure""#))
        #expect(try JSONDecoder().decode(NetworkConfig.self, from: Data(text.utf8)) == config)
    }

    @Test func resolvePathOrder() {
        let environment = ["P2P_CONFIG": "/etc/p2p/net.json"]
        #expect(ConfigLoader.resolvePath(option: "/a/b.json", environment: environment, currentDirectory: "/home/u") == "/a/b.json")
        #expect(ConfigLoader.resolvePath(option: "my.json", environment: environment, currentDirectory: "/home/u") == "/home/u/my.json")
        #expect(ConfigLoader.resolvePath(option: nil, environment: environment, currentDirectory: "/home/u") == "/etc/p2p/net.json")
        #expect(ConfigLoader.resolvePath(option: nil, environment: ["P2P_CONFIG": "../n.json"], currentDirectory: "/home/u") == "/home/n.json")
        #expect(ConfigLoader.resolvePath(option: nil, environment: ["P2P_CONFIG": ""], currentDirectory: "/home/u") == "/home/u/Config/network.json")
        #expect(ConfigLoader.resolvePath(option: nil, environment: [:], currentDirectory: "/home/u/") == "/home/u/Config/network.json")
    }

    @Test func normalize() {
        #expect(ConfigLoader.normalize("/a/./b//c/../d/") == "/a/b/d")
        #expect(ConfigLoader.normalize("/../..") == "/")
        #expect(ConfigLoader.absolute("x/../y", from: "/base") == "/base/y")
    }
}

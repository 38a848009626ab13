import NetworkConfig
import NodeRuntime
@testable import Supervisor
import Testing

/// The argv the supervisor starts a child with parses back, with that executable's own spec,
/// to the values it was made from: an option renamed on one side cannot go unnoticed.
@Suite struct LaunchTests {
    static let configs = [
        NetworkConfig(peers: [NetworkConfig.Peer(name: "s1", dir: "/tmp/peers/s1")], source: "defaults"),
        NetworkConfig(registry: NetworkConfig.Registry(host: "::1", port: 0, maxPeers: 100, flag: "Secret Flag",
                                                       referral: "chain", peerPorts: 9000...9099, secretFile: "/tmp/a secret"),
                      network: NetworkConfig.Network(ttl: 16, neighbours: 5, queryTimeout: 0.25),
                      peers: [NetworkConfig.Peer(name: "peer-2", dir: "/tmp/with space/-dash", restart: .always, shareDownloads: true)],
                      source: "everything set"),
    ]

    @Test(arguments: configs)
    func aPeersArgumentsParseBackToTheSameLaunch(config: NetworkConfig) throws {
        let peer = try #require(config.peers.first)
        let launch = Supervisor.peerLaunch(config, peer, registryPort: 7123)
        let parsed = try PeerLaunch.commandSpec(epilogue: "").parse(launch.arguments)
        #expect(parsed.positionals.isEmpty)
        #expect(try PeerLaunch(parsed) == launch)
        // And the values are the config's.
        #expect(launch.name == peer.name && launch.directory == peer.dir && launch.shareDownloads == peer.shareDownloads)
        #expect(launch.registry == Endpoint(host: config.registry.host, port: 7123))
        #expect(launch.flag == config.registry.flag && launch.secretFile == config.registry.secretFile)
        #expect(launch.ttl == config.network.ttl && launch.neighbours == config.network.neighbours)
        #expect(launch.queryTimeout == config.network.queryTimeout)
        #expect(launch.supervised)
    }

    @Test(arguments: configs)
    func theRegistrysArgumentsParseBackToTheSameLaunch(config: NetworkConfig) throws {
        let launch = Supervisor.registryLaunch(config, port: 7001)
        let parsed = try RegistryLaunch.commandSpec.parse(launch.arguments)
        #expect(parsed.positionals.isEmpty)
        #expect(try RegistryLaunch(parsed) == launch)
        #expect(launch.host == config.registry.host && launch.port == 7001 && launch.maxPeers == config.registry.maxPeers)
        #expect(launch.flag == config.registry.flag && launch.referral == config.registry.referral)
        #expect(launch.neighbours == config.network.neighbours && launch.peerPorts == config.registry.peerPorts)
        #expect(launch.secretFile == config.registry.secretFile && launch.supervised)
    }

    @Test func nothingGivenParsesToNothingAndGivesNoWords() throws {
        #expect(try PeerLaunch(PeerLaunch.commandSpec(epilogue: "").parse([])) == PeerLaunch())
        #expect(try RegistryLaunch(RegistryLaunch.commandSpec.parse([])) == RegistryLaunch())
        #expect(PeerLaunch().arguments.isEmpty && RegistryLaunch().arguments.isEmpty)
    }

    @Test(arguments: [["--ttl", "17"], ["--ttl", "0"], ["--neighbours", "x"], ["--query-timeout", "0"], ["--registry", "nohost"],
                      ["--registry", "127.0.0.1:0"]])
    func badPeerValuesAreUsageErrors(words: [String]) throws {
        let parsed = try PeerLaunch.commandSpec(epilogue: "").parse(words)
        #expect(throws: UsageError.self) { try PeerLaunch(parsed) }
    }

    @Test(arguments: [["--port", "65536"], ["--max-peers", "0"], ["--peer-ports", "10-9"], ["--peer-ports", "0-9"], ["--peer-ports", "9"]])
    func badRegistryValuesAreUsageErrors(words: [String]) throws {
        let parsed = try RegistryLaunch.commandSpec.parse(words)
        #expect(throws: UsageError.self) { try RegistryLaunch(parsed) }
    }

    @Test func endpointsReadAsTheyAreWritten() {
        #expect(Endpoint(parsing: "[::1]:7000") == Endpoint(host: "::1", port: 7000))
        #expect(Endpoint(host: "::1", port: 7000).description == "[::1]:7000")
        #expect(Endpoint(parsing: ":7000") == Endpoint(host: "127.0.0.1", port: 7000))
        #expect(Endpoint(parsing: "10.0.0.1:80")?.description == "10.0.0.1:80")
    }
}

@Suite struct LinkBoundsTests {
    @Test func theMostLinksNeverFallBelowTheFewest() throws {
        #expect(try linkBounds(neighbours: nil, maxLinks: nil, defaults: (3, 12)) == (3, 12))
        #expect(try linkBounds(neighbours: 20, maxLinks: nil, defaults: (3, 12)) == (20, 20))
        #expect(try linkBounds(neighbours: 1, maxLinks: 2, defaults: (3, 12)) == (1, 2))
        #expect(throws: UsageError.self) { try linkBounds(neighbours: nil, maxLinks: 2, defaults: (3, 12)) }
        #expect(throws: UsageError.self) { try linkBounds(neighbours: 5, maxLinks: 4, defaults: (3, 12)) }
    }
}

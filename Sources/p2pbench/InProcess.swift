import Foundation
import NodeRuntime
import Peer
import Registry
import Sockets
import System

/// The figures measured inside one process: a loopback round trip, the raw loopback copy
/// limit, and lookups over real overlays of peers run in this process.
enum InProcess {
    /// Median seconds of one 1-byte TCP round trip over loopback.
    static func loopbackRoundTrip(rounds: Int = 2000) throws -> Double {
        let listener = try Socket.listen(host: "127.0.0.1", port: 0)
        let port = listener.localAddress!.port
        Threads.detach {
            guard let server = try? listener.accept() else { return }
            var byte = [UInt8](repeating: 0, count: 1)
            while (try? byte.withUnsafeMutableBytes({ try server.read(into: $0, until: .after(.seconds(10))) })) == 1 {
                try? server.write(byte, until: .after(.seconds(10)))
            }
            server.close()
        }
        let client = try Socket.connect(host: "127.0.0.1", port: port, timeout: .seconds(5))
        defer { client.close(); listener.close() }
        var samples: [Double] = []
        var byte = [UInt8](repeating: 7, count: 1)
        for _ in 0..<rounds {
            let started = ContinuousClock.now
            try client.write(byte, until: .after(.seconds(10)))
            _ = try byte.withUnsafeMutableBytes { try client.read(into: $0, until: .after(.seconds(10))) }
            samples.append(Measure.seconds(since: started))
        }
        return Measure.median(samples)
    }

    /// Seconds to copy `bytes` through one loopback TCP connection, memory to memory: the
    /// fastest any transfer of that size can go here.
    static func loopbackCopy(bytes: Int) throws -> Double {
        let listener = try Socket.listen(host: "127.0.0.1", port: 0)
        let port = listener.localAddress!.port
        let chunk = [UInt8](repeating: 0x5a, count: 1 << 20)
        Threads.detach {
            guard let server = try? listener.accept() else { return }
            var left = bytes
            while left > 0 {
                let count = min(left, chunk.count)
                guard (try? chunk.withUnsafeBytes({ try server.write(UnsafeRawBufferPointer(rebasing: $0[..<count]), until: .after(.seconds(30))) })) != nil else { break }
                left -= count
            }
            server.close()
        }
        let started = ContinuousClock.now
        let client = try Socket.connect(host: "127.0.0.1", port: port, timeout: .seconds(5))
        defer { client.close(); listener.close() }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { buffer.deallocate() }
        var received = 0
        while received < bytes {
            let count = try client.read(into: buffer, until: .after(.seconds(30)))
            if count == 0 { break }
            received += count
        }
        return Measure.seconds(since: started)
    }

    struct LookupFigures {
        var latencies: [Double] = []
        var hops: [Int] = []
        var messagesPerQuery: [Double] = []
        var links = 0
    }

    /// `count` peers in this process, linked by `referral`; `queries` lookups, each from a
    /// requester for a file only its holder has (`pick` chooses the pair). Latency is from the
    /// query leaving the requester to the first hit arriving there.
    static func lookups(count: Int, referral: ReferralPolicy, neighbours: Int, queries: Int,
                        pick: (Int) -> (requester: Int, holder: Int)) throws -> LookupFigures {
        let folder = ScratchFolder("lookup\(count)")
        var registryConfiguration = RegistryConfiguration()
        registryConfiguration.port = 0
        registryConfiguration.referral = referral
        registryConfiguration.neighbours = neighbours
        registryConfiguration.maxPeers = count
        let registry = try Registry(configuration: registryConfiguration)
        registry.start()
        var peers: [PeerNode] = []
        defer {
            for peer in peers { peer.stop() }
            registry.stop()
        }
        for index in 0..<count {
            folder.write("p\(index)/file-\(index).txt", "held by p\(index)\n")
            var configuration = PeerConfiguration(name: "p\(index)", directory: folder.path + "/p\(index)")
            configuration.registryPort = registry.port
            configuration.neighbours = neighbours
            configuration.ttl = 16
            // These rows are about floods (wave 1's figures): the default search is the walk.
            configuration.search = .flood
            let peer = try PeerNode(configuration: configuration)
            try peer.start()
            peers.append(peer)
        }
        // Let the overlay settle: every peer linked, and the link count steady for a second.
        var figures = LookupFigures()
        var steady = 0
        while steady < 10 {
            let links = peers.map(\.neighbours.count).reduce(0, +) / 2
            steady = links == figures.links && peers.allSatisfy { !$0.neighbours.isEmpty } ? steady + 1 : 0
            figures.links = links
            Thread.sleep(forTimeInterval: 0.1)
        }
        func sent() -> Int { peers.map(\.statistics.queriesSent).reduce(0, +) }
        for round in 0..<queries {
            let (requester, holder) = pick(round)
            let before = sent()
            guard let (latency, hops) = peers[requester].locate("file-\(holder).txt") else { continue }
            figures.latencies.append(latency / .seconds(1))
            figures.hops.append(hops)
            // The flood goes on after the first hit: count once it has died down.
            var last = -1
            while last != sent() { last = sent(); Thread.sleep(forTimeInterval: 0.02) }
            figures.messagesPerQuery.append(Double(last - before))
        }
        return figures
    }
}

extension InProcess {
    /// The least an HTTP server can do: answer every connection with one fixed head and the
    /// file, sent as a peer sends it (`Socket.sendFile`), nothing parsed, nothing checked. curl
    /// fetching from it shows what curl itself can take here, so a peer's server can be judged
    /// against it. Returns the port; it serves `connections` requests, then stops.
    static func bareServer(path: String, connections: Int) throws -> UInt16 {
        let listener = try Socket.listen(host: "127.0.0.1", port: 0)
        let port = listener.localAddress!.port
        var info = stat()
        stat(path, &info)
        let size = Int64(info.st_size)
        Threads.detach {
            defer { listener.close() }
            for _ in 0..<connections {
                guard let client = try? listener.accept(until: .after(.seconds(120))) else { return }
                var reader = SocketReader(client)
                _ = try? reader.readLine(maxLength: 8192, until: .after(.seconds(10)))
                let file = open(path, O_RDONLY)
                try? client.write(Array("HTTP/1.1 200 OK\r\nContent-Length: \(size)\r\nConnection: close\r\n\r\n".utf8),
                                  until: .after(.seconds(10)))
                try? client.sendFile(from: file, offset: 0, count: size, stall: .seconds(10))
                close(file)
                client.close()
            }
        }
        return port
    }
}

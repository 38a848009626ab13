// Random and mutated inputs through every decoder: nothing may trap. A seeded generator makes
// a failure reproduce; the fuzzers (.ci/fuzz) go much further, this keeps the property in
// every `swift test`.

import Testing
@testable import Wire

@Suite struct RandomInputs {
    static let count = 100_000

    @Test func randomBytesNeverTrap() {
        var generator = SeededGenerator(seed: 0x5eed_0001)
        var decoded = 0
        for _ in 0..<Self.count {
            let length = Int.random(in: 0...64, using: &generator)
            var bytes = generator.bytes(length)
            // Give the frame decoder a fair chance: a known type and a small length half the time.
            if bytes.count >= 5, Bool.random(using: &generator) {
                bytes[0] = Samples.frames.randomElement(using: &generator)!.typeCode
                bytes[1...3] = [0, 0, 0]
                bytes[4] = UInt8(min(length - 5, Int(bytes[4] & 0x3f)))
            }
            if case let .success((frame, consumed)) = Result(catching: { () throws(FrameError) in try Frame.decode(bytes) }) {
                decoded += 1
                #expect(frame.encoded() == Array(bytes[0..<consumed]))
            }
            _ = try? HTTP.parseRequest(bytes)
            _ = try? HTTP.parseResponse(bytes)
            if let text = String(validating: bytes, as: UTF8.self) {
                _ = HTTP.decodeTarget(text)
                _ = ByteRange.parse(text)?.resolve(size: UInt64(length))
            }
        }
        // Some random inputs are valid frames (pings, empty lists...): the round trip was exercised.
        #expect(decoded > 0)
    }

    @Test func mutatedFramesNeverTrap() {
        var generator = SeededGenerator(seed: 0x5eed_0002)
        let encodings = Samples.frames.map { $0.encoded() }.filter { $0.count < 2000 }
        for _ in 0..<Self.count / 5 {
            var bytes = encodings.randomElement(using: &generator)!
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                bytes[index] = UInt8.random(in: 0...255, using: &generator)
            }
            do {
                let (frame, consumed) = try Frame.decode(bytes)
                #expect(frame.encoded() == Array(bytes[0..<consumed]))
            } catch .truncated {
                // Truncated means "more bytes could complete it", never "this complete frame is short".
                let header = try? Frame.decodeHeader(bytes)
                #expect(header.map { bytes.count < Frame.headerSize + $0.length } ?? true)
            } catch {}
        }
    }

    @Test func mutatedHeadsNeverTrap() {
        var generator = SeededGenerator(seed: 0x5eed_0003)
        let heads = [
            "GET /f1.txt HTTP/1.1\r\nHost: 127.0.0.1:7001\r\nRange: bytes=0-9\r\n\r\n",
            "HEAD /na%20me?x HTTP/1.0\nConnection: keep-alive\n\n",
            "HTTP/1.1 206 Partial Content\r\nContent-Length: 10\r\nContent-Range: bytes 0-9/100\r\n\r\n",
        ].map { Array($0.utf8) }
        let alphabet = Array(" \r\n:%/-=,0123456789abcdefGETHP".utf8) + [0, 0x80, 0xff]
        for _ in 0..<Self.count / 5 {
            var bytes = heads.randomElement(using: &generator)!
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[index] = alphabet.randomElement(using: &generator)!
                case 1: bytes.remove(at: index)
                default: bytes.insert(alphabet.randomElement(using: &generator)!, at: index)
                }
            }
            _ = try? HTTP.parseResponse(bytes)
            if case let .complete(request, consumed)? = try? HTTP.parseRequest(bytes) {
                #expect(consumed <= bytes.count)
                _ = request.header("Range").flatMap(ByteRange.parse)?.resolve(size: 10)
                _ = HTTP.decodeTarget(request.target)
            }
        }
    }
}

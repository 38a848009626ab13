import Testing
@testable import Wire

@Suite struct FrameRoundTrip {
    @Test func samplesReachTheCaps() {
        #expect(Samples.unicodeString.utf8.count == WireLimits.maxString)
        #expect(Samples.maxName.utf8.count == WireLimits.maxPeerName)
    }

    @Test(arguments: Samples.frames)
    func roundTrip(_ frame: Frame) throws {
        let bytes = frame.encoded()
        #expect(try frame.encodedChecked() == bytes)
        let (decoded, consumed) = try Frame.decode(bytes)
        #expect(decoded == frame)
        #expect(consumed == bytes.count)
        // Bytes, not just equality: Swift compares strings by canonical equivalence.
        #expect(decoded.encoded() == bytes)
        // The two-step API used by a socket reader gives the same answer.
        let header = try Frame.decodeHeader(bytes)
        #expect(header.type == frame.typeCode)
        #expect(header.length == bytes.count - Frame.headerSize)
        #expect(try Frame.decodePayload(type: header.type, payload: bytes[Frame.headerSize...]) == frame)
    }

    @Test(arguments: Samples.frames)
    func everyPrefixIsTruncated(_ frame: Frame) {
        let bytes = frame.encoded()
        for length in 0..<bytes.count {
            #expect(throws: FrameError.truncated) { try Frame.decode(bytes[0..<length]) }
        }
    }

    @Test func decodesOneFrameFromTheFrontOfAStream() throws {
        let stream = Frame.ping(1).encoded() + Frame.bye(reason: "x").encoded() + [0x11, 0]
        let first = try Frame.decode(stream)
        #expect(first.frame == .ping(1))
        let second = try Frame.decode(stream[first.consumed...])
        #expect(second.frame == .bye(reason: "x"))
        #expect(throws: FrameError.truncated) { try Frame.decode(stream[(first.consumed + second.consumed)...]) }
    }

    /// The layout on the wire, spelled out, so a change to it is a visible decision
    /// (.ci/fuzz builds its seeds from the same bytes).
    @Test func goldenBytes() throws {
        #expect(Frame.ping(42).encoded() == [UInt8](hex: "11 00000008 000000000000002a"))
        #expect(Frame.topologyRequest.encoded() == [UInt8](hex: "15 00000000"))
        #expect(Frame.hello(name: "s1", flag: "P2P", port: 7001).encoded()
            == [UInt8](hex: "10 0000000b 0002 7331 0003 503250 1b59"))
        #expect(Frame.join(name: "s1", flag: "P2P", port: 0, neighbours: ["s2"]).encoded()
            == [UInt8](hex: "01 00000011 0002 7331 0003 503250 0000 0001 0002 7332"))
        #expect(Frame.welcome(port: 7001, referrals: [PeerAddress(name: "s2", host: "127.0.0.1", port: 7002)]).encoded()
            == [UInt8](hex: "02 00000015 1b59 0001 0002 7332 0009 3132372e302e302e31 1b5a"))
        let id = try #require(QueryID(bytes: [UInt8](hex: "00112233445566778899aabbccddeeff")))
        #expect(Frame.query(id: id, ttl: 7, hops: 0, name: "f1.txt").encoded()
            == [UInt8](hex: "13 0000001a 00112233445566778899aabbccddeeff 07 00 0006 66312e747874"))
        let hit = Frame.queryHit(id: id, holder: Samples.s1, hops: 2, files: [Samples.file])
        #expect(hit.encoded() == [UInt8](hex: "14 00000054 00112233445566778899aabbccddeeff 0002 7331 0009 3132372e302e302e31 1b59"
            + " 02 0001 0006 66312e747874 0000000000000005") + Array(0..<32))
        #expect(Frame.challenge(nonce: Array(0..<32)).encoded() == [UInt8](hex: "20 00000020") + Array(0..<32))
        #expect(Frame.proof(mac: Array(0..<32)).encoded() == [UInt8](hex: "21 00000020") + Array(0..<32))
    }

    @Test func aNonceOrProofOfAnotherSizeIsMalformed() {
        #expect(throws: FrameError.malformed("1 trailing bytes in challenge")) { try Frame.decode([UInt8](hex: "20 00000021") + Array(0..<33)) }
        #expect(throws: FrameError.malformed("payload ends inside proof")) { try Frame.decode([UInt8](hex: "21 0000001f") + Array(0..<31)) }
        #expect(throws: FrameError.malformed("nonce must be 32 bytes")) { try Frame.challenge(nonce: [1]).encodedChecked() }
    }
}

@Suite struct FrameRejects {
    @Test func twoGigabyteHeaderIsTooLargeBeforeThePayloadArrives() {
        // Only the 5 header bytes exist: the answer cannot depend on reading or allocating more.
        let header: [UInt8] = [0x11, 0x80, 0x00, 0x00, 0x00]
        #expect(throws: FrameError.tooLarge(0x8000_0000)) { try Frame.decodeHeader(header) }
        #expect(throws: FrameError.tooLarge(0x8000_0000)) { try Frame.decode(header) }
        #expect(throws: FrameError.tooLarge(Int(UInt32.max))) { try Frame.decode([0x11, 0xff, 0xff, 0xff, 0xff]) }
        #expect(throws: FrameError.tooLarge(WireLimits.maxPayload + 1)) {
            try Frame.decode([0x11, 0x00, 0x01, 0x00, 0x01])
        }
    }

    @Test func payloadAtTheCapIsAccepted() throws {
        let header = try Frame.decodeHeader([0x11, 0x00, 0x01, 0x00, 0x00])
        #expect(header.length == WireLimits.maxPayload)
    }

    @Test func decodePayloadChecksItsOwnSize() {
        let big = [UInt8](repeating: 0, count: WireLimits.maxPayload + 1)
        #expect(throws: FrameError.tooLarge(big.count)) { try Frame.decodePayload(type: 0x11, payload: big) }
    }

    @Test(arguments: [0x00, 0x08, 0x0f, 0x1b, 0x7f, 0xff] as [UInt8])
    func unknownType(_ type: UInt8) {
        #expect(throws: FrameError.unknownType(type)) { try Frame.decode([type, 0, 0, 0, 0]) }
        // Known as soon as the header is in: no waiting for a payload that may never come.
        #expect(throws: FrameError.unknownType(type)) { try Frame.decode([type, 0, 0, 0, 9]) }
        #expect(throws: FrameError.unknownType(type)) { try Frame.decodePayload(type: type, payload: []) }
    }

    @Test func badUTF8() {
        // bye with a 2-byte reason that is a lone continuation byte and an overlong NUL.
        for reason: [UInt8] in [[0x80, 0x41], [0xc0, 0x80], [0xed, 0xa0]] {
            #expect(throws: FrameError.malformed("reason is not valid UTF-8")) {
                try Frame.decode([0x17, 0, 0, 0, 4, 0, 2] + reason)
            }
        }
    }

    @Test func stringOverItsCap() {
        // A hello whose name declares 33 bytes (over maxPeerName), and a bye whose reason
        // declares 1,025 bytes: rejected on the length, before the bytes are looked at.
        #expect(throws: FrameError.tooLarge(33)) { try Frame.decode([0x10, 0, 0, 0, 2, 0, 33]) }
        #expect(throws: FrameError.tooLarge(1025)) { try Frame.decode([0x17, 0, 0, 0, 2, 0x04, 0x01]) }
        #expect(throws: FrameError.tooLarge(0xffff)) { try Frame.decode([0x17, 0, 0, 0, 2, 0xff, 0xff]) }
    }

    @Test func listCountOverItsCap() {
        // heartbeat declaring 1,025 neighbours, and referral declaring 65,535.
        #expect(throws: FrameError.tooLarge(1025)) { try Frame.decode([0x05, 0, 0, 0, 2, 0x04, 0x01]) }
        #expect(throws: FrameError.tooLarge(0xffff)) { try Frame.decode([0x07, 0, 0, 0, 2, 0xff, 0xff]) }
    }

    @Test(arguments: Samples.frames)
    func trailingGarbageInsideThePayload(_ frame: Frame) throws {
        var bytes = frame.encoded()
        let length = bytes.count - Frame.headerSize + 1
        bytes[1...4] = [UInt8(length >> 24 & 0xff), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)]
        bytes.append(0)
        #expect(throws: FrameError.malformed("1 trailing bytes in \(frame.caseName)")) { try Frame.decode(bytes) }
    }

    @Test func payloadShorterThanItsFieldsIsMalformedNotTruncated() {
        // A complete frame (length 4) that is too short for a ping's 8 bytes: waiting for more
        // bytes would never help, so the reader must hear "malformed".
        #expect(throws: FrameError.malformed("payload ends inside ping value")) { try Frame.decode([0x11, 0, 0, 0, 4, 1, 2, 3, 4]) }
        // A list that claims more items than the payload holds.
        #expect(throws: FrameError.malformed("payload ends inside the length of name in neighbours")) {
            try Frame.decode([0x05, 0, 0, 0, 2, 0, 3])
        }
    }

    @Test func emptyPeerNamesWhereANameIsRequired() {
        #expect(throws: FrameError.malformed("empty peer name")) { try Frame.decode([0x10, 0, 0, 0, 6, 0, 0, 0, 0, 0x1b, 0x59]) }
        // A referral to an address without a name.
        #expect(throws: FrameError.malformed("empty peer name")) {
            try Frame.decode([0x07, 0, 0, 0, 8, 0, 1, 0, 0, 0, 0, 0x1b, 0x59])
        }
    }
}

@Suite struct FrameEncoding {
    @Test func encodedCheckedReportsWhatEncodedWouldTrapOn() {
        let long = String(repeating: "a", count: WireLimits.maxString + 1)
        #expect(throws: FrameError.tooLarge(WireLimits.maxString + 1)) { try Frame.bye(reason: long).encodedChecked() }
        #expect(throws: FrameError.tooLarge(33)) {
            try Frame.hello(name: String(repeating: "a", count: 33), flag: "", port: 1).encodedChecked()
        }
        #expect(throws: FrameError.malformed("empty peer name")) { try Frame.hello(name: "", flag: "", port: 1).encodedChecked() }
        #expect(throws: FrameError.tooLarge(WireLimits.maxList + 1)) {
            try Frame.heartbeat(neighbours: Array(repeating: "a", count: WireLimits.maxList + 1)).encodedChecked()
        }
        let badHash = FileHit(name: "f", size: 1, sha256: [1, 2, 3])
        #expect(throws: FrameError.malformed("SHA-256 must be 32 bytes")) {
            try Frame.queryHit(id: Samples.id, holder: Samples.s1, hops: 1, files: [badHash]).encodedChecked()
        }
        // 100 files of 1,024-byte names: every list and string within its cap, the payload not.
        let files = Array(repeating: FileHit(name: Samples.maxString, size: 1, sha256: Samples.file.sha256), count: 100)
        #expect {
            try Frame.queryHit(id: Samples.id, holder: Samples.s1, hops: 1, files: files).encodedChecked()
        } throws: { error in
            if case let .tooLarge(size) = error as? FrameError { return size > WireLimits.maxPayload }
            return false
        }
    }

    @Test func queryHitsSplitsIntoFramesThatFit() throws {
        let big = FileHit(name: Samples.maxString, size: 1, sha256: Samples.file.sha256)
        let files = Array(repeating: big, count: 200) + Array(repeating: Samples.file, count: 1500)
        let frames = Frame.queryHits(id: Samples.id, holder: Samples.far, hops: 9, files: files)
        var seen: [FileHit] = []
        for frame in frames {
            let bytes = try frame.encodedChecked()
            #expect(bytes.count - Frame.headerSize <= WireLimits.maxPayload)
            guard case let .queryHit(id, holder, hops, batch) = try Frame.decode(bytes).frame else {
                Issue.record("not a query hit")
                continue
            }
            #expect(id == Samples.id && holder == Samples.far && hops == 9 && !batch.isEmpty && batch.count <= WireLimits.maxList)
            seen += batch
        }
        #expect(seen == files)
        #expect(frames.count >= 4)
        #expect(Frame.queryHits(id: Samples.id, holder: Samples.s1, hops: 0, files: []).isEmpty)
    }

    @Test func clippedCutsAtCharacterBoundaries() {
        #expect(WireLimits.clipped("abc", to: 2) == "ab")
        #expect(WireLimits.clipped("aé", to: 2) == "a")
        #expect(WireLimits.clipped(Samples.unicodeString + "x") == Samples.unicodeString)
        #expect(WireLimits.clipped("short") == "short")
    }
}

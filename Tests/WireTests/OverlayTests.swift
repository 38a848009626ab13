import Testing
@testable import Wire

@Suite struct OverlayPreface {
    @Test func prefaceIsMagicAndVersion() throws {
        #expect(Overlay.preface() == Array("P2PN".utf8) + [1])
        try Overlay.checkPreface(Overlay.preface())
        try Overlay.checkPreface(Overlay.preface() + Frame.ping(1).encoded())
    }

    @Test func badPrefaces() {
        #expect(throws: FrameError.badMagic) { try Overlay.checkPreface(Array("GET /".utf8)) }
        #expect(throws: FrameError.unsupportedVersion(2)) { try Overlay.checkPreface(Overlay.magic + [2]) }
        #expect(throws: FrameError.truncated) { try Overlay.checkPreface(Overlay.magic) }
        #expect(throws: FrameError.truncated) { try Overlay.checkPreface([]) }
    }

    @Test func sniffingTheFirstBytes() {
        #expect(Overlay.looksLikeOverlay([]))
        #expect(Overlay.looksLikeOverlay(Array("P2".utf8)))
        #expect(Overlay.looksLikeOverlay(Array("P2PN".utf8)))
        #expect(Overlay.looksLikeOverlay(Overlay.preface()))
        #expect(!Overlay.looksLikeOverlay(Array("PUT ".utf8)))
        #expect(!Overlay.looksLikeOverlay(Array("GET".utf8)))
        #expect(Overlay.sniff([]) == .undecided)
        #expect(Overlay.sniff(Array("P".utf8)) == .undecided)   // could still be POST
        #expect(Overlay.sniff(Array("PO".utf8)) == .other)
        #expect(Overlay.sniff(Array("P2PN".utf8)) == .overlay)
        #expect(Overlay.sniff(Array("HEAD /".utf8)) == .other)
    }

    @Test(arguments: ["s1", "S1", "a", "peer-01_x", String(repeating: "z", count: 32), "registry1", "my-registry"])
    func validPeerNames(_ name: String) {
        #expect(Overlay.isValidPeerName(name))
        #expect(WireLimits.isValidPeerName(name))
    }

    @Test(arguments: ["", "registry", "Registry", "REGISTRY", String(repeating: "z", count: 33), "a b", "a/b", "../x",
                      "é", "s1\n", "s.1", "s\u{0}"])
    func invalidPeerNames(_ name: String) {
        #expect(!Overlay.isValidPeerName(name))
    }
}

@Suite struct QueryIDs {
    @Test func onlySixteenBytes() {
        #expect(QueryID(bytes: Array(repeating: 0, count: 15)) == nil)
        #expect(QueryID(bytes: Array(repeating: 0, count: 17)) == nil)
        #expect(QueryID(bytes: Array(repeating: 0, count: 16)) != nil)
    }

    @Test func descriptionIsLowercaseHex() throws {
        let id = try #require(QueryID(bytes: [0x00, 0x01, 0xab, 0xff] + Array(repeating: 0x10, count: 12)))
        #expect(id.description == "0001abff" + String(repeating: "10", count: 12))
        #expect(QueryID.random().description.utf8.count == 32)
    }

    @Test func randomIdsDiffer() {
        var seen = Set<QueryID>()
        for _ in 0..<1000 { seen.insert(QueryID.random()) }
        #expect(seen.count == 1000)
        var a = SeededGenerator(seed: 7), b = SeededGenerator(seed: 7)
        #expect(QueryID.random(using: &a) == QueryID.random(using: &b))
    }
}

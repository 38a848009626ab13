import Foundation
import Testing
@testable import Wire

/// The seeds .ci/fuzz starts fuzz-frames and fuzz-http from (Tests/FuzzCorpus) must stay valid
/// inputs of the kind their names say, or the fuzzers start from the outside of the decoders.
@Suite struct FuzzSeeds {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("FuzzCorpus").path

    static func seeds(_ fuzzer: String) throws -> [(name: String, bytes: [UInt8])] {
        let folder = "\(corpus)/\(fuzzer)"
        return try FileManager.default.contentsOfDirectory(atPath: folder).sorted().map { name in
            (name, [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(folder)/\(name)"))))
        }
    }

    /// Every frame type (as Samples.frames lists them) has a seed that decodes to it; a
    /// connection's preface may come first.
    @Test func frameSeedsCoverEveryType() throws {
        var types = Set<FrameType>()
        for (name, bytes) in try Self.seeds("frames") {
            var rest = bytes[...]
            if Overlay.sniff(bytes) == .overlay {
                #expect(throws: Never.self) { try Overlay.checkPreface(bytes) }
                rest = rest.dropFirst(Overlay.prefaceSize)
            }
            while !rest.isEmpty {
                guard let (frame, consumed) = try? Frame.decode(rest) else {
                    Issue.record("\(name) does not decode as frames")
                    break
                }
                types.insert(frame.type)
                rest = rest.dropFirst(consumed)
            }
        }
        #expect(types == Set(Samples.frames.map(\.type)))
    }

    @Test func httpSeedsParseAsTheirKind() throws {
        for (name, bytes) in try Self.seeds("http") {
            let text = String(decoding: bytes, as: UTF8.self)
            let parses = switch name.prefix(while: { $0 != "-" }) {
            case "request": (try? HTTP.parseRequest(bytes)).map { if case .complete = $0 { true } else { false } } ?? false
            case "response": (try? HTTP.parseResponse(bytes)).map { if case .complete = $0 { true } else { false } } ?? false
            case "range": ByteRange.parse(text) != nil
            case "target": HTTP.decodeTarget(text) != nil
            default: false
            }
            #expect(parses, "\(name)")
        }
    }
}

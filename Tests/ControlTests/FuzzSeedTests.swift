import Foundation
import Testing
import Control

/// The seeds .ci/fuzz starts fuzz-control from (Tests/FuzzCorpus/control) must stay valid
/// messages of the kind their names say, or the fuzzer starts from the outside of the decoders.
@Suite struct FuzzSeeds {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("FuzzCorpus/control").path

    @Test func everySeedDecodesAsItsKind() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.folder).sorted()
        #expect(names.count >= 30)
        for name in names {
            let line = try String(contentsOfFile: "\(Self.folder)/\(name)", encoding: .utf8)
            do {
                if name.hasPrefix("child-request-") {
                    _ = try JSONLines.decode(ChildRequest.self, from: line)
                } else if name.hasPrefix("child-") {
                    _ = try JSONLines.decode(ChildMessage.self, from: line)
                } else if name.hasPrefix("control-request-") {
                    _ = try JSONLines.decode(ControlRequest.self, from: line)
                } else {
                    _ = try JSONLines.decode(ControlResponse.self, from: line)
                }
            } catch {
                Issue.record("\(name) does not decode: \(error)")
            }
        }
    }
}

import Foundation
import Testing
@testable import NetworkConfig

/// The seeds .ci/fuzz starts fuzz-config from (Tests/FuzzCorpus/config), loaded as the fuzzer
/// loads them (as Config/network.json of this repository): the valid ones must stay valid and
/// every broken one refused, or the fuzzer starts from the outside of the validator.
@Suite struct FuzzSeeds {
    static let folder = repositoryRoot + "/Tests/FuzzCorpus/config"
    static let valid: Set = ["default.json", "every-key.json", "bom-and-nulls.json"]

    @Test func validSeedsLoadAndBrokenOnesAreRefused() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.folder).sorted()
        #expect(Self.valid.isSubset(of: names) && names.count > Self.valid.count)
        for name in names {
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(Self.folder)/\(name)"))
            let problems: [ConfigProblem]
            do {
                _ = try ConfigLoader.load(data: data, source: repositoryRoot + "/Config/network.json")
                problems = []
            } catch {
                problems = error.problems
            }
            #expect(problems.isEmpty == Self.valid.contains(name), "\(name): \(problems)")
        }
    }
}

import Foundation

/// One row of the results: a scenario, our figure, the reference measured in the same run,
/// their ratio, the target the ratio (or figure) must meet, and whether it did.
struct Row: Codable {
    var scenario: String
    var ours: Double?
    var reference: Double?
    var unit: String
    /// ours / reference, when both exist.
    var ratio: Double?
    var target: String
    var held: Bool?
    var note: String?

    init(_ scenario: String, ours: Double?, reference: Double?, unit: String, target: String, held: Bool?, note: String? = nil) {
        self.scenario = scenario
        self.ours = ours
        self.reference = reference
        self.unit = unit
        if let ours, let reference, reference > 0 { ratio = ours / reference }
        self.target = target
        self.held = held
        self.note = note
    }
}

struct Report: Codable {
    var machine: String
    var date: String
    var runs: Int
    var rows: [Row]
    var notes: [String]
    /// The scale section's cells, overlay shapes and bring-ups, when it ran.
    var scale: ScaleFigures?

    var markdown: String {
        func figure(_ value: Double?, _ unit: String) -> String {
            guard let value, value.isFinite else { return "n/a" }
            switch unit {
            case "s": return value < 1 ? String(format: "%.1f ms", value * 1000) : String(format: "%.2f s", value)
            case "ms": return String(format: "%.3f ms", value)
            case "MB": return String(format: "%.2f MB", value)
            case "%": return String(format: "%.1f %%", value)
            case "hops": return value == value.rounded() ? String(format: "%.0f hops", value) : String(format: "%.2f hops", value)
            default: return String(format: "%.1f %@", value, unit)
            }
        }
        var lines = ["| scenario | ours | reference | ratio | target | held |", "| --- | --- | --- | --- | --- | --- |"]
        for row in rows {
            let ratio = row.ratio.map { String(format: "%.2f", $0) } ?? "—"
            let held = row.held.map { $0 ? "yes" : "**no**" } ?? "—"
            let reference = row.reference == nil && row.note != nil ? row.note! : figure(row.reference, row.unit)
            lines.append("| \(row.scenario) | \(figure(row.ours, row.unit)) | \(reference) | \(ratio) | \(row.target) | \(held) |")
        }
        return lines.joined(separator: "\n")
    }
}

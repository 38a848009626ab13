import Foundation

/// The scale cells as a hand-written SVG: per network size, messages per query (log scale) and
/// the share of queries that found the file, grouped by replica count, one bar per strategy.
enum ScaleChart {
    static let colours = ["flood": "#d62728", "ring": "#ff7f0e", "walk": "#1f77b4"]

    static func svg(_ cells: [ScaleCell], strategies: [String], replicaCounts: [Int]) -> String {
        let sizes = Array(Set(cells.map(\.peers))).sorted(by: >)
        let panelWidth = 460.0, panelHeight = 250.0, left = 70.0, top = 70.0, gap = 90.0
        let width = left + 2 * panelWidth + 60 + 30
        let height = top + Double(sizes.count) * (panelHeight + gap) + 10
        var svg = [String(format: "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
                              + "font-family=\"sans-serif\" font-size=\"12\">", width, height, width, height),
                   "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
                   "<text x=\"\(left)\" y=\"28\" font-size=\"17\" font-weight=\"bold\">p2pbench scale: search by strategy and replica count</text>"]
        // Legend.
        for (position, strategy) in strategies.enumerated() {
            let x = left + Double(position) * 90
            svg.append(String(format: "<rect x=\"%.0f\" y=\"40\" width=\"14\" height=\"14\" fill=\"%@\"/>", x, colours[strategy] ?? "#888"))
            svg.append(String(format: "<text x=\"%.0f\" y=\"52\">%@</text>", x + 20, strategy))
        }
        for (row, size) in sizes.enumerated() {
            let y0 = top + Double(row) * (panelHeight + gap) + 30
            let mine = cells.filter { $0.peers == size }
            let most = max(10, mine.map(\.messagesPerQuery).max() ?? 10)
            let decades = Int(ceil(log10(most)))
            // Messages per query, log scale from 1 to 10^decades.
            func messagesY(_ value: Double) -> Double { y0 + panelHeight - panelHeight * log10(max(value, 1)) / Double(decades) }
            panel(&svg, x0: left, y0: y0, width: panelWidth, height: panelHeight,
                  title: "\(grouped(size)) peers: messages per query (log scale)",
                  ticks: (0...decades).map { (messagesY(pow(10, Double($0))), grouped(Int(pow(10, Double($0))))) })
            bars(&svg, mine, x0: left, width: panelWidth, strategies: strategies, replicaCounts: replicaCounts,
                 top: { messagesY($0.messagesPerQuery) }, bottom: y0 + panelHeight, label: { String(format: "%.0f", $0.messagesPerQuery) })
            // Found, linear 0 to 100 %.
            let x1 = left + panelWidth + 60
            func foundY(_ rate: Double) -> Double { y0 + panelHeight - panelHeight * rate }
            panel(&svg, x0: x1, y0: y0, width: panelWidth, height: panelHeight, title: "\(grouped(size)) peers: queries that found the file",
                  ticks: stride(from: 0, through: 100, by: 25).map { (foundY(Double($0) / 100), "\($0) %") })
            bars(&svg, mine, x0: x1, width: panelWidth, strategies: strategies, replicaCounts: replicaCounts,
                 top: { foundY($0.successRate) }, bottom: y0 + panelHeight,
                 label: { $0.successRate >= 1 ? "100" : String(format: "%.1f", $0.successRate * 100) })
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    /// 1000 as "1,000" (`formatted()` follows the locale).
    static func grouped(_ value: Int) -> String {
        let digits = Array(String(value))
        var text = ""
        for (position, digit) in digits.enumerated() {
            if position > 0 && (digits.count - position) % 3 == 0 { text += "," }
            text.append(digit)
        }
        return text
    }

    private static func panel(_ svg: inout [String], x0: Double, y0: Double, width: Double, height: Double, title: String,
                              ticks: [(y: Double, label: String)]) {
        svg.append(String(format: "<text x=\"%.0f\" y=\"%.0f\" font-size=\"14\" font-weight=\"bold\">%@</text>", x0, y0 - 14, title))
        for tick in ticks {
            svg.append(String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>", x0, tick.y, x0 + width, tick.y))
            svg.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#444\">%@</text>", x0 - 6, tick.y + 4, tick.label))
        }
        svg.append(String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\"/>", x0, y0 + height, x0 + width, y0 + height))
        svg.append(String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\"/>", x0, y0, x0, y0 + height))
    }

    private static func bars(_ svg: inout [String], _ cells: [ScaleCell], x0: Double, width: Double, strategies: [String],
                             replicaCounts: [Int], top: (ScaleCell) -> Double, bottom: Double, label: (ScaleCell) -> String) {
        let group = width / Double(replicaCounts.count)
        let bar = (group - 30) / Double(strategies.count)
        for (g, replicas) in replicaCounts.enumerated() {
            let gx = x0 + Double(g) * group + 15
            svg.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">file on %d peer%@</text>",
                              gx + (group - 30) / 2, bottom + 18, replicas, replicas == 1 ? "" : "s"))
            for (s, strategy) in strategies.enumerated() {
                guard let cell = cells.first(where: { $0.replicas == replicas && $0.strategy == strategy }) else { continue }
                let x = gx + Double(s) * bar, y = min(top(cell), bottom - 1)
                svg.append(String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%@\"><title>%@, file on %d: %@</title></rect>",
                                  x + 2, y, bar - 4, bottom - y, colours[strategy] ?? "#888", strategy, replicas, label(cell)))
                svg.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\">%@</text>",
                                  x + bar / 2, y - 4, label(cell)))
            }
        }
    }
}

import Control
import Foundation
import NodeRuntime
import Supervisor

/// `logs`: the processes' log files, merged in time order and prefixed with their names; with
/// `-f`, then every new line as the supervisor writes it. The files outlive `down` until the
/// next `up`, so this works with no network up too.
func logs(_ context: Context, names: [String], follow: Bool, count: Int?) -> Never {
    let available = ((try? FileManager.default.contentsOfDirectory(atPath: context.state.logs)) ?? [])
        .filter { $0.hasSuffix(".log") }.map { String($0.dropLast(4)) }.sorted()
    var chosen: [String] = []
    for name in names {
        guard let match = available.first(where: { $0.lowercased() == name.lowercased() }) else {
            Log.error(Context.program, "no log for '\(name)' in \(context.state.logs); there are: \(available.joined(separator: ", "))")
            exit(ExitCode.usage)
        }
        chosen.append(match)
    }
    if chosen.isEmpty { chosen = available }
    let printer = LinePrinter(context: context, names: chosen)

    /// The lines in the files, merged by time (lines start with HH:MM:SS.mmm), each file's
    /// own order kept; the last `count` of them.
    func history() -> [LogLine] {
        var lines: [(stamp: String, order: Int, line: LogLine)] = []
        for name in chosen {
            let text = (try? String(contentsOfFile: context.state.log(name), encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
                lines.append((String(line.prefix(12)), lines.count, LogLine(name: name, line: String(line))))
            }
        }
        lines.sort { ($0.stamp, $0.order) < ($1.stamp, $1.order) }
        return lines.suffix(count ?? lines.count).map(\.line)
    }

    guard follow else {
        history().forEach(printer.print)
        exit(ExitCode.success)
    }
    // Following: subscribe first, then print the files, then the stream, so no line falls in
    // between; a line both in the files and in the stream is printed once.
    var printed = Set<String>()
    let response = context.ask(.follow(names: chosen)) { update in
        switch update {
        case .following:
            for line in history() {
                printer.print(line)
                printed.insert(line.name + "\u{0}" + line.line)
            }
        case .log(let line) where printed.remove(line.name + "\u{0}" + line.line) == nil:
            printer.print(line)
        default:
            break
        }
    }
    if response == nil {
        history().forEach(printer.print)
        Log.error(Context.program, "no network is up to follow; the lines above are from the last run")
    }
    exit(ExitCode.success)
}

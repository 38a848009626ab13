import Control
import Foundation
import NodeRuntime
import Supervisor

// p2pctl [-c|--config FILE] [--state-dir DIR] COMMAND [ARGS]: the supervisor and the user's
// entry point. Each command is described once (CommandSpec), which gives both its parser and
// its --help.

let commands: [String: CommandSpec] = [
    "up": CommandSpec(name: "p2pctl up", summary: "start the registry and every peer; wait until all have joined and linked",
                      synopsis: "p2pctl up [-d|--detach] [--timeout S]",
                      options: [.init("detach", short: "d", help: "return once the network is ready; it keeps running"),
                                .init("timeout", value: "S", help: "seconds to wait for the network to be ready (default 60)")]),
    "down": CommandSpec(name: "p2pctl down", summary: "stop every peer, then the registry, then the supervisor",
                        synopsis: "p2pctl down [--timeout S]",
                        options: [.init("timeout", value: "S", help: "grace period before SIGTERM, then SIGKILL (default 10)")]),
    "status": CommandSpec(name: "p2pctl status", summary: "one row per process", synopsis: "p2pctl status [--json]",
                          options: [.init("json", help: "one JSON document")]),
    "send": CommandSpec(name: "p2pctl send", summary: "type WORDS into a peer's console (a file name, TOPO, ls, ...)",
                        synopsis: "p2pctl send PEER WORDS... [--json] [--timeout S] [--search flood|ring|walk]",
                        options: [.init("json", help: "one JSON document"),
                                  .init("search", value: "STRATEGY", help: "how the peer looks for the file: flood, ring or walk (default: network.search)"),
                                  .init("timeout", value: "S", help: "longest wait without progress (default 30)")]),
    "topo": CommandSpec(name: "p2pctl topo", summary: "the whole overlay: peers, ports, links",
                        synopsis: "p2pctl topo [--format text|json|dot|svg]",
                        options: [.init("format", value: "FORMAT", help: "text (default), json, dot or svg (svg needs Graphviz)")]),
    "files": CommandSpec(name: "p2pctl files", summary: "the shared files of every peer, or the named ones",
                         synopsis: "p2pctl files [PEER...] [--json]", options: [.init("json", help: "one JSON document")]),
    "logs": CommandSpec(name: "p2pctl logs", summary: "the processes' logs, each line prefixed with its name",
                        synopsis: "p2pctl logs [NAME...] [-f|--follow] [-n N]",
                        options: [.init("follow", short: "f", help: "keep printing new lines"),
                                  .init("lines", short: "n", value: "N", help: "only the last N lines")]),
    "restart": CommandSpec(name: "p2pctl restart", summary: "restart a process", synopsis: "p2pctl restart NAME", options: []),
    "kill": CommandSpec(name: "p2pctl kill", summary: "send a process a signal, for trying out failures",
                        synopsis: "p2pctl kill NAME [--signal SIG]",
                        options: [.init("signal", short: "s", value: "SIG", help: "KILL (default), TERM, INT, STOP, CONT, ... or a number")]),
    "token": CommandSpec(name: "p2pctl token", summary: "print the HTTP token of the network's shared secret (for curl)",
                         synopsis: "p2pctl token", options: [],
                         epilogue: "curl -H \"Authorization: Bearer $(p2pctl token)\" http://127.0.0.1:PORT/FILE"),
    "validate": CommandSpec(name: "p2pctl validate", summary: "check the config; print every problem with its JSON path",
                            synopsis: "p2pctl validate", options: []),
    "supervise": CommandSpec(name: "p2pctl supervise", summary: "(internal) the detached supervisor that up -d starts",
                             synopsis: "p2pctl supervise [--timeout S]", options: [.init("timeout", value: "S", help: "seconds to be ready")]),
]

let order = ["up", "down", "status", "send", "topo", "files", "logs", "restart", "kill", "token", "validate"]
let globalOptions: [CommandSpec.Option] = [
    .init("config", short: "c", value: "FILE", help: "the network config (default $P2P_CONFIG, else Config/network.json)"),
    .init("state-dir", value: "DIR", help: "where the running network keeps its state (default $P2P_STATE_DIR, else .p2p/)"),
]
let main = CommandSpec(
    name: "p2pctl", summary: "bring up, drive, watch and tear down a p2pnet network",
    synopsis: "p2pctl [-c|--config FILE] [--state-dir DIR] COMMAND [ARGS]",
    options: globalOptions,
    epilogue: "commands:\n" + order.map { "  \($0.padding(8))\(commands[$0]!.summary)" }.joined(separator: "\n")
        + "\n\n'p2pctl COMMAND --help' tells more.")

extension String {
    func padding(_ width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
}

// The global options may come before or after the command word.
var words = Array(CommandLine.arguments.dropFirst())
var configOption: String?
var stateOption: String?
var rest: [String] = []
var index = 0
while index < words.count {
    let word = words[index]
    if word == "--" { rest += words[index...]; break }
    let (key, inline) = word.hasPrefix("--") && word.contains("=")
        ? (String(word[..<word.firstIndex(of: "=")!]), String(word[word.index(after: word.firstIndex(of: "=")!)...]))
        : (word, nil as String?)
    if key == "-c" || key == "--config" || key == "--state-dir" {
        guard let value = inline ?? (index + 1 < words.count ? words[index + 1] : nil) else {
            main.usageExit("option \(key) needs a value")
        }
        if key == "--state-dir" { stateOption = value } else { configOption = value }
        index += inline == nil ? 2 : 1
        continue
    }
    rest.append(word)
    index += 1
}

guard let commandWord = rest.first, !commandWord.hasPrefix("-") else {
    let parsed = main.parseOrExit(rest)   // answers --help and --version
    _ = parsed
    main.usageExit("a command is needed: \(order.joined(separator: ", ")); see 'p2pctl --help'")
}
guard let spec = commands[commandWord] else {
    main.usageExit("unknown command '\(commandWord)'; the commands are: \(order.joined(separator: ", "))")
}
let arguments = spec.parseOrExit(Array(rest.dropFirst()))
let context = Context(configOption: configOption, stateOption: stateOption)
func seconds(_ name: String, _ fallback: Double) -> Double {
    // The bound the supervisor holds requests to, for every timeout alike.
    do { return try arguments.seconds(name, default: fallback, in: Seconds.range) } catch { spec.usageExit(error.message) }
}
func noPositionals() {
    if let extra = arguments.positionals.first { spec.usageExit("unexpected argument '\(extra)'; see '\(spec.name) --help'") }
}

switch commandWord {
case "up":
    noPositionals()
    up(context, detach: arguments.has("detach"), timeout: seconds("timeout", 60))
case "supervise":
    supervise(context, config: context.loadConfig(), timeout: seconds("timeout", 60), report: 3)
case "down":
    noPositionals()
    down(context, grace: seconds("timeout", 10))
case "status":
    noPositionals()
    status(context, json: arguments.has("json"))
case "send":
    guard arguments.positionals.count >= 2 else { spec.usageExit("send needs a peer and words, like: p2pctl send s2 f1") }
    var search: SearchStrategy?
    if let word = arguments.value("search") {
        guard let strategy = SearchStrategy(rawValue: word.lowercased()) else {
            spec.usageExit("--search must be flood, ring or walk, not '\(word)'")
        }
        search = strategy
    }
    send(context, peer: arguments.positionals[0], words: Array(arguments.positionals.dropFirst()),
         json: arguments.has("json"), timeout: seconds("timeout", 30), search: search)
case "topo":
    noPositionals()
    topo(context, format: arguments.value("format") ?? "text")
case "files":
    files(context, peers: arguments.positionals, json: arguments.has("json"))
case "logs":
    let count: Int?
    do { count = arguments.value("lines") == nil ? nil : try arguments.integer("lines", default: 0, in: 0...10_000_000) }
    catch { spec.usageExit(error.message) }
    logs(context, names: arguments.positionals, follow: arguments.has("follow"), count: count)
case "restart":
    guard arguments.positionals.count == 1 else { spec.usageExit("restart takes one name, like: p2pctl restart s2") }
    restart(context, name: arguments.positionals[0])
case "kill":
    guard arguments.positionals.count == 1 else { spec.usageExit("kill takes one name, like: p2pctl kill s2") }
    killProcess(context, name: arguments.positionals[0], signal: arguments.value("signal"))
case "token":
    noPositionals()
    token(context)
case "validate":
    noPositionals()
    validate(context)
default:
    main.usageExit("unknown command '\(commandWord)'")
}

import Foundation

/// Reads a network config file, checks all of it, and either returns a ready `NetworkConfig`
/// or throws every problem at once (as `p2pctl validate` prints them).
public enum ConfigLoader {
    /// Reads, decodes (Foundation's JSONDecoder), validates. Every problem is reported at once,
    /// each with its JSON path. A relative `path` is taken from the current folder.
    public static func load(path: String) throws(ConfigError) -> NetworkConfig {
        let file = absolute(path, from: FileManager.default.currentDirectoryPath)
        // Say plainly why a file cannot be read; "no such file" is by far the usual case.
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isFolder) else {
            throw ConfigError(file: file, problems: [ConfigProblem(path: "", message: "cannot read \(file): no such file")])
        }
        guard !isFolder.boolValue else {
            throw ConfigError(file: file, problems: [ConfigProblem(path: "", message: "cannot read \(file): it is a folder, not a file")])
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw ConfigError(file: file, problems: [ConfigProblem(path: "", message: "cannot read \(file): \(error.localizedDescription)")])
        }
        return try load(data: data, source: file)
    }

    /// Decodes and validates `data`. `source` is the file path (made absolute against the
    /// current folder): its folder resolves the relative paths inside, as docker compose does.
    public static func load(data: Data, source: String) throws(ConfigError) -> NetworkConfig {
        let file = absolute(source, from: FileManager.default.currentDirectoryPath)
        func refuse(_ message: String) -> ConfigError {
            ConfigError(file: file, problems: [ConfigProblem(path: "", message: message)])
        }
        let bytes = [UInt8](data)
        // JSONDecoder would accept UTF-16, but the scanner (and every editor diff) wants UTF-8.
        if bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE]) {
            throw refuse("the file is UTF-16 text; save it as UTF-8")
        }
        let blank: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]
        if bytes.drop(while: { blank.contains($0) }).isEmpty || bytes == [0xEF, 0xBB, 0xBF] {
            throw refuse("the file is empty; it needs a JSON object with at least \"peers\"")
        }
        let syntax = JSONSyntax.check(bytes)
        if let failure = syntax.failure {
            throw refuse("JSON syntax error near line \(failure.line), column \(failure.column): \(failure.message)")
        }
        let root: JSONValue
        do {
            root = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            // The grammar was fine, so this is the encoding (invalid UTF-8, a lone surrogate).
            throw refuse("not valid JSON: it must be UTF-8 text")
        }
        var validator = ConfigValidator(folder: folder(of: file))
        for path in syntax.duplicateKeys {
            validator.report(path, "this key appears more than once in the same object; keep one")
        }
        let config = validator.validate(root, source: file)
        guard let config, validator.problems.isEmpty else {
            throw ConfigError(file: file, problems: validator.problems)
        }
        return config
    }

    /// Which config file to use: `--config` if given, else $P2P_CONFIG, else
    /// Config/network.json under `currentDirectory`. Relative answers are made absolute against
    /// `currentDirectory`. An empty $P2P_CONFIG counts as unset, as shells treat empty variables.
    public static func resolvePath(option: String?, environment: [String: String], currentDirectory: String) -> String {
        let chosen: String
        if let option {
            chosen = option
        } else if let variable = environment["P2P_CONFIG"], !variable.isEmpty {
            chosen = variable
        } else {
            chosen = "Config/network.json"
        }
        return absolute(chosen, from: currentDirectory)
    }

    /// `path` made absolute against `base` and normalised.
    static func absolute(_ path: String, from base: String) -> String {
        normalize(path.hasPrefix("/") ? path : base + "/" + path)
    }

    /// Removes `.`, `..` and repeated slashes without touching the disk, so the same folder
    /// written two ways compares equal and messages show a clean path. (Symlinks are left as
    /// written: resolving them would show users paths they never wrote.)
    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": _ = parts.popLast()
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// The folder holding an absolute file path.
    static func folder(of file: String) -> String {
        normalize(file + "/..")
    }
}

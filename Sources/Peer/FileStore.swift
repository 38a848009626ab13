#if canImport(Glibc)
import Glibc
#endif
import Digest
import System

/// A peer's shared folder: which files it serves, which it already has, and their SHA-256s.
///
/// Served: regular, non-hidden files directly in the folder (flat), reached without leaving it
/// (a symlink that leads out is not served), never `Downloads/` unless `shareDownloads`.
/// Hashes are computed once per file and kept while its size, inode, mtime and ctime stay the
/// same (a write moves ctime even when mtime is put back).
public final class FileStore: Sendable {
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let path: String
        public let size: UInt64
        let identity: Identity
    }

    struct Identity: Sendable, Hashable {
        let size: UInt64, inode: UInt64, mtime: Int, mtimeNanoseconds: Int, ctime: Int, ctimeNanoseconds: Int
    }

    /// The folder, resolved (no symlinks), so containment checks compare real paths.
    public let root: String
    public let downloads: String
    /// Where downloads are written until complete and verified: hidden, never in `Downloads/`.
    public let partials: String
    public let shareDownloads: Bool
    private let hashes = Protected([String: (Identity, SHA256Digest)]())
    private let listings = Protected([String: (stamp: [Int], names: [String])]())
    /// Entries checked in full whose path is a plain file (no symlink on the way): while an
    /// lstat of that path shows the same file, they need no realpath again (`entry(named:in:)`).
    private let checked = Protected([String: Entry]())

    public static let partialsFolder = ".p2p-partial"

    public init(directory: String, shareDownloads: Bool) throws(StoreError) {
        guard let resolved = FileStore.realPath(directory), FileStore.isDirectory(resolved) else {
            throw .notAFolder(directory)
        }
        root = resolved
        downloads = resolved + "/Downloads"
        partials = resolved + "/" + FileStore.partialsFolder
        self.shareDownloads = shareDownloads
        try makeFolders()
    }

    /// Creates `Downloads/` and the hidden folder of partial downloads if they are missing
    /// (at start, and before each download: a user may have removed them meanwhile).
    public func makeFolders() throws(StoreError) {
        for folder in [downloads, partials] where !FileStore.isDirectory(folder) {
            do { try Syscall.call("mkdir") { mkdir(folder, 0o755) } } catch {
                if error.errno != .fileExists { throw .cannotCreate(folder, error.errno) }
            }
        }
    }

    public enum StoreError: Error, CustomStringConvertible {
        case notAFolder(String), cannotCreate(String, Errno)
        public var description: String {
            switch self {
            case .notAFolder(let path): return "\(path) is not a folder"
            case .cannotCreate(let path, let code): return "cannot create \(path): \(code)"
            }
        }
    }

    /// Removes temporary files a crashed download left behind.
    public func removeStalePartials() -> Int {
        var removed = 0
        for name in FileStore.names(in: partials) where unlink(partials + "/" + name) == 0 { removed += 1 }
        return removed
    }

    // MARK: Names

    /// A name a client may ask for: one path component, not hidden, no NUL, not too long.
    public static func isServableName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 255 && !name.hasPrefix(".")
            && !name.utf8.contains(UInt8(ascii: "/")) && !name.utf8.contains(0)
    }

    /// "f1" is the stem of "f1.txt"; a name without an extension finds files by stem.
    static func stem(of name: String) -> Substring {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return Substring(name) }
        return name[..<dot]
    }

    static func hasExtension(_ name: String) -> Bool { stem(of: name).count != name.count }

    // MARK: Listing and lookup

    /// The files this peer serves, sorted by name.
    public func shared() -> [Entry] {
        var entries = FileStore.names(in: root).compactMap { entry(named: $0, in: root) }
        if shareDownloads {
            let own = Set(entries.map(\.name))
            entries += FileStore.names(in: downloads).filter { !own.contains($0) }.compactMap { entry(named: $0, in: downloads) }
        }
        return entries.sorted { $0.name < $1.name }
    }

    /// The file `name` as served: exact name only.
    public func servable(_ name: String) -> Entry? {
        guard FileStore.isServableName(name) else { return nil }
        if let entry = entry(named: name, in: root) { return entry }
        return shareDownloads ? entry(named: name, in: downloads) : nil
    }

    /// Served files matching a query: the exact name, or for a name without an extension every
    /// file with that stem.
    /// Every peer a query passes asks this, so only the names are listed (and kept while the
    /// folder is unchanged); just the matching files are looked at closely.
    public func matches(_ query: String) -> [Entry] {
        var found = FileStore.match(query, in: listing(root)).compactMap { entry(named: $0, in: root) }
        if shareDownloads && found.isEmpty {
            found = FileStore.match(query, in: listing(downloads)).compactMap { entry(named: $0, in: downloads) }
        }
        return found
    }

    /// Files this peer already has for `query`, shared or downloaded (the origin's "already exists").
    public func localCopies(of query: String) -> [Entry] {
        let downloaded = FileStore.match(query, in: listing(downloads)).compactMap { entry(named: $0, in: downloads) }
        let own = FileStore.match(query, in: listing(root)).compactMap { entry(named: $0, in: root) }
        let all = own + downloaded.filter { file in !own.contains { $0.name == file.name } }
        return all.contains { $0.name == query } ? all.filter { $0.name == query }.prefix(1).map { $0 } : all
    }

    /// The exact name if present, else (for a name without an extension) every name with that stem.
    static func match(_ query: String, in names: [String]) -> [String] {
        if names.contains(query) { return [query] }
        guard !hasExtension(query) else { return [] }
        return names.filter { stem(of: $0) == query }
    }

    /// The names in `folder`, from the cache while the folder's mtime and inode are unchanged
    /// (adding, removing or renaming a file changes them).
    private func listing(_ folder: String) -> [String] {
        var info = stat()
        guard stat(folder, &info) == 0 else { return [] }
        let stamp = [Int(info.st_ino), Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec)]
        if let cached = listings.withLock({ $0[folder] }), cached.stamp == stamp { return cached.names }
        let names = FileStore.names(in: folder)
        listings.withLock { $0[folder] = (stamp, names) }
        return names
    }

    /// The digest when it is known for this very version of the file; nil when it would take
    /// hashing (never reads the file).
    public func knownDigest(of entry: Entry) -> SHA256Digest? {
        guard let (identity, digest) = hashes.withLock({ $0[entry.path] }), identity == entry.identity else { return nil }
        return digest
    }

    /// The SHA-256 of an entry, from the cache when the file has not changed.
    public func digest(of entry: Entry) throws -> SHA256Digest {
        if let digest = knownDigest(of: entry) { return digest }
        let digest = try SHA256.hash(fileAtPath: entry.path)
        hashes.withLock { $0[entry.path] = (entry.identity, digest) }
        return digest
    }

    /// Hashes every shared file at start, so the first query for a large file does not wait
    /// for it: on a thread of its own, unless they are small enough (4 MiB in all) that a
    /// thread would cost more than the hashing.
    public func warmHashes() {
        let entries = shared()
        let warm: @Sendable () -> Void = { [self] in for entry in entries { _ = try? digest(of: entry) } }
        if entries.reduce(0, { $0 + $1.size }) <= 4 << 20 || !Threads.detach(name: "hash", warm) { warm() }
    }

    // MARK: The file system, carefully

    /// `folder/name` if it is a regular file whose real path lies directly in `folder`.
    private func entry(named name: String, in folder: String) -> Entry? {
        guard FileStore.isServableName(name) else { return nil }
        let path = folder + "/" + name
        // The fast way, for a file served before: one lstat instead of realpath's walk (which
        // was the largest part of answering a small GET). The same inode, times and size at
        // the same plain path is the same file, still directly in the folder.
        var link = stat()
        if let known = checked.withLock({ $0[path] }), lstat(path, &link) == 0, (link.st_mode & S_IFMT) == S_IFREG,
           Self.identity(of: link) == known.identity {
            return known
        }
        guard let found = checkedEntry(named: name, path: path, in: folder) else { return nil }
        if found.path == path {
            checked.withLock { cache in
                if cache.count >= 4096 { cache.removeAll() }
                cache[path] = found
            }
        }
        return found
    }

    private static func identity(of info: stat) -> Identity {
        Identity(size: UInt64(info.st_size), inode: UInt64(info.st_ino),
                 mtime: info.st_mtim.tv_sec, mtimeNanoseconds: info.st_mtim.tv_nsec,
                 ctime: info.st_ctim.tv_sec, ctimeNanoseconds: info.st_ctim.tv_nsec)
    }

    private func checkedEntry(named name: String, path: String, in folder: String) -> Entry? {
        guard let real = FileStore.realPath(path) else { return nil }
        let realFolder = folder == root ? root : (FileStore.realPath(folder) ?? folder)
        // Flat and contained: the resolved file must sit directly in the resolved folder.
        guard real.hasPrefix(realFolder + "/"), !real.dropFirst(realFolder.count + 1).contains("/") else { return nil }
        guard !real.dropFirst(realFolder.count + 1).hasPrefix(".") else { return nil }
        var info = stat()
        guard stat(real, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Entry(name: name, path: real, size: UInt64(info.st_size), identity: Self.identity(of: info))
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The names in a folder, without "." and "..".
    static func names(in folder: String) -> [String] {
        guard let directory = opendir(folder) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}

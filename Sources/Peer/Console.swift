import Control

extension PeerNode {
    /// Carries out one command, from this peer's console or from the supervisor, and answers
    /// it typed; the edges render the answer. Stop is the caller's to carry out (it exits).
    public func perform(_ command: PeerCommand, progress: (UInt64, UInt64) -> Void = { _, _ in }) -> PeerAnswer {
        switch command {
        case .nothing: .nothing
        case .help: .help
        case .stop: .stopping
        case .topology: .topology(crawl().document)
        case .list: .files(sharedFiles())
        case .download(let request): .download(download(request.name, by: request.search, progress: progress))
        }
    }

    /// The shared files with sizes and SHA-256s.
    public func sharedFiles() -> [SharedFile] {
        store.shared().map { entry in
            SharedFile(name: entry.name, size: entry.size, sha256: (try? store.digest(of: entry).hex) ?? "")
        }
    }
}

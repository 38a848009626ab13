import Digest
import System

/// SHA-256 of a download, computed on a thread of its own while the downloading thread goes on
/// receiving and writing. Profiled alone, that one thread was the limit of a transfer (its
/// every recv found data waiting) and hashing was the largest of its three jobs, so the two
/// now overlap on two cores.
///
/// Chunks travel through a few reusable buffers: the downloader takes a free one, fills it,
/// writes it out and hands it over; the hasher hashes it and frees it. The downloader waits
/// only when the hasher holds every buffer, which bounds the memory and keeps the order.
/// Used by the downloading thread only; the hashing thread shares nothing but `state`.
final class BackgroundHasher {
    private struct State {
        var free: [[UInt8]]
        var queued: [(bytes: [UInt8], count: Int)] = []
        var closed = false
        var digest: SHA256Digest?
    }

    private let state: Protected<State>
    /// Set when there is no hashing thread.
    private var inline: SHA256?

    /// `buffers` of `size` bytes each. With `threaded` false (a stream that fits in one buffer,
    /// where a thread would cost more than it saves), or when no thread can be had, the
    /// downloader hashes each chunk itself as it submits it.
    init(buffers: Int, size: Int, threaded: Bool) {
        let state = Protected(State(free: (0..<buffers).map { _ in [UInt8](repeating: 0, count: size) }))
        self.state = state
        inline = threaded && Threads.detach(name: "hash") { Self.run(state) } ? nil : SHA256()
    }

    deinit { abandon() }

    /// A buffer to fill (its whole length is usable); waits while the hasher holds them all.
    func buffer() -> [UInt8] {
        state.wait(until: .never) { $0.free.popLast() }!
    }

    /// Hashes the first `count` bytes of `buffer` (from `buffer()`), after every chunk handed
    /// over before it.
    func submit(_ buffer: [UInt8], count: Int) {
        if inline != nil {
            inline!.update(buffer[..<count])
            state.withLock { $0.free.append(buffer) }
            return
        }
        state.withLock(notify: true) { $0.queued.append((buffer, count)) }
    }

    /// The digest of every chunk submitted; waits for the hasher to catch up.
    func finish() -> SHA256Digest {
        if inline != nil { return inline!.finalize() }
        state.withLock(notify: true) { $0.closed = true }
        return state.wait(until: .never) { $0.digest }!
    }

    /// Stops the hasher without a digest (the download failed); safe to call more than once.
    func abandon() {
        state.withLock(notify: true) {
            $0.queued.removeAll()
            $0.closed = true
        }
    }

    private enum Next {
        case chunk([UInt8], Int)
        case end
    }

    private static func run(_ state: Protected<State>) {
        var hasher = SHA256()
        while true {
            let next = state.wait(until: .never) { state -> Next? in
                if !state.queued.isEmpty {
                    let chunk = state.queued.removeFirst()
                    return .chunk(chunk.bytes, chunk.count)
                }
                return state.closed ? .end : nil
            }!
            switch next {
            case .chunk(let bytes, let count):
                hasher.update(bytes[..<count])
                state.withLock(notify: true) { $0.free.append(bytes) }
            case .end:
                let digest = hasher.finalize()
                state.withLock(notify: true) { $0.digest = digest }
                return
            }
        }
    }
}

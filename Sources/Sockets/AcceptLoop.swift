#if canImport(Glibc)
import Glibc
#endif
import System

/// The one accept loop of the peer, the registry and the control socket. Accepts until the
/// listener is shut down (or `keepGoing` says no) and hands each connection to `handle`.
///
/// When accept fails (EMFILE or ENFILE: the process or the system is out of descriptors; or
/// anything else) the loop backs off instead of retrying at once, which would spin a core for
/// as long as the shortage lasts: `firstPause`, doubling to `maxPause` between tries, logged
/// once per back-off, reset by the next success. A pause ends early if the listener is shut down.
///
/// `listener` is read again before each accept, so a caller may move to another socket (a peer
/// the registry gives another port): shutting the old one down then wakes the loop, which goes
/// on with the new one.
public enum AcceptLoop {
    public static let firstPause: Duration = .milliseconds(100)
    public static let maxPause: Duration = .seconds(1)

    public static func run(listener: () -> Socket, while keepGoing: () -> Bool = { true },
                           log: (String) -> Void, handle: (Socket) -> Void) {
        var pause: Duration?   // nil: not backing off
        while keepGoing() {
            let socket = listener()
            do {
                let connection = try socket.accept()
                if pause != nil {
                    pause = nil
                    log("accepting connections again")
                }
                handle(connection)
            } catch .shutDown {
                if !keepGoing() || listener() === socket { return }
            } catch {
                let next = pause.map { min($0 * 2, maxPause) } ?? firstPause
                if pause == nil { log("accept failed: \(error); pausing between tries, from \(format(next)) up to \(format(maxPause))") }
                pause = next
                // Waits for nothing but a hang-up: a pending connection does not cut the pause short.
                _ = try? socket.wait(for: 0, until: .after(next))
            }
        }
    }

    private static func format(_ duration: Duration) -> String {
        let ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return ms % 1000 == 0 ? "\(ms / 1000) s" : "\(ms) ms"
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// An error number as the system reports it, with names for the ones the project meets, so
/// callers write `error.errno == .connectionReset` rather than compare raw numbers.
/// (After apple/swift-system's `Errno`; ours names only what we use.)
public struct Errno: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The calling thread's errno. Read it right after the failing call: anything in between
    /// (even `close`) may change it. Settable, so tests can make a call body fail.
    public static var current: Errno {
        get { Errno(rawValue: errno) }
        set { errno = newValue.rawValue }
    }

    /// The system's message for this error, such as "Connection refused". The one place in the
    /// project that calls strerror (glibc's returns a fixed string for every known error).
    public var description: String { String(cString: strerror(rawValue)) }

    /// The corresponding C error is EPERM.
    public static let notPermitted = Errno(rawValue: EPERM)
    /// The corresponding C error is ENOENT.
    public static let noSuchFileOrDirectory = Errno(rawValue: ENOENT)
    /// The corresponding C error is ESRCH.
    public static let noSuchProcess = Errno(rawValue: ESRCH)
    /// The corresponding C error is EINTR.
    public static let interrupted = Errno(rawValue: EINTR)
    /// The corresponding C error is EIO.
    public static let ioError = Errno(rawValue: EIO)
    /// The corresponding C error is EBADF.
    public static let badFileDescriptor = Errno(rawValue: EBADF)
    /// The corresponding C error is EAGAIN.
    public static let resourceTemporarilyUnavailable = Errno(rawValue: EAGAIN)
    /// The corresponding C error is EWOULDBLOCK (the same number as EAGAIN on Linux).
    public static let wouldBlock = Errno(rawValue: EWOULDBLOCK)
    /// The corresponding C error is EACCES.
    public static let permissionDenied = Errno(rawValue: EACCES)
    /// The corresponding C error is EFAULT.
    public static let badAddress = Errno(rawValue: EFAULT)
    /// The corresponding C error is EEXIST.
    public static let fileExists = Errno(rawValue: EEXIST)
    /// The corresponding C error is EINVAL.
    public static let invalidArgument = Errno(rawValue: EINVAL)
    /// The corresponding C error is ENFILE.
    public static let tooManyOpenFilesInSystem = Errno(rawValue: ENFILE)
    /// The corresponding C error is EMFILE.
    public static let tooManyOpenFiles = Errno(rawValue: EMFILE)
    /// The corresponding C error is EFBIG.
    public static let fileTooLarge = Errno(rawValue: EFBIG)
    /// The corresponding C error is ENOSPC.
    public static let noSpace = Errno(rawValue: ENOSPC)
    /// The corresponding C error is EPIPE.
    public static let brokenPipe = Errno(rawValue: EPIPE)
    /// The corresponding C error is EINPROGRESS.
    public static let nowInProgress = Errno(rawValue: EINPROGRESS)
    /// The corresponding C error is ECONNRESET.
    public static let connectionReset = Errno(rawValue: ECONNRESET)
    /// The corresponding C error is ENOTCONN.
    public static let socketNotConnected = Errno(rawValue: ENOTCONN)
    /// The corresponding C error is ETIMEDOUT.
    public static let timedOut = Errno(rawValue: ETIMEDOUT)
    /// The corresponding C error is ECONNREFUSED.
    public static let connectionRefused = Errno(rawValue: ECONNREFUSED)

    /// Pattern matching: `catch let error where error.errno ~= .fileExists`, or `case .interrupted:`.
    public static func ~= (pattern: Errno, value: Errno) -> Bool { pattern == value }
}

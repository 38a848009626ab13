/// A system call failed: which call (its name with context, such as "connect(127.0.0.1:7000)"
/// or "open(/tmp/x)") and the errno it left. Printed as "call: message", so a log line says
/// "connect(127.0.0.1:7000): Connection refused" rather than "error -1".
public struct SystemError: Error, Equatable, Sendable, CustomStringConvertible {
    public let call: String
    public let errno: Errno

    public init(call: String, errno: Errno) {
        self.call = call
        self.errno = errno
    }

    /// The failure `call` just left in errno.
    public static func current(_ call: String) -> SystemError {
        SystemError(call: call, errno: .current)
    }

    public var description: String { "\(call): \(errno)" }
}

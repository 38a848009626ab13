// The HTTP/1.1 subset a peer speaks: GET and HEAD of a file, with Range. Types only; the parser
// is in HTTPParser.swift. Everything here is pure values, no I/O.

public enum HTTPLimits {
    /// Bytes of a request or response head, its final blank line included.
    public static let maxHead = 8 * 1024
    /// Header fields in one head.
    public static let maxHeaders = 64
}

/// One header field. A struct rather than a tuple so heads can be Equatable.
public struct HTTPHeader: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

public struct HTTPRequest: Sendable, Equatable {
    public var method: String
    /// As sent, e.g. "/na%20me"; see `HTTP.decodeTarget(_:)`.
    public var target: String
    /// "HTTP/1.1" or "HTTP/1.0" (the parser accepts no other).
    public var version: String
    public var headers: [HTTPHeader]

    public init(method: String, target: String, version: String = "HTTP/1.1", headers: [(String, String)] = []) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers.map { HTTPHeader(name: $0.0, value: $0.1) }
    }

    /// The first value of the field `name`, ignoring case; nil when absent.
    public func header(_ name: String) -> String? { HTTP.lookup(headers, name) }

    /// The Content-Length, if present (the parser has checked that it is a valid number).
    public var contentLength: UInt64? { header("Content-Length").flatMap(HTTP.parseContentLength) }

    /// Whether the connection stays open after the response: HTTP/1.1 unless
    /// "Connection: close", HTTP/1.0 only with "Connection: keep-alive".
    public var keepAlive: Bool {
        if HTTP.connectionHas(headers, "close") { return false }
        return version == "HTTP/1.1" || HTTP.connectionHas(headers, "keep-alive")
    }

    /// The request head on the wire, for the client side of a download. CR, LF and NUL in
    /// header values are replaced by spaces (no header injection from file names); the method,
    /// target and header names must be tokens without spaces (a precondition: code picks them).
    public func encoded() -> [UInt8] {
        precondition(HTTP.isToken(method.utf8), "HTTP method must be a token")
        precondition(!target.utf8.isEmpty && target.utf8.allSatisfy { $0 > 0x20 && $0 != 0x7f }, "HTTP target must have no spaces or controls")
        return Array("\(method) \(target) \(version)\r\n".utf8) + HTTP.encodeFields(headers)
    }
}

public struct HTTPResponseHead: Sendable, Equatable {
    public var status: Int
    public var reason: String
    public var headers: [HTTPHeader]

    /// The reason phrase is the status's standard one.
    public init(status: HTTPStatus, headers: [(String, String)]) {
        self.init(status: status.rawValue, reason: status.reason,
                  headers: headers.map { HTTPHeader(name: $0.0, value: $0.1) })
    }

    /// Any status and reason, as parsed from another server.
    public init(status: Int, reason: String, headers: [HTTPHeader]) {
        self.status = status
        self.reason = reason
        self.headers = headers
    }

    /// The first value of the field `name`, ignoring case; nil when absent.
    public func header(_ name: String) -> String? { HTTP.lookup(headers, name) }

    /// The Content-Length, if present (the parser has checked that it is a valid number).
    public var contentLength: UInt64? { header("Content-Length").flatMap(HTTP.parseContentLength) }

    /// "HTTP/1.1 200 OK\r\nName: value\r\n...\r\n\r\n". CR, LF and NUL in the reason and in
    /// values become spaces; header names must be tokens (a precondition).
    public func encoded() -> [UInt8] {
        precondition((100...999).contains(status), "HTTP status must have 3 digits")
        var bytes = Array("HTTP/1.1 \(status) ".utf8)
        HTTP.appendSanitized(reason, to: &bytes)
        bytes += [0x0d, 0x0a]
        HTTP.encodeFields(headers, into: &bytes)
        return bytes
    }
}

/// The result of parsing a head from the front of a buffer that may not hold all of it yet.
public enum HTTPParse<T> {
    /// The head, and the bytes it took (its blank line included); a body follows those.
    case complete(T, consumed: Int)
    /// No blank line yet, and still under `HTTPLimits.maxHead`: read more.
    case incomplete
}

extension HTTPParse: Sendable where T: Sendable {}
extension HTTPParse: Equatable where T: Equatable {}

public enum HTTPError: Error, Equatable, Sendable {
    /// 400: the head is not HTTP/1.x as we speak it.
    case badRequest(String)
    /// 431: the head passed `maxHead` bytes without ending, or has over `maxHeaders` fields.
    case headTooLarge

    /// The status a server answers with before it closes the connection.
    public var status: HTTPStatus {
        switch self {
        case .badRequest: .badRequest
        case .headTooLarge: .headerFieldsTooLarge
        }
    }
}

public enum HTTPStatus: Int, Sendable {
    case ok = 200, partialContent = 206, notModified = 304
    case badRequest = 400, unauthorized = 401, forbidden = 403, notFound = 404, methodNotAllowed = 405
    case requestTimeout = 408, preconditionFailed = 412, rangeNotSatisfiable = 416, headerFieldsTooLarge = 431
    case internalServerError = 500, serviceUnavailable = 503

    /// The standard reason phrase (RFC 9110).
    public var reason: String {
        switch self {
        case .ok: "OK"
        case .partialContent: "Partial Content"
        case .notModified: "Not Modified"
        case .badRequest: "Bad Request"
        case .unauthorized: "Unauthorized"
        case .forbidden: "Forbidden"
        case .notFound: "Not Found"
        case .methodNotAllowed: "Method Not Allowed"
        case .requestTimeout: "Request Timeout"
        case .preconditionFailed: "Precondition Failed"
        case .rangeNotSatisfiable: "Range Not Satisfiable"
        case .headerFieldsTooLarge: "Request Header Fields Too Large"
        case .internalServerError: "Internal Server Error"
        case .serviceUnavailable: "Service Unavailable"
        }
    }
}

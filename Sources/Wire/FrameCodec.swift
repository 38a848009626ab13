// Byte layout of every frame. Header: type u8, payload length u32 big-endian. In payloads:
// strings are u16 length + UTF-8; lists u16 count + items; ports u16; sizes and ping/pong
// values u64; ttl, hops, steps and counts u8, a yes/no u8 0 or 1; a QueryID its 16 raw bytes, a SHA-256 its 32 raw bytes;
// a PeerAddress is name, host, port. All integers big-endian.

extension Frame {
    public static let headerSize = 5

    /// Header + payload.
    ///
    /// Preconditions (a trap, since the caller decides what it sends): every string within its
    /// cap (`WireLimits.maxPeerName` for peer names, which must also be non-empty in join, hello
    /// and every PeerAddress; `WireLimits.maxString` for the rest), lists within
    /// `WireLimits.maxList`, SHA-256s of 32 bytes, and the payload within `WireLimits.maxPayload`
    /// (split big hit lists with `queryHits(id:holder:hops:files:)`). Use `encodedChecked()` to get
    /// an error instead.
    public func encoded() -> [UInt8] {
        var writer = ByteWriter(strict: true)
        return framed(&writer)
    }

    /// Like `encoded()`, but throws the error the peer's decoder would (`.tooLarge`,
    /// `.malformed`) instead of trapping when a cap is broken.
    public func encodedChecked() throws(FrameError) -> [UInt8] {
        var writer = ByteWriter(strict: false)
        let bytes = framed(&writer)
        if let violation = writer.violation { throw violation }
        return bytes
    }

    private func framed(_ writer: inout ByteWriter) -> [UInt8] {
        writePayload(&writer)
        writer.checkPayloadSize()
        var header = ByteWriter(strict: true)
        header.bytes.reserveCapacity(Frame.headerSize + writer.bytes.count)
        header.u8(typeCode)
        // In strict mode the payload is within maxPayload here; in checking mode an oversized
        // one was recorded as a violation and these bytes are thrown away.
        header.u32(UInt32(truncatingIfNeeded: writer.bytes.count))
        header.bytes.append(contentsOf: writer.bytes)
        return header.bytes
    }

    private func writePayload(_ w: inout ByteWriter) {
        switch self {
        case let .join(name, flag, port, neighbours):
            w.peerName(name, what: "peer name")
            w.string(flag, cap: WireLimits.maxString, what: "join flag")
            w.u16(port)
            w.names(neighbours, what: "neighbours")
        case let .welcome(port, referrals):
            w.u16(port)
            w.addresses(referrals, what: "referrals")
        case let .refused(reason), let .bye(reason):
            w.string(reason, cap: WireLimits.maxString, what: "reason")
        case let .portBusy(port):
            w.u16(port)
        case let .heartbeat(neighbours):
            w.names(neighbours, what: "neighbours")
        case let .needPeers(count, exclude):
            w.u8(count)
            w.names(exclude, what: "excluded peers")
        case let .referral(addresses):
            w.addresses(addresses, what: "referrals")
        case let .hello(name, flag, port):
            w.peerName(name, what: "peer name")
            w.string(flag, cap: WireLimits.maxString, what: "join flag")
            w.u16(port)
        case let .ping(value), let .pong(value):
            w.u64(value)
        case let .query(id, ttl, hops, name):
            w.raw(id.bytes, size: QueryID.size, what: "query id")
            w.u8(ttl)
            w.u8(hops)
            w.string(name, cap: WireLimits.maxString, what: "file name")
        case let .queryHit(id, holder, hops, files):
            w.raw(id.bytes, size: QueryID.size, what: "query id")
            w.address(holder)
            w.u8(hops)
            w.count(files.count, what: "files")
            for file in files {
                w.string(file.name, cap: WireLimits.maxString, what: "file name")
                w.u64(file.size)
                w.raw(file.sha256, size: FileHit.digestSize, what: "SHA-256")
            }
        case let .walk(id, requester, steps, hops, name):
            w.raw(id.bytes, size: QueryID.size, what: "query id")
            w.address(requester)
            w.u8(steps)
            w.u8(hops)
            w.string(name, cap: WireLimits.maxString, what: "file name")
        case let .walkCheck(id, hops):
            w.raw(id.bytes, size: QueryID.size, what: "query id")
            w.u8(hops)
        case let .walkGo(go):
            w.u8(go ? 1 : 0)
        case .topologyRequest:
            break
        case let .topologyReply(me, neighbours):
            w.address(me)
            w.addresses(neighbours, what: "neighbours")
        case let .challenge(nonce):
            w.raw(nonce, size: Handshake.nonceSize, what: "nonce")
        case let .proof(mac):
            w.raw(mac, size: Handshake.proofSize, what: "proof")
        }
    }

    /// Reads a header from the first 5 bytes of `header` (more are ignored).
    /// Throws `.truncated` if fewer than 5, `.tooLarge` when the length exceeds
    /// `WireLimits.maxPayload`. The type byte is not checked here (see `decodePayload`).
    public static func decodeHeader(_ header: some Collection<UInt8>) throws(FrameError) -> (type: UInt8, length: Int) {
        var iterator = header.makeIterator()
        guard let type = iterator.next() else { throw .truncated }
        var length: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = iterator.next() else { throw .truncated }
            length = length << 8 | UInt32(byte)
        }
        // Compared as UInt32 first, so the conversion to Int cannot overflow even on 32-bit.
        guard length <= UInt32(WireLimits.maxPayload) else { throw .tooLarge(Int(clamping: length)) }
        return (type, Int(length))
    }

    /// Decodes one complete payload of the given type. Throws `.unknownType`, `.tooLarge` (a
    /// payload, string or list over its cap), `.malformed` (bad UTF-8, an empty peer name, a
    /// payload too short for its fields or with bytes left over).
    public static func decodePayload(type: UInt8, payload: some Collection<UInt8>) throws(FrameError) -> Frame {
        guard let frameType = FrameType(rawValue: type) else { throw .unknownType(type) }
        let count = payload.count
        guard count <= WireLimits.maxPayload else { throw .tooLarge(count) }
        let bytes = payload.withContiguousStorageIfAvailable { Array($0) } ?? Array(payload)
        var r = ByteReader(bytes)
        let frame = try read(frameType, &r)
        try r.finish("\(frameType)")
        return frame
    }

    /// Decodes one whole frame from the front of `bytes`; returns it and the bytes it used.
    /// Throws `.truncated` only if more bytes could complete it; `.tooLarge` and `.unknownType`
    /// as soon as the header shows them, without waiting for (or allocating) the payload.
    public static func decode(_ bytes: some Collection<UInt8>) throws(FrameError) -> (frame: Frame, consumed: Int) {
        let (type, length) = try decodeHeader(bytes)
        guard FrameType(rawValue: type) != nil else { throw .unknownType(type) }
        let payload = bytes.dropFirst(headerSize).prefix(length)
        guard payload.count == length else { throw .truncated }
        return (try decodePayload(type: type, payload: payload), headerSize + length)
    }

    private static func read(_ type: FrameType, _ r: inout ByteReader) throws(FrameError) -> Frame {
        switch type {
        case .join:
            return .join(name: try r.peerName("peer name"), flag: try r.string(cap: WireLimits.maxString, what: "join flag"),
                         port: try r.u16("port"), neighbours: try r.names("neighbours"))
        case .welcome:
            return .welcome(port: try r.u16("port"), referrals: try r.addresses("referrals"))
        case .refused:
            return .refused(reason: try r.string(cap: WireLimits.maxString, what: "reason"))
        case .portBusy:
            return .portBusy(port: try r.u16("port"))
        case .heartbeat:
            return .heartbeat(neighbours: try r.names("neighbours"))
        case .needPeers:
            return .needPeers(count: try r.u8("count"), exclude: try r.names("excluded peers"))
        case .referral:
            return .referral(try r.addresses("referrals"))
        case .hello:
            return .hello(name: try r.peerName("peer name"), flag: try r.string(cap: WireLimits.maxString, what: "join flag"),
                          port: try r.u16("port"))
        case .ping:
            return .ping(try r.u64("ping value"))
        case .pong:
            return .pong(try r.u64("pong value"))
        case .query:
            return .query(id: try r.queryID(), ttl: try r.u8("ttl"), hops: try r.u8("hops"),
                          name: try r.string(cap: WireLimits.maxString, what: "file name"))
        case .queryHit:
            let id = try r.queryID()
            let holder = try r.address()
            let hops = try r.u8("hops")
            let files = try r.list(what: "files") { (r: inout ByteReader) throws(FrameError) in
                FileHit(name: try r.string(cap: WireLimits.maxString, what: "file name"), size: try r.u64("file size"),
                        sha256: Array(try r.take(FileHit.digestSize, what: "SHA-256")))
            }
            return .queryHit(id: id, holder: holder, hops: hops, files: files)
        case .walk:
            return .walk(id: try r.queryID(), requester: try r.address(), steps: try r.u8("steps"), hops: try r.u8("hops"),
                         name: try r.string(cap: WireLimits.maxString, what: "file name"))
        case .walkCheck:
            return .walkCheck(id: try r.queryID(), hops: try r.u8("hops"))
        case .walkGo:
            switch try r.u8("go") {
            case 0: return .walkGo(false)
            case 1: return .walkGo(true)
            case let other: throw .malformed("walkGo must be 0 or 1, not \(other)")
            }
        case .topologyRequest:
            return .topologyRequest
        case .topologyReply:
            return .topologyReply(me: try r.address(), neighbours: try r.addresses("neighbours"))
        case .bye:
            return .bye(reason: try r.string(cap: WireLimits.maxString, what: "reason"))
        case .challenge:
            return .challenge(nonce: Array(try r.take(Handshake.nonceSize, what: "nonce")))
        case .proof:
            return .proof(mac: Array(try r.take(Handshake.proofSize, what: "proof")))
        }
    }
}

// The composite fields, kept beside each other so the two directions cannot drift apart.
extension ByteWriter {
    mutating func peerName(_ name: String, what: String) {
        string(name, cap: WireLimits.maxPeerName, required: true, what: what)
    }

    /// A list of peer names (neighbours, exclusions): each within `maxPeerName`, empty allowed.
    mutating func names(_ names: [String], what: String) {
        count(names.count, what: what)
        for name in names { string(name, cap: WireLimits.maxPeerName, what: "name in \(what)") }
    }

    mutating func address(_ address: PeerAddress) {
        peerName(address.name, what: "peer name")
        string(address.host, cap: WireLimits.maxString, what: "host")
        u16(address.port)
    }

    mutating func addresses(_ addresses: [PeerAddress], what: String) {
        count(addresses.count, what: what)
        for item in addresses { address(item) }
    }
}

extension ByteReader {
    mutating func peerName(_ what: String) throws(FrameError) -> String {
        try string(cap: WireLimits.maxPeerName, required: true, what: what)
    }

    mutating func names(_ what: String) throws(FrameError) -> [String] {
        try list(what: what) { (r: inout ByteReader) throws(FrameError) in
            try r.string(cap: WireLimits.maxPeerName, what: "name in \(what)")
        }
    }

    mutating func address() throws(FrameError) -> PeerAddress {
        PeerAddress(name: try peerName("peer name"), host: try string(cap: WireLimits.maxString, what: "host"),
                    port: try u16("port"))
    }

    mutating func addresses(_ what: String) throws(FrameError) -> [PeerAddress] {
        try list(what: what) { (r: inout ByteReader) throws(FrameError) in try r.address() }
    }

    mutating func queryID() throws(FrameError) -> QueryID {
        QueryID(uncheckedBytes: Array(try take(QueryID.size, what: "query id")))
    }
}

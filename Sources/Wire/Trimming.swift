extension String {
    /// Without leading and trailing spaces, tabs, CRs and LFs: the whitespace of HTTP headers
    /// and of typed lines (not Unicode's wider idea of it).
    public var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}

/// An endpoint or URL as it may be shown in messages, logs and `info`: any `user:password@`
/// in its authority removed. A URL's user information is a password in plain sight, and
/// configuration mistakes (`https://KEY:SECRET@host`) are exactly what error messages quote.
/// Everything else is kept, so the user still recognises what they wrote.
public func displayedEndpoint(_ text: String) -> String {
    // The authority starts after `scheme://` (or at the start, without a scheme) and ends at
    // the first `/`, `?` or `#`; only an `@` inside it separates user information.
    var authorityStart = text.startIndex
    if let range = text.firstRange(of: "://") { authorityStart = range.upperBound }
    let rest = text[authorityStart...]
    let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? text.endIndex
    guard let at = text[authorityStart..<authorityEnd].lastIndex(of: "@") else { return text }
    return String(text[..<authorityStart]) + String(text[text.index(after: at)...])
}

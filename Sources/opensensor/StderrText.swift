#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Text to stderr, unbuffered (the executable stays off Foundation).
enum StderrText {
    static func write(_ s: String) {
        var text = s
        text.withUTF8 { _ = Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}

/// A 5×7 bitmap font: digits, capitals and the few signs the pages use, drawn at any integer
/// scale (×1 for labels, ×4 for the large values, which stay legible across a room on a 0.96"
/// screen). Built in, so the station needs no font files; capitals only, which keeps the table
/// small and is all a page label needs.
enum Font {
    static let glyphWidth = 5
    static let glyphHeight = 7
    /// One column of space between glyphs, at scale 1.
    static let spacing = 1

    /// Each glyph as 7 rows of 5 columns, `#` lit; rows are read top to bottom.
    private static let art: [(Character, String)] = [
        (" ", ".....|.....|.....|.....|.....|.....|....."),
        ("0", ".###.|#...#|#..##|#.#.#|##..#|#...#|.###."),
        ("1", "..#..|.##..|..#..|..#..|..#..|..#..|.###."),
        ("2", ".###.|#...#|....#|...#.|..#..|.#...|#####"),
        ("3", "#####|...#.|..#..|...#.|....#|#...#|.###."),
        ("4", "...#.|..##.|.#.#.|#..#.|#####|...#.|...#."),
        ("5", "#####|#....|####.|....#|....#|#...#|.###."),
        ("6", "..##.|.#...|#....|####.|#...#|#...#|.###."),
        ("7", "#####|....#|...#.|..#..|.#...|.#...|.#..."),
        ("8", ".###.|#...#|#...#|.###.|#...#|#...#|.###."),
        ("9", ".###.|#...#|#...#|.####|....#|...#.|.##.."),
        (".", ".....|.....|.....|.....|.....|.##..|.##.."),
        ("-", ".....|.....|.....|#####|.....|.....|....."),
        ("%", "##...|##..#|...#.|..#..|.#...|#..##|...##"),
        ("/", ".....|....#|...#.|..#..|.#...|#....|....."),
        (":", ".....|.##..|.##..|.....|.##..|.##..|....."),
        ("°", ".##..|#..#.|#..#.|.##..|.....|.....|....."),
        ("A", ".###.|#...#|#...#|#####|#...#|#...#|#...#"),
        ("B", "####.|#...#|#...#|####.|#...#|#...#|####."),
        ("C", ".###.|#...#|#....|#....|#....|#...#|.###."),
        ("D", "###..|#..#.|#...#|#...#|#...#|#..#.|###.."),
        ("E", "#####|#....|#....|####.|#....|#....|#####"),
        ("F", "#####|#....|#....|####.|#....|#....|#...."),
        ("G", ".###.|#...#|#....|#.###|#...#|#...#|.####"),
        ("H", "#...#|#...#|#...#|#####|#...#|#...#|#...#"),
        ("I", ".###.|..#..|..#..|..#..|..#..|..#..|.###."),
        ("J", "..###|...#.|...#.|...#.|...#.|#..#.|.##.."),
        ("K", "#...#|#..#.|#.#..|##...|#.#..|#..#.|#...#"),
        ("L", "#....|#....|#....|#....|#....|#....|#####"),
        ("M", "#...#|##.##|#.#.#|#.#.#|#...#|#...#|#...#"),
        ("N", "#...#|#...#|##..#|#.#.#|#..##|#...#|#...#"),
        ("O", ".###.|#...#|#...#|#...#|#...#|#...#|.###."),
        ("P", "####.|#...#|#...#|####.|#....|#....|#...."),
        ("Q", ".###.|#...#|#...#|#...#|#.#.#|#..#.|.##.#"),
        ("R", "####.|#...#|#...#|####.|#.#..|#..#.|#...#"),
        ("S", ".####|#....|#....|.###.|....#|....#|####."),
        ("T", "#####|..#..|..#..|..#..|..#..|..#..|..#.."),
        ("U", "#...#|#...#|#...#|#...#|#...#|#...#|.###."),
        ("V", "#...#|#...#|#...#|#...#|#...#|.#.#.|..#.."),
        ("W", "#...#|#...#|#...#|#.#.#|#.#.#|#.#.#|.#.#."),
        ("X", "#...#|#...#|.#.#.|..#..|.#.#.|#...#|#...#"),
        ("Y", "#...#|#...#|.#.#.|..#..|..#..|..#..|..#.."),
        ("Z", "#####|....#|...#.|..#..|.#...|#....|#####"),
    ]

    /// Glyph rows as bits, bit 4 the leftmost column.
    static let glyphs: [Character: [UInt8]] = {
        var table: [Character: [UInt8]] = [:]
        for (c, text) in art {
            let rows = text.split(separator: "|").map { row in
                row.reduce(UInt8(0)) { $0 << 1 | ($1 == "#" ? 1 : 0) }
            }
            precondition(rows.count == glyphHeight, "glyph \(c) has \(rows.count) rows")
            table[c] = rows
        }
        return table
    }()

    /// What a character without a glyph draws as: a filled box, so the gap shows in a test.
    static let unknown: [UInt8] = Array(repeating: 0b11111, count: glyphHeight)

    /// The rows of `c`: lower-case letters as their capitals.
    static func rows(_ c: Character) -> [UInt8] {
        if let g = glyphs[c] { return g }
        if let upper = c.uppercased().first, let g = glyphs[upper] { return g }
        return unknown
    }

    /// The width in pixels of `text` at `scale`, without trailing spacing.
    static func width(_ text: String, scale: Int) -> Int {
        let n = text.count
        return n == 0 ? 0 : (n * (glyphWidth + spacing) - spacing) * scale
    }
}

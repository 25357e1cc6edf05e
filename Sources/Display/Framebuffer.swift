/// An RGB565 colour, the ST7735's pixel format.
public struct Color: Sendable, Hashable {
    /// Red in bits 15–11, green 10–5, blue 4–0.
    public var rgb565: UInt16

    /// A colour from its RGB565 value.
    public init(rgb565: UInt16) { self.rgb565 = rgb565 }

    /// A colour from 8-bit channels, dropping the low bits as the screen's reference library does.
    public init(red: UInt8, green: UInt8, blue: UInt8) {
        rgb565 = UInt16(red & 0xF8) << 8 | UInt16(green & 0xFC) << 3 | UInt16(blue >> 3)
    }

    /// The channels widened back to 8 bits, the high bits repeated into the low ones so that
    /// white stays 255 (for PNG).
    public var rgb888: (red: UInt8, green: UInt8, blue: UInt8) {
        let r = UInt8(rgb565 >> 11), g = UInt8((rgb565 >> 5) & 0x3F), b = UInt8(rgb565 & 0x1F)
        return (r << 3 | r >> 2, g << 2 | g >> 4, b << 3 | b >> 2)
    }

    public static let black = Color(rgb565: 0x0000)
    public static let white = Color(rgb565: 0xFFFF)
    public static let grey = Color(red: 140, green: 140, blue: 140)
    public static let darkGrey = Color(red: 48, green: 48, blue: 48)
}

/// The screen's picture: 160×80 RGB565 pixels, row by row from the top left, 25.6 KB. Pages draw
/// into one buffer that lives as long as the display; nothing here allocates per frame.
public struct Framebuffer: Sendable, Equatable {
    public static let width = 160
    public static let height = 80

    /// The pixels, `width × height`, row-major.
    public private(set) var pixels: [UInt16]

    /// A black frame.
    public init() {
        pixels = [UInt16](repeating: 0, count: Self.width * Self.height)
    }

    /// The colour at (`x`, `y`).
    public subscript(x: Int, y: Int) -> Color {
        Color(rgb565: pixels[y * Self.width + x])
    }

    /// Paints the whole frame.
    public mutating func fill(_ color: Color) {
        for i in pixels.indices { pixels[i] = color.rgb565 }
    }

    /// Paints one pixel; points outside the frame are ignored, so callers need not clip.
    public mutating func plot(x: Int, y: Int, _ color: Color) {
        guard x >= 0, x < Self.width, y >= 0, y < Self.height else { return }
        pixels[y * Self.width + x] = color.rgb565
    }

    /// Paints a rectangle, clipped to the frame.
    public mutating func fillRect(x: Int, y: Int, width: Int, height: Int, _ color: Color) {
        let x0 = max(0, x), x1 = min(Self.width, x + width)
        let y0 = max(0, y), y1 = min(Self.height, y + height)
        guard x0 < x1, y0 < y1 else { return }
        for row in y0..<y1 {
            for col in x0..<x1 { pixels[row * Self.width + col] = color.rgb565 }
        }
    }

    /// A straight line from (`x0`, `y0`) to (`x1`, `y1`), both ends included (Bresenham).
    public mutating func line(x0: Int, y0: Int, x1: Int, y1: Int, _ color: Color) {
        var (x, y) = (x0, y0)
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var err = dx + dy
        while true {
            plot(x: x, y: y, color)
            if x == x1 && y == y1 { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
        }
    }

    /// Draws `text` in the built-in 5×7 font with its top left at (`x`, `y`), each font pixel a
    /// `scale`×`scale` square; returns the width drawn.
    @discardableResult
    public mutating func text(_ text: String, x: Int, y: Int, scale: Int = 1, _ color: Color) -> Int {
        var cx = x
        for c in text {
            let rows = Font.rows(c)
            for (r, bits) in rows.enumerated() {
                for col in 0..<Font.glyphWidth where bits & (0b10000 >> UInt8(col)) != 0 {
                    fillRect(x: cx + col * scale, y: y + r * scale, width: scale, height: scale, color)
                }
            }
            cx += (Font.glyphWidth + Font.spacing) * scale
        }
        return Font.width(text, scale: scale)
    }

    /// The width `text` takes at `scale`.
    public static func textWidth(_ text: String, scale: Int = 1) -> Int { Font.width(text, scale: scale) }
}

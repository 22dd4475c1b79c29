import Foundation

/// A built-in 5×7 ASCII bitmap font (characters 32…126), drawn on a 6×9 cell
/// (one column and two rows of spacing) and scalable by an integer factor.
public enum BitmapFont {
    /// Glyph width in font pixels.
    public static let glyphWidth = 5
    /// Glyph height in font pixels.
    public static let glyphHeight = 7
    /// Horizontal advance per character in font pixels.
    public static let advance = 6
    /// Line height in font pixels.
    public static let lineHeight = 9

    /// Each glyph packs 7 rows of 5 bits, top row in the highest bits, leftmost pixel
    /// the highest bit of its row. Index = ASCII code − 32.
    static let glyphs: [UInt64] = [
        0x000000000, 0x108421004, 0x294000000, 0x2BEA52BEA, 0x11F4717C4, 0x674222173,  //  !"#$%
        0x32544564D, 0x108000000, 0x088842082, 0x208210888, 0x009575480, 0x0084F9080,  // &'()*+
        0x000003088, 0x0000F8000, 0x00000018C, 0x044222110, 0x3A33AE62E, 0x11842108E,  // ,-./01
        0x3A211111F, 0x78217043E, 0x08CA97C42, 0x7E1E0862E, 0x1910F462E, 0x7C2222108,  // 234567
        0x3A317462E, 0x3A317844C, 0x018C03180, 0x018C03088, 0x088882082, 0x001F07C00,  // 89:;<=
        0x208208888, 0x3A2111004, 0x3A37ADE0E, 0x3A31FC631, 0x7A31F463E, 0x3A308422E,  // >?@ABC
        0x72518C65C, 0x7E10F421F, 0x7E10F4210, 0x3A30BC62F, 0x4631FC631, 0x38842108E,  // DEFGHI
        0x1C4210A4C, 0x4654C5251, 0x42108421F, 0x4775AC631, 0x4639ACE31, 0x3A318C62E,  // JKLMNO
        0x7A31F4210, 0x3A318D64D, 0x7A31F5251, 0x3E107043E, 0x7C8421084, 0x46318C62E,  // PQRSTU
        0x46318C544, 0x4631AD6AA, 0x462A22A31, 0x462A21084, 0x7C222221F, 0x39084210E,  // VWXYZ[
        0x410820841, 0x38421084E, 0x115100000, 0x00000001F, 0x208000000, 0x000E0BE2F,  // \\]^_`a
        0x4216CC63E, 0x000E8422E, 0x042D9C62F, 0x000E8FE0E, 0x1928E2108, 0x000F8BC2E,  // bcdefg
        0x4216CC631, 0x100C2108E, 0x080610A4C, 0x4212A6292, 0x30842108E, 0x001AAD631,  // hijklm
        0x0016CC631, 0x000E8C62E, 0x001E8FA10, 0x000D9BC21, 0x0016CC210, 0x000E8383E,  // nopqrs
        0x211C42126, 0x00118C66D, 0x00118C544, 0x00118D6AA, 0x001151151, 0x00118BC2E,  // tuvwxy
        0x001F1111F, 0x088441082, 0x108421084, 0x208411088, 0x0008A8800,  // z{|}~
    ]

    /// Whether font pixel (row, column) of `character` is set; unknown characters draw as '?'.
    public static func isSet(_ character: Character, row: Int, column: Int) -> Bool {
        guard (0..<glyphHeight).contains(row), (0..<glyphWidth).contains(column) else { return false }
        let bits = glyphs[index(of: character)]
        return (bits >> UInt64((6 - row) * 5 + (4 - column))) & 1 == 1
    }

    /// Size in image pixels of `text` drawn at `scale` (multi-line text splits on "\n").
    public static func size(of text: String, scale: Int = 1) -> (width: Int, height: Int) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let longest = lines.map(\.count).max() ?? 0
        let width = longest == 0 ? 0 : (longest * advance - 1) * scale
        return (width, (lines.count * lineHeight - 2) * scale)
    }

    static func index(of character: Character) -> Int {
        guard let ascii = character.asciiValue, ascii >= 32, ascii < 127 else { return Int(("?" as Character).asciiValue!) - 32 }
        return Int(ascii) - 32
    }
}

import FileSupport
import Foundation
import Imaging

/// A self-contained HTML page: inline CSS, images embedded as `data:` URIs, no scripts and no
/// external resources, so the file opens offline in any browser and can be mailed as is.
///
///     var page = HTMLReport(title: "Experiment")
///     page.section("Settings") { s in s.table(["setting", "value"], rows) }
///     try page.write(to: url)
public struct HTMLReport {
    public var title: String
    public var subtitle: String?
    private var blocks: [String] = []
    private var toc: [(id: String, title: String)] = []

    public init(title: String, subtitle: String? = nil) {
        self.title = title
        self.subtitle = subtitle
    }

    /// Content of one section, appended in order.
    public struct Section {
        fileprivate var parts: [String] = []

        public mutating func paragraph(_ text: String) { parts.append("<p>\(HTMLReport.escape(text))</p>") }

        /// Short notes, one line each.
        public mutating func list(_ items: [String]) {
            parts.append("<ul>" + items.map { "<li>\(HTMLReport.escape($0))</li>" }.joined() + "</ul>")
        }

        /// A sub-heading inside the section.
        public mutating func heading(_ text: String) { parts.append("<h3>\(HTMLReport.escape(text))</h3>") }

        /// A table; cells are text. Numeric-looking cells are right-aligned.
        public mutating func table(_ header: [String], _ rows: [[String]], caption: String? = nil) {
            var h = "<table>"
            if let caption { h += "<caption>\(HTMLReport.escape(caption))</caption>" }
            h += "<thead><tr>" + header.map { "<th>\(HTMLReport.escape($0))</th>" }.joined() + "</tr></thead><tbody>"
            for r in rows {
                h += "<tr>" + r.map { c in
                    let numeric = HTMLReport.isNumber(c)
                    return "<td\(numeric ? " class=\"num\"" : "")>\(HTMLReport.escape(c))</td>"
                }.joined() + "</tr>"
            }
            parts.append(h + "</tbody></table>")
        }

        /// An embedded PNG (already encoded) with a caption.
        public mutating func figure(png: Data, caption: String, alt: String? = nil, maxWidth: Int? = nil) {
            let style = maxWidth.map { " style=\"max-width:\($0)px\"" } ?? ""
            parts.append("<figure><img src=\"\(HTMLReport.dataURI(png: png))\" alt=\"\(HTMLReport.escape(alt ?? caption))\"\(style)>"
                         + "<figcaption>\(HTMLReport.escape(caption))</figcaption></figure>")
        }

        /// An image encoded to PNG and embedded.
        public mutating func figure(_ image: Image, caption: String, alt: String? = nil, maxWidth: Int? = nil) throws {
            figure(png: try PNGCodec.encode(image), caption: caption, alt: alt, maxWidth: maxWidth)
        }

        /// Figures side by side in a grid of `columns` columns (each scaled to its column).
        public mutating func figureGrid(_ items: [(png: Data, caption: String)], columns: Int = 2) {
            var h = "<div class=\"grid\" style=\"grid-template-columns:repeat(\(max(1, columns)), minmax(0, 1fr))\">"
            for it in items {
                h += "<figure><img src=\"\(HTMLReport.dataURI(png: it.png))\" alt=\"\(HTMLReport.escape(it.caption))\">"
                    + "<figcaption>\(HTMLReport.escape(it.caption))</figcaption></figure>"
            }
            parts.append(h + "</div>")
        }

        /// Several images in one row (wrapping), each with its own caption.
        public mutating func gallery(_ items: [(png: Data, caption: String)], caption: String? = nil) {
            var h = "<div class=\"gallery\">"
            for it in items {
                h += "<figure class=\"tile\"><img src=\"\(HTMLReport.dataURI(png: it.png))\" alt=\"\(HTMLReport.escape(it.caption))\">"
                    + "<figcaption>\(HTMLReport.escape(it.caption))</figcaption></figure>"
            }
            h += "</div>"
            if let caption { h += "<p class=\"caption\">\(HTMLReport.escape(caption))</p>" }
            parts.append(h)
        }
    }

    /// Adds a numbered section with a heading and an entry in the table of contents.
    public mutating func section(_ title: String, _ build: (inout Section) throws -> Void) rethrows {
        var s = Section()
        try build(&s)
        let id = "s\(toc.count + 1)"
        toc.append((id, title))
        blocks.append("<section id=\"\(id)\"><h2>\(HTMLReport.escape(title))</h2>\n" + s.parts.joined(separator: "\n") + "\n</section>")
    }

    /// The whole page.
    public func html() -> String {
        var h = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(Self.escape(title))</title>
        <style>\(Self.css)</style>
        </head>
        <body>
        <header><h1>\(Self.escape(title))</h1>
        """
        if let subtitle { h += "<p class=\"subtitle\">\(Self.escape(subtitle))</p>" }
        if toc.count > 1 {
            h += "<nav><ol>" + toc.map { "<li><a href=\"#\($0.id)\">\(Self.escape($0.title))</a></li>" }.joined() + "</ol></nav>"
        }
        h += "</header>\n<main>\n" + blocks.joined(separator: "\n") + "\n</main>\n</body>\n</html>\n"
        return h
    }

    /// Writes the page atomically.
    public func write(to url: URL) throws {
        try AtomicFile.write(data: Data(html().utf8), to: url)
    }

    /// A cell that is one number (optionally with a unit-less sign, exponent or trailing %).
    static func isNumber(_ s: String) -> Bool {
        var t = s.trimmingCharacters(in: .whitespaces)
        if t.hasSuffix("%") { t = String(t.dropLast()).trimmingCharacters(in: .whitespaces) }
        return !t.isEmpty && Double(t) != nil
    }

    public static func dataURI(png: Data) -> String { "data:image/png;base64," + png.base64EncodedString() }

    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }

    static let css = """
    body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;color:#222;background:#fafafa;line-height:1.45}
    header{background:#24344d;color:#fff;padding:18px 32px}
    header h1{margin:0 0 4px 0;font-size:26px}
    .subtitle{margin:0;color:#d0d8e4}
    nav ol{margin:10px 0 0 0;padding-left:20px;columns:2}
    nav a{color:#bcd4ff}
    main{max-width:1200px;margin:0 auto;padding:8px 32px 40px 32px}
    section{background:#fff;border:1px solid #e2e2e2;border-radius:6px;padding:10px 22px 18px 22px;margin:18px 0}
    h2{font-size:20px;border-bottom:1px solid #eee;padding-bottom:4px}
    h3{font-size:16px;margin-bottom:6px}
    table{border-collapse:collapse;margin:8px 0;font-size:14px}
    caption{caption-side:bottom;text-align:left;color:#555;font-size:13px;padding-top:4px}
    th,td{border:1px solid #ddd;padding:4px 10px;text-align:left}
    th{background:#f0f3f7}
    td.num{text-align:right;font-variant-numeric:tabular-nums}
    figure{margin:10px 0;display:inline-block;vertical-align:top}
    figure img{max-width:100%;height:auto;border:1px solid #ddd;image-rendering:pixelated}
    figcaption,.caption{font-size:13px;color:#555;max-width:640px}
    .grid{display:grid;gap:14px 18px}
    .grid figure{margin:0;display:block}
    .grid img{width:100%}
    .gallery{display:flex;flex-wrap:wrap;gap:8px}
    .gallery figure{margin:0}
    .gallery img{width:128px}
    """
}

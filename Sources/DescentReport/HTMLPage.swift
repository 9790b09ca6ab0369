/// The self-contained HTML pages of the reports (comparison, tuning): one style sheet,
/// figures inlined as SVG, text escaped as in the charts.
enum HTMLPage {
    /// The style sheet every page shares.
    static let style = """
        body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1360px; padding: 0 1em; color: #222; }
        h1 { font-size: 1.6em; margin-bottom: 0.2em; }
        .setup { color: #555; margin-top: 0; }
        figure { margin: 1.5em 0; overflow-x: auto; }
        figure svg { max-width: 100%; height: auto; }
        figcaption { color: #555; font-size: 0.9em; }
        table { border-collapse: collapse; margin: 1em 0; font-variant-numeric: tabular-nums; }
        th, td { padding: 0.35em 0.8em; border-bottom: 1px solid #ddd; text-align: right; }
        th:first-child, td:first-child { text-align: left; }
        th { background: #f4f4f4; }
        .bad { color: #b00; }
        details { margin: 1em 0; }
        code { font-size: 0.85em; }
        """

    /// Text and attribute values, escaped.
    static func escape(_ s: String) -> String { SVGText.escape(s) }

    /// An SVG document as an element of the page (its XML declaration dropped).
    static func inline(_ svg: String) -> String {
        svg.range(of: "?>").map { String(svg[$0.upperBound...]) } ?? svg
    }

    /// A whole page: `title` as its title and heading, then `body` (HTML); `style` is added
    /// to the shared style sheet.
    static func page(title: String, style extra: String = "", body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        \(style)\(extra.isEmpty ? "" : "\n" + extra)
        </style>
        </head>
        <body>
        <h1>\(escape(title))</h1>
        \(body)
        </body>
        </html>

        """
    }
}

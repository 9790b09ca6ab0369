/// The HTML pages of the reports (comparison, tuning): one style sheet, figures shown from
/// the SVG files written beside the page, text escaped as in the pictures.
enum HTMLPage {
    /// The style sheet every page shares.
    static let style = """
        body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1360px; padding: 0 1em; color: #222; }
        h1 { font-size: 1.6em; margin-bottom: 0.2em; }
        .setup { color: #555; margin-top: 0; }
        figure { margin: 1.5em 0; overflow-x: auto; }
        figure img { max-width: 100%; height: auto; }
        figcaption { color: #555; font-size: 0.9em; }
        table { border-collapse: collapse; margin: 1em 0; font-variant-numeric: tabular-nums; }
        th, td { padding: 0.35em 0.8em; border-bottom: 1px solid #ddd; text-align: right; white-space: nowrap; }
        th:first-child, td:first-child { text-align: left; }
        th { background: #f4f4f4; }
        .rule { border-left: 2px solid #999; }
        details { margin: 1em 0; }
        """

    /// Text and attribute values, escaped.
    static func escape(_ s: String) -> String { SVGText.escape(s) }

    /// `<p class="…">text</p>`, escaped.
    static func paragraph(_ text: String, class name: String) -> String { "<p class=\"\(name)\">\(escape(text))</p>" }

    /// The picture `file` (beside the page) with its caption; the caption is also its alt text.
    static func figure(_ file: String, caption: String) -> String {
        "<figure>\n<img src=\"\(escape(file))\" alt=\"\(escape(caption))\">\n<figcaption>\(escape(caption))</figcaption>\n</figure>"
    }

    /// A whole page: `title` as its title and heading, then `body` (HTML).
    static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        \(style)
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

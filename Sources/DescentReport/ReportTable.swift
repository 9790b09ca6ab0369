/// A table of text cells, as the reports print it three ways: Markdown (`summary.md`),
/// HTML (`report.html`) and CSV (`summary.csv`). The first column is left-aligned, the
/// others right-aligned (numbers).
///
/// ```swift
/// let table = ReportTable(header: ["optimizer", "runs"], rows: [["SGD", "3"], ["Adam, β₁ 0.9", "3"]])
/// table.markdown()   // | optimizer | runs |\n|---|---:|\n| SGD | 3 |\n…
/// table.csv()        // optimizer,runs\nSGD,3\n"Adam, β₁ 0.9",3\n
/// ```
struct ReportTable {
    var header: [String]
    var rows: [[String]]
    /// Columns drawn with a rule on their left in HTML (e.g. where a second half begins).
    var ruleBefore: Set<Int> = []

    func markdown() -> String {
        func line(_ cells: [String]) -> String { "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n" }
        return line(header) + "|---|" + String(repeating: "---:|", count: max(header.count - 1, 0)) + "\n"
            + rows.map(line).joined()
    }

    func html() -> String {
        func line(_ cells: [String], _ tag: String) -> String {
            "<tr>" + cells.enumerated().map { i, c in
                "<\(tag)\(ruleBefore.contains(i) ? " class=\"rule\"" : "")>\(HTMLPage.escape(c))</\(tag)>"
            }.joined() + "</tr>\n"
        }
        return "<table>\n<thead>" + line(header, "th") + "</thead>\n<tbody>\n" + rows.map { line($0, "td") }.joined() + "</tbody>\n</table>"
    }

    /// RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled.
    func csv() -> String {
        func field(_ s: String) -> String {
            s.contains(where: { ",\"\n\r".contains($0) }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        return ([header] + rows).map { $0.map(field).joined(separator: ",") + "\n" }.joined()
    }

    /// A number with `digits` decimals, or `missing` when it is not finite (never "nan").
    static func number(_ x: Double, _ digits: Int = 4, missing: String = "–") -> String {
        x.isFinite ? String(format: "%.\(digits)f", x) : missing
    }

    /// The CSV form of a number: six decimals, empty when not finite.
    static func csvNumber(_ x: Double) -> String { number(x, 6, missing: "") }

    /// `mean ± std [±ci]`, four decimals each.
    static func meanStdCI(_ mean: Double, _ std: Double, _ ci: Double) -> String {
        "\(number(mean)) ± \(number(std)) [±\(number(ci))]"
    }
}

import Descent
import Foundation

/// A picture drawn as SVG, built element by element, with its size in pixels; written as
/// `.svg` and rasterised to `.png` by `SVGRasterizer` at that size. Every drawing of this
/// module (charts, scatter plots, the evaluation pictures) is one.
///
/// ```swift
/// var picture = SVGDocument(width: 200, height: 100, title: "hello")
/// picture.element("circle", ["cx": 50, "cy": 50, "r": 20, "fill": "#e69f00"])
/// picture.text("hello & goodbye", x: 100, y: 55, size: 14)   // escaped
/// try picture.write(to: "runs/hello")                         // hello.svg and hello.png
/// ```
/// Numbers are written with at most two decimals and never as NaN or infinity (callers
/// clamp; a non-finite value is written as 0); text is XML-escaped.
public struct SVGDocument: Sendable {
    public let width: Int
    public let height: Int
    /// The elements inside the root `<svg>`, one per line.
    public private(set) var body = ""

    /// An empty picture on a white background; `title` (if any) is its `<title>`.
    public init(width: Int, height: Int, title: String = "") {
        self.width = width
        self.height = height
        if !title.isEmpty { add("<title>\(SVGText.escape(title))</title>") }
        element("rect", ["x": 0, "y": 0, "width": width, "height": height, "fill": "#ffffff"])
    }

    /// The whole document: XML declaration, root element with size, viewBox and font, body.
    public var text: String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">
        \(body)</svg>

        """
    }

    /// Appends `markup` as it is (it must be well-formed SVG).
    public mutating func add(_ markup: String) { body += markup + "\n" }

    /// Appends `<name a="v" …>content</name>` (or `<name … />` without content); the
    /// attribute values and the content are escaped.
    public mutating func element(_ name: String, _ attributes: KeyValuePairs<String, any SVGValue>, content: String? = nil) {
        add(Self.markup(name, attributes, content: content))
    }

    /// Appends a `<g>` with `attributes` around what `draw` adds.
    public mutating func group(_ attributes: KeyValuePairs<String, any SVGValue>, _ draw: (inout SVGDocument) -> Void) {
        add(Self.opening("g", attributes) + ">")
        draw(&self)
        add("</g>")
    }

    /// A line of text at (x, y): `anchor` start, middle or end; `rotated` turns it a quarter
    /// left about (x, y) (a y-axis label); `bold` for titles.
    public mutating func text(_ string: String, x: Double, y: Double, size: Double, anchor: String = "start",
                              fill: String = "#111111", bold: Bool = false, rotated: Bool = false) {
        var attributes: [(String, any SVGValue)] = [("x", x), ("y", y), ("font-size", size)]
        if bold { attributes.append(("font-weight", "bold")) }
        if anchor != "start" { attributes.append(("text-anchor", anchor)) }
        attributes.append(("fill", fill))
        if rotated { attributes.append(("transform", "rotate(-90 \(f(x)) \(f(y)))")) }
        add(Self.markup("text", attributes, content: string))
    }

    /// Draws `other` with its top-left corner at (x, y), as a nested `<svg>` (its ids and
    /// coordinates stay its own).
    public mutating func embed(_ other: SVGDocument, x: Double, y: Double = 0) {
        add(Self.opening("svg", ["x": x, "y": y, "width": other.width, "height": other.height,
                                 "viewBox": "0 0 \(other.width) \(other.height)"]) + ">")
        body += other.body
        add("</svg>")
    }

    /// `<name a="v" …` (not closed), the values escaped.
    static func opening(_ name: String, _ attributes: [(String, any SVGValue)]) -> String {
        "<" + name + attributes.map { " \($0.0)=\"\(SVGText.escape($0.1.svgText))\"" }.joined()
    }

    static func opening(_ name: String, _ attributes: KeyValuePairs<String, any SVGValue>) -> String {
        opening(name, attributes.map { ($0.key, $0.value) })
    }

    /// `<name a="v" …>content</name>`, or `<name … />` without content; all escaped.
    static func markup(_ name: String, _ attributes: [(String, any SVGValue)], content: String? = nil) -> String {
        let open = opening(name, attributes)
        return content.map { open + ">" + SVGText.escape($0) + "</\(name)>" } ?? open + "/>"
    }

    static func markup(_ name: String, _ attributes: KeyValuePairs<String, any SVGValue>, content: String? = nil) -> String {
        markup(name, attributes.map { ($0.key, $0.value) }, content: content)
    }

    /// The PNG of the document at its own size.
    public func png() throws -> [UInt8] { try SVGRasterizer.png(svg: text, width: width, height: height) }

    /// Writes `base.svg` and `base.png` atomically; returns their file names.
    @discardableResult
    public func write(to base: String) throws -> [String] {
        try writeAtomically(text, to: base + ".svg")
        try writeAtomically(try png(), to: base + ".png")
        let name = base.split(separator: "/").last.map(String.init) ?? base
        return [name + ".svg", name + ".png"]
    }
}

/// A value of an SVG attribute: numbers with at most two decimals, strings as they are.
public protocol SVGValue: Sendable { var svgText: String { get } }
extension String: SVGValue { public var svgText: String { self } }
extension Int: SVGValue { public var svgText: String { String(self) } }
extension Double: SVGValue { public var svgText: String { f(self) } }

/// A coordinate with at most two decimals ("-0" as "0"; a non-finite value as "0").
func f(_ v: Double) -> String {
    guard v.isFinite else { return "0" }
    var t = Substring(String(format: "%.2f", v))
    while t.hasSuffix("0") { t = t.dropLast() }
    if t.hasSuffix(".") { t = t.dropLast() }
    return t == "-0" ? "0" : String(t)
}

enum SVGText {
    /// Escapes `& < > " '` for XML text and attributes and drops characters XML 1.0 forbids.
    static func escape(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                if u.value < 0x20 && u != "\t" && u != "\n" && u != "\r" { continue }
                if u.value == 0xFFFE || u.value == 0xFFFF { continue }
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// The width of `s` at font size `size` in DejaVu Sans (the font the pictures name
    /// first), estimated from classes of its advance widths in em (`i` 0.28, `t` 0.37,
    /// `a` 0.63, `D` 0.72, `m` 0.92), not measured, so the SVG is the same on every machine.
    static func width(_ s: String, _ size: Double) -> Double {
        s.reduce(0) { total, c in
            switch c {
            case "i", "j", "l", "'", "|": total + 0.28
            case " ", ".", ",", ":", ";", "!", "(", ")", "[", "]", "f", "t", "r", "I": total + 0.37
            case "m", "w", "M", "W", "%", "—": total + 0.92
            case _ where c.isUppercase: total + 0.72
            default: total + 0.63
            }
        } * size
    }

    /// FNV-1a, so ids are stable across runs (Swift's `hashValue` is seeded per process).
    static func stableHash(_ s: String) -> String {
        var h: UInt64 = 0xcbf29ce484222325
        for b in s.utf8 { h ^= UInt64(b); h = h &* 0x100000001b3 }
        return String(h & 0xffffffff, radix: 16)
    }
}

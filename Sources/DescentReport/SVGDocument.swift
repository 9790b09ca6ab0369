import Descent

/// A picture drawn as SVG with its size in pixels, written as `.svg` and rasterised to
/// `.png` by `SVGRasterizer` at that size.
///
/// ```swift
/// let picture = EvaluationPictures.confusionMatrix(result, classNames: names, title: "lenet5")
/// try picture.write(to: "runs/lenet5/confusion")      // confusion.svg and confusion.png
/// ```
public struct SVGDocument: Sendable {
    public var text: String
    public var width: Int
    public var height: Int

    public init(text: String, width: Int, height: Int) {
        self.text = text
        self.width = width
        self.height = height
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

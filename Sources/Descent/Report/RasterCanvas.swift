/// A small RGB drawing surface with anti-aliasing by supersampling: everything is
/// drawn at `supersampling`× resolution (coordinates are given in output pixels)
/// and `image()` averages each block down to one output pixel.
///
/// Supports opaque thick lines (round caps), translucent polygons (even-odd),
/// rectangles, discs and text in the built-in `BitmapFont`, all clipped to `clip`.
struct RasterCanvas {
    let width: Int, height: Int
    let supersampling: Int
    private(set) var pixels: [UInt8]
    /// Clip rectangle in hi-res pixels: x0 ..< x1, y0 ..< y1.
    var clip: (x0: Int, y0: Int, x1: Int, y1: Int)

    init(width: Int, height: Int, supersampling: Int = 3, background: ChartColor = ChartColor(hex: 0xffffff)) {
        self.width = width; self.height = height; self.supersampling = supersampling
        let w = width * supersampling, h = height * supersampling
        var p = [UInt8](repeating: 0, count: w * h * 3)
        for i in 0..<(w * h) { p[3 * i] = background.red; p[3 * i + 1] = background.green; p[3 * i + 2] = background.blue }
        pixels = p
        clip = (0, 0, w, h)
    }

    var hiWidth: Int { width * supersampling }
    var hiHeight: Int { height * supersampling }

    /// Restricts drawing to the output-pixel rectangle (nil: the whole canvas).
    mutating func setClip(_ rect: (x0: Double, y0: Double, x1: Double, y1: Double)?) {
        guard let r = rect else { clip = (0, 0, hiWidth, hiHeight); return }
        let s = Double(supersampling)
        clip = (max(0, Int((r.x0 * s).rounded())), max(0, Int((r.y0 * s).rounded())),
                min(hiWidth, Int((r.x1 * s).rounded())), min(hiHeight, Int((r.y1 * s).rounded())))
    }

    /// Runs `body(x, y)` for hi-res pixels of the given inclusive range, clipped.
    @inline(__always)
    private func clipped(_ x0: Int, _ x1: Int, _ y0: Int, _ y1: Int) -> (Int, Int, Int, Int)? {
        let a = max(x0, clip.x0), b = min(x1, clip.x1 - 1), c = max(y0, clip.y0), d = min(y1, clip.y1 - 1)
        return a <= b && c <= d ? (a, b, c, d) : nil
    }

    private static func blend(_ p: UnsafeMutableBufferPointer<UInt8>, _ i: Int, _ color: ChartColor, _ alpha: Double) {
        if alpha >= 1 { p[i] = color.red; p[i + 1] = color.green; p[i + 2] = color.blue; return }
        let a = alpha, b = 1 - alpha
        p[i] = UInt8((Double(p[i]) * b + Double(color.red) * a).rounded())
        p[i + 1] = UInt8((Double(p[i + 1]) * b + Double(color.green) * a).rounded())
        p[i + 2] = UInt8((Double(p[i + 2]) * b + Double(color.blue) * a).rounded())
    }

    /// Fills the output-pixel rectangle [x0, x1) × [y0, y1).
    mutating func fillRect(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, _ color: ChartColor, alpha: Double = 1) {
        let s = Double(supersampling)
        guard let (a, b, c, d) = clipped(Int((x0 * s).rounded()), Int((x1 * s).rounded()) - 1,
                                         Int((y0 * s).rounded()), Int((y1 * s).rounded()) - 1) else { return }
        let w = hiWidth
        pixels.withUnsafeMutableBufferPointer { p in
            for y in c...d { for x in a...b { Self.blend(p, 3 * (y * w + x), color, alpha) } }
        }
    }

    /// An opaque line of the given width (output pixels) with round caps.
    mutating func line(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, width lw: Double, _ color: ChartColor) {
        let s = Double(supersampling)
        let ax = x0 * s, ay = y0 * s, bx = x1 * s, by = y1 * s
        let r = max(lw * s / 2, 0.5)
        guard let (xa, xb, ya, yb) = clipped(Int((min(ax, bx) - r).rounded(.down)), Int((max(ax, bx) + r).rounded(.up)),
                                             Int((min(ay, by) - r).rounded(.down)), Int((max(ay, by) + r).rounded(.up)))
        else { return }
        let dx = bx - ax, dy = by - ay
        let len2 = dx * dx + dy * dy
        let r2 = r * r
        let w = hiWidth
        pixels.withUnsafeMutableBufferPointer { p in
            for y in ya...yb {
                let cy = Double(y) + 0.5
                for x in xa...xb {
                    let cx = Double(x) + 0.5
                    var t = len2 > 0 ? ((cx - ax) * dx + (cy - ay) * dy) / len2 : 0
                    t = min(max(t, 0), 1)
                    let ex = ax + t * dx - cx, ey = ay + t * dy - cy
                    if ex * ex + ey * ey <= r2 { Self.blend(p, 3 * (y * w + x), color, 1) }
                }
            }
        }
    }

    /// An opaque polyline (consecutive segments).
    mutating func polyline(_ points: [(Double, Double)], width lw: Double, _ color: ChartColor) {
        if points.count == 1 { line(points[0].0, points[0].1, points[0].0, points[0].1, width: lw, color); return }
        for i in 1..<max(points.count, 1) where points.count > 1 {
            line(points[i - 1].0, points[i - 1].1, points[i].0, points[i].1, width: lw, color)
        }
    }

    /// A filled disc.
    mutating func disc(_ cx: Double, _ cy: Double, radius: Double, _ color: ChartColor) {
        line(cx, cy, cx, cy, width: 2 * radius, color)
    }

    /// A polygon filled with `color` at `alpha` (even-odd rule; every pixel blended once).
    mutating func fillPolygon(_ points: [(Double, Double)], _ color: ChartColor, alpha: Double) {
        guard points.count >= 3 else { return }
        let s = Double(supersampling)
        let pts = points.map { ($0.0 * s, $0.1 * s) }
        let minY = pts.map(\.1).min()!, maxY = pts.map(\.1).max()!
        let y0 = max(clip.y0, Int(minY.rounded(.down))), y1 = min(clip.y1 - 1, Int(maxY.rounded(.up)))
        guard y0 <= y1 else { return }
        let w = hiWidth
        var crossings = [Double]()
        pixels.withUnsafeMutableBufferPointer { p in
            for y in y0...y1 {
                let cy = Double(y) + 0.5
                crossings.removeAll(keepingCapacity: true)
                var j = pts.count - 1
                for i in 0..<pts.count {
                    let (xi, yi) = pts[i], (xj, yj) = pts[j]
                    if (yi > cy) != (yj > cy) { crossings.append(xi + (cy - yi) / (yj - yi) * (xj - xi)) }
                    j = i
                }
                crossings.sort()
                var k = 0
                while k + 1 < crossings.count {
                    let xa = max(clip.x0, Int((crossings[k] - 0.5).rounded(.up)))
                    let xb = min(clip.x1 - 1, Int((crossings[k + 1] - 0.5).rounded(.down)))
                    if xa <= xb { for x in xa...xb { Self.blend(p, 3 * (y * w + x), color, alpha) } }
                    k += 2
                }
            }
        }
    }

    /// The size in hi-res pixels of one font pixel for text of `size` output pixels.
    func fontUnit(_ size: Double) -> Int { max(1, Int((size * Double(supersampling) / 9).rounded())) }

    /// Width of `text` in output pixels at font `size`.
    func textWidth(_ text: String, size: Double) -> Double {
        Double(BitmapFont.width(text) * fontUnit(size)) / Double(supersampling)
    }

    enum Anchor { case start, middle, end }

    /// Draws `text` with its baseline at y (output pixels). `rotated` turns it 90°
    /// counter-clockwise (reading upwards), anchored along the vertical.
    mutating func text(_ text: String, x: Double, y: Double, size: Double, _ color: ChartColor,
                       anchor: Anchor = .start, rotated: Bool = false, bold: Bool = false) {
        let u = fontUnit(size)
        let s = Double(supersampling)
        let total = Double(BitmapFont.width(text) * u)
        let shift = anchor == .start ? 0 : anchor == .middle ? total / 2 : total
        let ox = Int((x * s).rounded()), oy = Int((y * s).rounded())
        let extra = bold ? max(1, (u + 1) / 2) : 0
        var pen = -Int(shift.rounded())
        for ch in text {
            let g = BitmapFont.glyph(ch)
            for (c, r) in g.cells {
                // Cell origin relative to (text start, baseline), glyph coordinates.
                let gx = pen + c * u, gy = (r - BitmapFont.ascent) * u
                if rotated {
                    fillHi(ox + gy, oy - gx - u - extra, u, u + extra, color)
                } else {
                    fillHi(ox + gx, oy + gy, u + extra, u, color)
                }
            }
            pen += g.advance * u
        }
    }

    private mutating func fillHi(_ x: Int, _ y: Int, _ w: Int, _ h: Int, _ color: ChartColor) {
        guard let (a, b, c, d) = clipped(x, x + w - 1, y, y + h - 1) else { return }
        let width = hiWidth
        pixels.withUnsafeMutableBufferPointer { p in
            for yy in c...d { for xx in a...b { Self.blend(p, 3 * (yy * width + xx), color, 1) } }
        }
    }

    /// The output image: each supersampling block averaged.
    func image() -> PixelImage {
        let s = supersampling, w = hiWidth
        var out = PixelImage(width: width, height: height, channels: 3)
        let n = s * s
        pixels.withUnsafeBufferPointer { p in
            out.pixels.withUnsafeMutableBufferPointer { o in
                for y in 0..<height {
                    for x in 0..<width {
                        var r = 0, g = 0, b = 0
                        for dy in 0..<s {
                            var i = 3 * ((y * s + dy) * w + x * s)
                            for _ in 0..<s { r += Int(p[i]); g += Int(p[i + 1]); b += Int(p[i + 2]); i += 3 }
                        }
                        let o3 = 3 * (y * width + x)
                        o[o3] = UInt8((r + n / 2) / n); o[o3 + 1] = UInt8((g + n / 2) / n); o[o3 + 2] = UInt8((b + n / 2) / n)
                    }
                }
            }
        }
        return out
    }
}

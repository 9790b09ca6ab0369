import Foundation

/// Resizing one plane of bytes by Pillow's bilinear resampling (`Image.resize(size,
/// Image.BILINEAR)`, what torchvision's `Resize((h, w))` does to an image `ImageFolder`
/// reads: bilinear, antialiased), as Pillow's `Resample.c` computes it: against Pillow
/// 13.0.0 (Tests/Fixtures/resize, from Tools/make_resize_fixtures.py) byte for byte when one
/// axis changes or both scale alike, and within 1 (most bytes equal) when the axes scale
/// differently, where Pillow 13 no longer always runs the rows pass first.
///
/// Separable, rows first, then columns, each a weighted sum (Pillow's `Resample.c`). For an
/// axis of `n` inputs resized to `m` outputs, scale = n / m, and the filter is widened to
/// antialias when shrinking: fs = max(scale, 1), support = fs (the bilinear filter's
/// support is 1). Output i is centred at c = (i + ½)·scale and reads inputs
/// xmin = ⌊c − support + ½⌋ ≥ 0 up to xmax = ⌊c + support + ½⌋ ≤ n with weights
/// w(x) = max(0, 1 − |(x − c + ½) / fs|), normalised to sum 1 (in Double), then rounded to
/// fixed point with 22 fractional bits (away from zero). A sum starts at ½ (2²¹), is
/// shifted right by 22 and clamped to 0…255. Only the rows the column pass needs are
/// computed by the row pass, as in Pillow; an axis whose size does not change is not resampled.
enum BilinearResize {
    static let precisionBits = 32 - 8 - 2

    /// Per output index: the first input, the number of inputs and their fixed-point weights.
    static func coefficients(from n: Int, to m: Int) -> (bounds: [(Int, Int)], weights: [[Int32]]) {
        let scale = Double(n) / Double(m)
        let filterScale = max(scale, 1)
        let support = filterScale
        var bounds: [(Int, Int)] = [], weights: [[Int32]] = []
        for i in 0..<m {
            let center = (Double(i) + 0.5) * scale
            let ss = 1 / filterScale
            let xmin = max(Int(center - support + 0.5), 0)
            let xmax = min(Int(center + support + 0.5), n) - xmin
            var k = [Double](repeating: 0, count: max(xmax, 0))
            var total = 0.0
            for x in 0..<max(xmax, 0) {
                let t = abs((Double(x + xmin) - center + 0.5) * ss)
                k[x] = t < 1 ? 1 - t : 0
                total += k[x]
            }
            if total != 0 { for x in k.indices { k[x] /= total } }
            let one = Double(1 << precisionBits)
            weights.append(k.map { Int32($0 < 0 ? -0.5 + $0 * one : 0.5 + $0 * one) })
            bounds.append((xmin, max(xmax, 0)))
        }
        return (bounds, weights)
    }

    static func clip8(_ v: Int32) -> UInt8 {
        if v >= Int32(1 << precisionBits) << 8 { return 255 }
        if v <= 0 { return 0 }
        return UInt8(v >> Int32(precisionBits))
    }

    /// `plane` (height × width bytes) resized to `toHeight` × `toWidth`.
    static func resize(_ plane: ArraySlice<UInt8>, width: Int, height: Int, toWidth: Int, toHeight: Int) -> [UInt8] {
        let base = plane.startIndex
        let (hb, hw) = coefficients(from: width, to: toWidth)
        let (vb, vw) = coefficients(from: height, to: toHeight)
        let half = Int32(1 << (precisionBits - 1))
        // Rows pass, over the rows the columns pass reads.
        let first = vb[0].0, last = vb[toHeight - 1].0 + vb[toHeight - 1].1
        var rows: [UInt8]
        var rowCount = height, rowStart = 0
        if toWidth != width {
            rows = [UInt8](repeating: 0, count: (last - first) * toWidth)
            for y in first..<last {
                for i in 0..<toWidth {
                    var sum = half
                    let (xmin, count) = hb[i]
                    for x in 0..<count { sum = sum &+ Int32(plane[base + y * width + xmin + x]) &* hw[i][x] }
                    rows[(y - first) * toWidth + i] = clip8(sum)
                }
            }
            rowCount = last - first
            rowStart = first
        } else {
            rows = Array(plane)
        }
        guard toHeight != height else { return rows }
        var out = [UInt8](repeating: 0, count: toHeight * toWidth)
        for j in 0..<toHeight {
            let (ymin, count) = vb[j]
            for i in 0..<toWidth {
                var sum = half
                for y in 0..<count { sum = sum &+ Int32(rows[(ymin - rowStart + y) * toWidth + i]) &* vw[j][y] }
                out[j * toWidth + i] = clip8(sum)
            }
        }
        _ = rowCount
        return out
    }
}

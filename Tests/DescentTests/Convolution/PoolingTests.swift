import XCTest
@testable import Descent

/// Max pooling against a plain reference: values with many ties (and a NaN), every row
/// length from 1 to 21 windows (the vectorised 2×2 kernel takes 8 or 4 windows at a time,
/// the last block of a row overlapping), and the general kernel for other windows.
final class PoolingTests: XCTestCase {
    /// torch's rule: the first maximum of the window in row-major order; a NaN wins.
    func reference(_ x: [Float], height h: Int, width w: Int, kernel k: Int, stride s: Int, padding p: Int)
        -> (values: [Float], argmax: [Int]) {
        let oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1
        var values: [Float] = [], argmax: [Int] = []
        for i in 0..<oh {
            for j in 0..<ow {
                var m = -Float.infinity, a = max(0, i * s - p) * w + max(0, j * s - p)
                for r in max(0, i * s - p)..<min(h, i * s - p + k) {
                    for c in max(0, j * s - p)..<min(w, j * s - p + k) where x[r * w + c] > m || x[r * w + c].isNaN {
                        m = x[r * w + c]; a = r * w + c
                    }
                }
                values.append(m); argmax.append(a)
            }
        }
        return (values, argmax)
    }

    func testMaxPoolMatchesTheReference() throws {
        var g = RandomGenerator(seed: 1)
        for (k, s, p) in [(2, 2, 0), (3, 2, 1), (2, 1, 0), (3, 3, 0)] {
            for width in 1...43 where width + 2 * p >= k {
                let height = 2 * k + 1
                var x = (0..<(2 * height * width)).map { _ in Float(Int(g.uniform(0, 4))) }  // values 0…3: many ties
                x[(width * 7) % x.count] = .nan
                let layer = try MaxPool2D(inputShape: [2, height, width], kernel: k, stride: s, padding: p)
                let y = layer.forward(Tensor(shape: [1, 2, height, width], values: x), training: true)
                // The argmax, read back through backward: ∂L/∂y = 1 + index of the output.
                let gy = Tensor(shape: y.shape, values: (0..<y.count).map { Float($0 + 1) })
                let gx = layer.backward(gy, needsInputGradient: true)!.toArray()
                for plane in 0..<2 {
                    let slice = Array(x[(plane * height * width)..<((plane + 1) * height * width)])
                    let r = reference(slice, height: height, width: width, kernel: k, stride: s, padding: p)
                    let n = r.values.count
                    let got = Array(y.toArray()[(plane * n)..<((plane + 1) * n)])
                    XCTAssertTrue(zip(got, r.values).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) },
                                  "k \(k) s \(s) p \(p) width \(width): \(got) vs \(r.values)")
                    if s >= k {  // no overlap: every input gets the label of at most one window
                        var expected = [Float](repeating: 0, count: height * width)
                        for (i, a) in r.argmax.enumerated() { expected[a] = Float(plane * n + i + 1) }
                        XCTAssertEqual(Array(gx[(plane * height * width)..<((plane + 1) * height * width)]), expected,
                                       "argmax, k \(k) s \(s) width \(width)")
                    }
                }
            }
        }
    }
}

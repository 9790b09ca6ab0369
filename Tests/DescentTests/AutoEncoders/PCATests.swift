import XCTest
@testable import Descent

final class PCATests: XCTestCase {
    /// Images on a 2-D affine subspace: two components reconstruct them (up to the 8-bit
    /// quantisation), components are orthonormal and sorted by variance.
    func testPCARecoversALowRankSubspace() throws {
        var g = RandomGenerator(seed: 1)
        let d = 16, n = 400
        let a = (0..<d).map { _ in g.uniform(-1, 1) }, b = (0..<d).map { _ in g.uniform(-1, 1) }
        var pixels: [UInt8] = []
        for _ in 0..<n {
            let (s, t) = (g.uniform(-1, 1), g.uniform(-1, 1))
            for j in 0..<d { pixels.append(UInt8((128 + 40 * s * a[j] + 20 * t * b[j]).rounded())) }
        }
        let set = try ImageSet(count: n, height: 4, width: 4, pixels: pixels, labels: [UInt8](repeating: 0, count: n))
        let p1 = try PCA.fit(set, components: 1), p2 = try PCA.fit(set, components: 2)
        XCTAssertGreaterThan(p2.variances[0], p2.variances[1])
        for i in 0..<2 {
            for j in 0..<2 {
                var dot: Float = 0
                for k in 0..<d { dot += p2.components[i, k] * p2.components[j, k] }
                XCTAssertEqual(dot, i == j ? 1 : 0, accuracy: 1e-4)
            }
        }
        let e1 = try p1.reconstructionMSE(set), e2 = try p2.reconstructionMSE(set)
        XCTAssertLessThan(e2, e1)
        XCTAssertLessThan(e2, 1e-5)  // rounding to bytes: ≤ (0.5/255)² per pixel
        XCTAssertEqual(try p2.encodeAll(set).shape, [n, 2])
    }
}

import XCTest
@testable import Descent

final class SmokeTests: XCTestCase {
    func testGemm() {
        let a = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [3, 2], values: [1, 0, 0, 1, 1, 1])
        let c = Tensor(shape: [2, 2])
        BLAS.gemm(a, b, into: c)
        XCTAssertEqual(c.toArray(), [4, 5, 10, 11])
    }
}

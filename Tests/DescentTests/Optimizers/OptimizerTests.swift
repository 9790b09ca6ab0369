import XCTest
@testable import Descent

/// Optimizer tests (this class is extended in the other files of this folder, so
/// `swift test --filter OptimizerTests` runs them all).
final class OptimizerTests: XCTestCase {
}

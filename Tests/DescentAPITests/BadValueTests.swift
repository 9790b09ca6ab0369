import Descent
import DescentReport
import Foundation
import XCTest

/// Bad values fed to the public initialisers and entry points from outside the module:
/// each throws a `DescentError` that describes the value. None may trap — a trap here would
/// stop the whole test process, and with it every test after this one.
final class BadValueTests: XCTestCase {
    /// The message of the `DescentError` that `body` throws ("no error" if it returns).
    func message(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "no error" } catch let e as DescentError { return e.message } catch { return "not a DescentError: \(error)" }
    }

    func testLayerArguments() {
        var g = RandomGenerator(seed: 0)
        XCTAssertEqual(message { try Linear(0, 10, generator: &g) }, "linear: sizes must be positive, got 0 inputs and 10 outputs")
        XCTAssertEqual(message { try Linear(5, -1, generator: &g) }, "linear: sizes must be positive, got 5 inputs and -1 outputs")
        for p: Float in [1, 1.5, -0.1, .nan, .infinity] {
            XCTAssertTrue(message { try Dropout(p, generator: g) }.hasPrefix("dropout: p must be in [0, 1), got "), "\(p)")
            XCTAssertTrue(message { try MaskingNoise(p, generator: g) }.hasPrefix("masking noise: p must be in [0, 1), got "), "\(p)")
        }
        XCTAssertEqual(message { try Dropout(0, generator: g) }, "no error")
        XCTAssertEqual(message { try Network(layers: [], inputShape: [3]) }, "network: no layers")
        XCTAssertTrue(message { try Network(layers: [Linear(3, 2, generator: &g)], inputShape: [0]) }.contains("positive sizes"))
    }

    func testImageArrays() throws {
        XCTAssertEqual(message { try IDXArray(dimensions: [2, 3], bytes: [1, 2, 3]) }, "IDX: 3 bytes do not fill dimensions 2×3")
        XCTAssertEqual(message { try IDXArray(dimensions: [-1, -3], bytes: [1, 2, 3]) }, "IDX: dimensions -1×-3 must each be in 0…4294967295")
        XCTAssertEqual(message { try IDXArray(dimensions: [], bytes: [1]) }, "IDX: an array needs 1 to 255 dimensions, got 0")
        XCTAssertEqual(message { try IDXArray(dimensions: [Int](repeating: 1, count: 256), bytes: [1]) },
                       "IDX: an array needs 1 to 255 dimensions, got 256")
        XCTAssertTrue(message { try IDXArray(dimensions: [1 << 32 - 1, 1 << 32 - 1, 1 << 32 - 1], bytes: []) }.contains("do not fill"))
        XCTAssertEqual(message { try IDX.header(dimensions: [3, -1]) }, "IDX: dimensions 3×-1 must each be in 0…4294967295")
        XCTAssertEqual(try IDX.header(dimensions: [2, 1]), [0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 1])
        // Sizes an IDX header cannot hold, and sizes whose product overflows an Int.
        XCTAssertEqual(message { try ImageSet(count: 0, height: 1 << 33, width: 1, pixels: [], labels: []) },
                       "images: sizes must be at most 4294967295, got 0×1×8589934592×1")
        XCTAssertTrue(message { try ImageSet(count: 2, channels: 1 << 31, height: 1 << 31, width: 1 << 31, pixels: [], labels: [0, 0]) }
            .contains("pixels do not make 2 images"))
        let set = try ImageSet(count: 2, height: 1, width: 2, pixels: [1, 2, 3, 4], labels: [0, 1])
        XCTAssertEqual(message { try set.subset([1, 2]) }, "images: index 2 is outside 0..<2")
        XCTAssertEqual(message { try set.subset([-1]) }, "images: index -1 is outside 0..<2")
        XCTAssertEqual(try set.subset([1, 0]).pixels, [3, 4, 1, 2])
    }

    /// A safetensors header describing one tensor, followed by `payload` bytes.
    func safetensors(shape: String, offsets: String, payload: Int) -> [UInt8] {
        var json = Array(#"{"w":{"dtype":"F32","shape":\#(shape),"data_offsets":\#(offsets)}}"#.utf8)
        while json.count % 8 != 0 { json.append(0x20) }
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes + json + [UInt8](repeating: 0, count: payload)
    }

    func testCheckpointShapesAndOffsets() throws {
        XCTAssertEqual(try SafeTensors.decode(safetensors(shape: "[2,3]", offsets: "[0,24]", payload: 24)).tensors["w"]?.shape, [2, 3])
        // A negative shape whose product looks right, and one whose product overflows.
        XCTAssertEqual(message { try SafeTensors.decode(safetensors(shape: "[-2,-3]", offsets: "[0,24]", payload: 24)) },
                       "safetensors: 'w' has an impossible shape [-2, -3]")
        XCTAssertEqual(message { try SafeTensors.decode(safetensors(shape: "[4294967296,4294967296]", offsets: "[0,0]", payload: 0)) },
                       "safetensors: 'w' has an impossible shape [4294967296, 4294967296]")
        for offsets in ["[24,0]", "[0,9223372036854775807]", "[-8,16]", "[0,20]"] {
            XCTAssertTrue(message { try SafeTensors.decode(safetensors(shape: "[2,3]", offsets: offsets, payload: 24)) }
                .hasPrefix("safetensors: 'w' offsets"), offsets)
        }
    }

    /// A layer written outside the library that doubles the width of its input.
    final class Twice: Layer {
        private var output: Tensor?
        func forward(_ x: Tensor, training: Bool) -> Tensor {
            let y = Tensor(shape: [x.rows, 2 * x.columns])
            for r in 0..<x.rows { for c in 0..<(2 * x.columns) { y[r, c] = x[r, c % x.columns] } }
            output = y
            return y
        }
        func backward(_ gradOutput: Tensor, needsInputGradient: Bool) -> Tensor? { nil }
    }

    func testEvaluationAndEncoding() throws {
        var g = RandomGenerator(seed: 1)
        let set = try ImageSet(count: 3, height: 2, width: 2, pixels: [UInt8](repeating: 9, count: 12), labels: [0, 1, 2])
        // The last linear layer has 3 outputs, the network gives 6 per example.
        let network = try Network(layers: [Linear(4, 3, generator: &g), Twice()], inputShape: [1, 2, 2])
        XCTAssertEqual(message { try ClassifierEvaluation(network, on: set) },
                       "evaluation: the network gives 6 outputs per example for 3 classes")
        XCTAssertEqual(message { try network.encodeAll(.images(set), layers: 3) },
                       "encode: the network has 2 layers, asked for the codes after 3")
        XCTAssertEqual(message { try network.encodeAll(.images(set), layers: -1) },
                       "encode: the network has 2 layers, asked for the codes after -1")
        XCTAssertEqual(try network.encodeAll(.images(set), layers: 1).shape, [3, 3])
        let wide = try ImageSet(count: 1, height: 3, width: 3, pixels: [UInt8](repeating: 0, count: 9), labels: [0])
        XCTAssertEqual(message { try network.encodeAll(.images(wide)) }, "the model expects inputs of 1x2x2 values, the data have 1x3x3")
    }
}

/// The same for the pictures and charts of `DescentReport`.
final class ReportBadValueTests: XCTestCase {
    func message(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "no error" } catch let e as DescentError { return e.message } catch { return "not a DescentError: \(error)" }
    }

    func testImages() throws {
        XCTAssertEqual(message { try PixelImage(width: -1, height: 2, channels: 1) }, "image: width and height must be in 0…2147483647, got -1×2")
        XCTAssertEqual(message { try PixelImage(width: 1 << 31, height: 1, channels: 1) }, "image: width and height must be in 0…2147483647, got 2147483648×1")
        XCTAssertEqual(message { try PixelImage(width: 2, height: 2, channels: 5) }, "image: 5 channels (1–4 allowed)")
        XCTAssertEqual(message { try PixelImage(width: 2, height: 2, channels: 3, fill: [1, 2]) }, "image: the fill has 2 values for 3 channels")
        XCTAssertEqual(message { try PixelImage(width: 2, height: 2, channels: 1, pixels: [1, 2, 3]) },
                       "image: 3 bytes do not fill 2×2 pixels of 1 channels")
        var image = try PixelImage(width: 2, height: 2, channels: 1)
        image.pixels.removeLast()
        XCTAssertEqual(message { try PNG.encode(image) }, "image: 3 bytes do not fill 2×2 pixels of 1 channels")
        XCTAssertEqual(try PNG.encode(try PixelImage(width: 0, height: 0, channels: 1)).prefix(4), [137, 80, 78, 71])
    }

    func testTilesAndPictures() throws {
        XCTAssertEqual(message { try TileLayout(rows: 0, columns: 3) }, "tiles: the grid must have positive sizes, got 0×3")
        XCTAssertEqual(message { try weightTiles([1, 2, 3], rowCount: 2, tileWidth: 2, tileHeight: 1) },
                       "tiles: 3 values are not 2 rows of 2×1")
        XCTAssertEqual(message { try weightTiles([1, 2], rowCount: 1, tileWidth: 0, tileHeight: 2) },
                       "tiles: need positive tile sizes and a row count ≥ 0, got 1 tiles of 0×2")
        XCTAssertEqual(message { try imageGrid([1, 2], rowCount: 1, tileWidth: 2, tileHeight: 1, scale: 0) },
                       "tiles: the scale must be ≥ 1 and the spacing ≥ 0, got 0 and 1")
        XCTAssertEqual(message { try imageGrid([1, 2, 3, 4], rowCount: 2, tileWidth: 2, tileHeight: 1, layout: TileLayout(rows: 1, columns: 1)) },
                       "tiles: a 1×1 grid cannot hold 2 tiles")
        // Filters of a 32×32 dataset drawn with the default 28×28 tiles.
        XCTAssertEqual(message { try AutoEncoderPictures.filters(Tensor(shape: [4, 1024])) }, "tiles: 4096 values are not 4 rows of 28×28")
        XCTAssertEqual(message { try AutoEncoderPictures.reconstructions([]) }, "reconstructions: every stage needs the same positive number of examples, got []")
        XCTAssertEqual(message { try AutoEncoderPictures.reconstructions([Tensor(shape: [2, 784]), Tensor(shape: [3, 784])]) },
                       "reconstructions: every stage needs the same positive number of examples, got [2, 3]")
    }

    func testChartsAndEvaluationPictures() throws {
        XCTAssertEqual(message { try Series(name: "adam", x: [1, 2], y: [0.5]) }, "series adam: 2 x values for 1 y values")
        XCTAssertEqual(message { try Series(name: "adam", y: [0.5, 0.6], band: [0.1]) }, "series adam: the band has 1 values for 2 y values")
        // Mistakes found on one set, drawn with the images of a smaller one.
        var g = RandomGenerator(seed: 2)
        let network = try Network(layers: [Linear(4, 2, generator: &g)], inputShape: [1, 2, 2])
        let set = try ImageSet(count: 4, height: 2, width: 2, pixels: (0..<16).map { UInt8($0 * 16) }, labels: [0, 1, 0, 1])
        let evaluation = try ClassifierEvaluation(network, on: set)
        let last = try XCTUnwrap(evaluation.mistakes.map(\.index).max())
        XCTAssertEqual(message { try EvaluationPictures.mistakes(evaluation, set: set.prefix(last), classNames: [], title: "") },
                       "mistakes: image \(last) is not in a set of \(last) images")
        XCTAssertEqual(message { try EvaluationPictures.mistakes(evaluation, set: set, classNames: [], title: "") }, "no error")
    }

    /// An error about a value the caller chose says what the value is (`subject`), so that a
    /// caller can name where it came from without reading the message.
    func testErrorsNameTheirSubject() {
        func error(_ body: () throws -> Any) -> DescentError? {
            do { _ = try body(); return nil } catch { return error as? DescentError }
        }
        let lr = error { try Adam.rule.make([.learningRate: -1]) }
        XCTAssertEqual(lr?.subject, .hyperParameter(.learningRate))
        XCTAssertEqual(lr?.message, "adam: lr must be a finite number ≥ 0, got -1.0")
        XCTAssertEqual(error { try SGD.rule.make([.beta1: 0.9]) }?.subject, .hyperParameter(.beta1))
        XCTAssertEqual(error { try OptimizerConfig(kind: .adam, clipNorm: 0).make() }?.subject, .clipNorm)
        let model = error { try ModelSpec.parse("784: linear(10), bogus", registry: .builtIn) }
        XCTAssertEqual(model?.subject, .model)
        XCTAssertEqual(model.map { "model: " + $0.detail }, model?.message)
        XCTAssertTrue(model?.detail.hasPrefix("unknown layer 'bogus'") ?? false, model?.detail ?? "no error")
        XCTAssertNil(error { try Network(layers: [], inputShape: [3]) }?.subject)
    }
}

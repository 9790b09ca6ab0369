import XCTest
import Descent

/// An evaluation from inside an epoch (`Trainer.onStep`, as `descent benchmark` validates
/// every eval-every steps) sees the rule's evaluation point — Schedule-Free's x, not the y
/// its gradients are taken at — and leaves the run bit for bit as it was; an epoch can end
/// at a chosen step (`Trainer.stopsAfterStep`).
final class MidEpochEvaluationTests: XCTestCase {
    let train = MalformedInputs.set(count: 320), validation = MalformedInputs.set(count: 100)

    func trainer() throws -> Trainer {
        let net = try Network(try .mlp(sizes: [784, 24, 10]), seed: 3)
        return try Trainer(net, optimizer: try ScheduleFreeAdamW(learningRate: 0.01), loss: SoftmaxCrossEntropy(), batchSize: 32, seed: 3)
    }

    func weights(_ t: Trainer) -> [Float] { t.network.parameters.flatMap { $0.value.toArray() } }

    func testScheduleFreeIsValidatedAtXAndTrainingIsUndisturbed() throws {
        let quiet = try trainer()
        _ = try quiet.trainEpoch(.images(train))
        let atX = try quiet.evaluate(.images(validation))

        let watched = try trainer()
        var during: [Trainer.Evaluation] = []
        watched.onStep = { _, _ in during.append(try! watched.evaluate(.images(self.validation))) }
        _ = try watched.trainEpoch(.images(train))
        XCTAssertEqual(during.count, 10)
        XCTAssertTrue(weights(watched) == weights(quiet), "validating during the epoch changed the run")
        // The last step's validation is the end of the epoch's: x, as after endTraining.
        XCTAssertEqual(during.last?.loss, atX.loss)
        XCTAssertEqual(during.last?.accuracy, atX.accuracy)
        // y, where the gradients are taken, is another point: its loss differs.
        let y = try trainer()
        var atY = Double.nan
        y.onStep = { step, steps in
            if step == steps { atY = try! Self.lossAsIs(y, self.validation) }
        }
        _ = try y.trainEpoch(.images(train))
        XCTAssertNotEqual(atY, atX.loss, "x and y coincide: the test cannot tell them apart")
    }

    /// The loss of the network with its parameters as they are (no move to x), on a copy.
    static func lossAsIs(_ t: Trainer, _ data: ImageSet) throws -> Double {
        let copy = try Network(try .mlp(sizes: [784, 24, 10]), seed: 3)
        for (a, b) in zip(copy.parameters, t.network.parameters) { a.value.copy(from: b.value) }
        let plain = try Trainer(copy, optimizer: try SGD(), loss: SoftmaxCrossEntropy(), batchSize: 32, seed: 3)
        return try plain.evaluate(.images(data)).loss
    }

    func testAnEpochEndsWhereStopsAfterStepSays() throws {
        let t = try trainer()
        var steps = 0
        t.onStep = { step, _ in steps = step }
        t.stopsAfterStep = { steps == 4 }
        let r = try t.trainEpoch(.images(train))
        XCTAssertEqual(steps, 4)
        XCTAssertEqual(t.stepsDone, 4)
        XCTAssertEqual(t.epochsDone, 1)
        XCTAssertTrue(r.loss.isFinite && r.loss > 0, "the loss averages the 128 examples seen")
        t.stopsAfterStep = nil
        _ = try t.trainEpoch(.images(train))
        XCTAssertEqual(t.stepsDone, 14)
    }
}

import XCTest
@testable import Descent

/// Issue #12 items 2–5 and 9 through the real binary: rejected records are named and redone,
/// a folder holds runs on one set of data, merged reports label what differs, records say
/// what was used, and compare's flags do what they say.
final class RecordTrustCLITests: XCTestCase {
    /// `count` synthetic training images (and 200 test images) in a new folder; `shift`
    /// makes other data of the same shape.
    func data(_ count: Int = 1000, shift: Int = 0) throws -> String {
        let dir = Support.temporaryFolder("data")
        var train = MalformedInputs.set(count: count)
        if shift != 0 {
            train = try ImageSet(count: count, height: 28, width: 28, pixels: train.pixels.map { $0 &+ UInt8(shift) }, labels: train.labels)
        }
        try Support.writeIDX(train, images: dir + "/train-images-idx3-ubyte", labels: dir + "/train-labels-idx1-ubyte")
        try Support.writeIDX(MalformedInputs.set(count: 200), images: dir + "/t10k-images-idx3-ubyte", labels: dir + "/t10k-labels-idx1-ubyte")
        return dir
    }

    func sweep(_ data: String, _ out: String, _ extra: [String] = []) -> [String] {
        ["compare", "--data-dir", data, "--out", out, "--optimizers", "sgd,adam", "--seeds", "1", "--epochs", "1",
         "--model", "784-16-10", "--threads", "1", "--jobs", "1"] + extra
    }

    func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    /// Item 2: a record edited after the fact (an accuracy of 1.7) is named with its line in
    /// the plan and in `report`, not counted as done, and its run is redone.
    func testRejectedLineIsNamedAndRedone() throws {
        let d = try data(), out = Support.temporaryFolder("out")
        XCTAssertEqual(try Support.descent(sweep(d, out)).status, 0)
        var text = try lines(out + "/results.jsonl")
        let accuracy = try XCTUnwrap(text[0].range(of: "\"test_accuracy\":[0-9.e-]+", options: .regularExpression))
        text[0].replaceSubrange(accuracy, with: "\"test_accuracy\":1.7")
        try (text.joined(separator: "\n") + "\n").write(toFile: out + "/results.jsonl", atomically: true, encoding: .utf8)

        let report = try Support.descent(["report", out, "--out", Support.temporaryFolder("report")])
        XCTAssertEqual(report.status, 0, report.stderr)
        XCTAssertTrue(report.stdout.contains("1 runs (1 rejected line(s): \(out)/results.jsonl line 1: test accuracy 1.7 is outside [0, 1] at epoch 1, left out)"), report.stdout)
        // The records file itself, without --out: the report goes into the folder holding it.
        let beside = try Support.descent(["report", out + "/results.jsonl"])
        XCTAssertEqual(beside.status, 0, beside.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/summary.md"), beside.stdout)

        let r = try Support.descent(sweep(d, out))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("2 runs, 1 already done, 1 to run"), r.stdout)
        XCTAssertTrue(r.stdout.contains("1 rejected line(s): \(out)/results.jsonl line 1: test accuracy 1.7"), r.stdout)
        let c = try ResultsStore(path: out + "/results.jsonl").read()
        XCTAssertEqual(c.records.count, 2)
        XCTAssertEqual(c.rejected.map(\.line), [1])
        XCTAssertEqual(try lines(out + "/results.jsonl").count, 3, "the rejected line stays, the redone run is appended")
    }

    /// Item 4: a folder of runs on one data set fed other files (same shape, same dataset
    /// name) refuses in one line and changes nothing; its own data are all done.
    func testOtherDataInTheFolderIsRefused() throws {
        let d = try data(), other = try data(shift: 1), out = Support.temporaryFolder("out")
        XCTAssertEqual(try Support.descent(sweep(d, out)).status, 0)
        let before = try String(contentsOfFile: out + "/results.jsonl", encoding: .utf8)
        let r = try Support.descent(sweep(other, out))
        XCTAssertEqual(r.status, 1)
        let errors = r.stderr.split(separator: "\n")
        XCTAssertEqual(errors.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("descent: error: \(out) holds 2 run(s) on other data than \(other)"), r.stderr)
        XCTAssertEqual(try String(contentsOfFile: out + "/results.jsonl", encoding: .utf8), before)
        XCTAssertTrue(try Support.descent(sweep(d, out)).stdout.contains("2 runs, 2 already done, 0 to run"))

        // Both sets in one report: two groups per optimizer, labelled by their data.
        let out2 = Support.temporaryFolder("out2")
        XCTAssertEqual(try Support.descent(sweep(other, out2)).status, 0)
        let merged = Support.temporaryFolder("merged")
        let m = try Support.descent(["report", out, out2, "--out", merged])
        XCTAssertEqual(m.status, 0, m.stderr)
        XCTAssertTrue(m.stdout.hasPrefix("4 runs; the runs differ in data"), m.stdout)
        let csv = try lines(merged + "/summary.csv")
        XCTAssertEqual(csv.count, 5, csv.joined(separator: "\n"))
        let labels = csv.dropFirst().map { String($0.split(separator: ",")[0]) }
        XCTAssertEqual(Set(labels).count, 4, "\(labels)")
        XCTAssertTrue(labels.allSatisfy { $0.contains(" · data ") }, "\(labels)")
    }

    /// Item 3: sweeps of 1 and 2 epochs merged: the header says the runs differ in epochs,
    /// every row says its epochs, nothing is averaged across them.
    func testReportLabelsRowsByWhatDiffers() throws {
        let d = try data(), one = Support.temporaryFolder("one"), two = Support.temporaryFolder("two")
        XCTAssertEqual(try Support.descent(sweep(d, one)).status, 0)
        XCTAssertEqual(try Support.descent(sweep(d, two, ["--epochs", "2"])).status, 0)
        let merged = Support.temporaryFolder("merged")
        let r = try Support.descent(["report", one, two, "--out", merged])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("the runs differ in epochs"), r.stdout)
        let md = try String(contentsOfFile: merged + "/summary.md", encoding: .utf8)
        XCTAssertTrue(md.contains("fashion-mnist, model 784-16-10 (relu, dropout 0.1/0.5), minibatch 128, all 1000 training images, 1 seed(s). The runs differ in epochs: each row is labelled with its own"), md)
        for label in ["SGD · 1 epochs", "SGD · 2 epochs", "Adam · 1 epochs", "Adam · 2 epochs"] {
            XCTAssertTrue(md.contains("| \(label) | 1 |"), "\(label) in\n\(md)")
        }
        let html = try String(contentsOfFile: merged + "/report.html", encoding: .utf8)
        XCTAssertTrue(html.contains("The runs differ in epochs"), "the page says so too")
    }

    /// Item 5: the quick preset's limit of 10,000 on 1,000 images is recorded as no limit,
    /// with the 1,000 images used, and the summary says so; `train` records what it used too.
    func testRecordsSayWhatWasUsed() throws {
        let d = try data(), out = Support.temporaryFolder("out")
        let r = try Support.descent(sweep(d, out, ["--preset", "quick", "--optimizers", "sgd"]))
        XCTAssertEqual(r.status, 0, r.stderr)
        let record = try XCTUnwrap(try ResultsStore(path: out + "/results.jsonl").read().records.first)
        XCTAssertNil(record.config.trainLimit)
        XCTAssertEqual(record.data?.trainImages, 1000)
        XCTAssertEqual(record.data?.testImages, 200)
        XCTAssertFalse(try String(contentsOfFile: out + "/results.jsonl", encoding: .utf8).contains("train_limit"))
        XCTAssertTrue(try String(contentsOfFile: out + "/summary.md", encoding: .utf8).contains("all 1000 training images"))
        XCTAssertEqual(record.environment.kernels, BLAS.kernels)
        XCTAssertNil(record.environment.lapack, "SGD never loads LAPACK")
        // Shampoo's inverse roots (first at step 10; 2 epochs are 16 steps) run on LAPACK: its
        // record names those kernels too.
        let shampoo = Support.temporaryFolder("shampoo")
        XCTAssertEqual(try Support.descent(sweep(d, shampoo, ["--optimizers", "shampoo", "--epochs", "2"])).status, 0)
        let roots = try XCTUnwrap(try ResultsStore(path: shampoo + "/results.jsonl").read().records.first)
        XCTAssertEqual(roots.environment.lapack, OpenBLAS.kernels)
        XCTAssertTrue(roots.environment.lapack?.hasPrefix("OpenBLAS ") == true, "\(roots.environment)")

        let limited = Support.temporaryFolder("limited")
        XCTAssertEqual(try Support.descent(sweep(d, limited, ["--train-limit", "300", "--optimizers", "sgd"])).status, 0)
        let kept = try XCTUnwrap(try ResultsStore(path: limited + "/results.jsonl").read().records.first)
        XCTAssertEqual(kept.config.trainLimit, 300)
        XCTAssertEqual(kept.data?.trainImages, 300)
        XCTAssertTrue(try String(contentsOfFile: limited + "/summary.md", encoding: .utf8).contains("first 300 training images"))

        let trained = Support.temporaryFolder("train")
        let t = try Support.descent(["train", "--data-dir", d, "--model", "784-16-10", "--epochs", "1", "--threads", "1",
                                     "--train-limit", "5000", "--batch-size", "10000000", "--out", trained])
        XCTAssertEqual(t.status, 0, t.stderr)
        let run = try Checkpoint.read(trained + "/model.safetensors").runConfig(as: RunSpec.self)
        XCTAssertNil(run.config.trainLimit)
        XCTAssertEqual(run.config.batchSize, 1000, "minibatches of at most the training set")
    }

    /// Item 9: --seed is the first seed, the hyper-parameter flags apply to every optimizer
    /// compared (and are shown in the labels), a repeated optimizer is refused.
    func testCompareFlagsDoWhatTheySay() throws {
        let d = try data(), out = Support.temporaryFolder("out")
        let r = try Support.descent(sweep(d, out, ["--optimizers", "sgd,momentum", "--seed", "5", "--seeds", "2", "--lr", "0.05"]))
        XCTAssertEqual(r.status, 0, r.stderr)
        let records = try ResultsStore(path: out + "/results.jsonl").read().records
        XCTAssertEqual(Set(records.map(\.seed)), [5, 6])
        XCTAssertEqual(Set(records.map(\.config.optimizer.learningRate)), [0.05])
        let md = try String(contentsOfFile: out + "/summary.md", encoding: .utf8)
        XCTAssertTrue(md.contains("| sgd(lr=0.05) | 2 |") && md.contains("| momentum(lr=0.05, "), "labels name the learning rate:\n\(md)")
        let twice = try Support.descent(sweep(d, Support.temporaryFolder("twice"), ["--optimizers", "sgd,adam,sgd"]))
        XCTAssertEqual(twice.status, 2, "a bad value is a usage error")
        XCTAssertTrue(twice.stderr.contains("--optimizers: sgd is listed twice"), twice.stderr)
    }
}

import Foundation
@testable import Descent
#if canImport(Glibc)
import Glibc
#endif

/// One bad input for the battery: the `descent` arguments that feed it, and the fragments
/// the one-line error must contain (the file or flag, and what is wrong).
struct MalformedInput {
    let name: String
    let arguments: [String]
    let mentions: [String]
    /// Extra environment variables for the run.
    var environment: [String: String] = [:]
    /// Whether the test may add `--out <folder with earlier results>` (false when the case is about `--out`).
    var takesOut = true
    /// Whether the case must run as a user file permissions apply to (`Unprivileged`):
    /// root reads a file of mode 000, so the case would not be malformed for root.
    var unprivileged = false
}

/// Builds every malformed input programmatically from a small valid dataset (no binary
/// fixtures): 48 training and 24 test images of 28×28 pixels, written as the four
/// standard gzip'd IDX files, then one file (or flag) broken per case, each in its own folder.
enum MalformedInputs {
    static let trainImages = "train-images-idx3-ubyte.gz"
    static let trainLabels = "train-labels-idx1-ubyte.gz"
    static let testImages = "t10k-images-idx3-ubyte.gz"
    static let testLabels = "t10k-labels-idx1-ubyte.gz"

    /// A valid image set of `count` images of `side × side` pixels, labels 0…9.
    static func set(count: Int, height: Int = 28, width: Int = 28) -> ImageSet {
        let f = height * width
        var pixels = [UInt8](repeating: 0, count: count * f)
        for i in 0..<count { for j in 0..<f { pixels[i * f + j] = UInt8((i * 31 + j * 7) % 256) } }
        return try! ImageSet(count: count, height: height, width: width, pixels: pixels,
                        labels: (0..<count).map { UInt8($0 % 10) })
    }

    /// Writes a valid gzip'd dataset into `dir` (created).
    static func writeValid(_ dir: String, height: Int = 28, width: Int = 28, gzip: Bool = true) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let train = set(count: 48, height: height, width: width), test = set(count: 24, height: height, width: width)
        for (s, images, labels) in [(train, DatasetFile.trainImages, DatasetFile.trainLabels), (test, .testImages, .testLabels)] {
            let name = { (f: DatasetFile) in dir + "/" + (gzip ? f.fileName : f.uncompressedName) }
            try IDX.write(IDXArray(dimensions: [s.count, s.height, s.width], bytes: s.pixels), to: name(images), gzip: gzip)
            try IDX.write(IDXArray(dimensions: [s.count], bytes: s.labels), to: name(labels), gzip: gzip)
        }
    }

    static func bytes(_ path: String) -> [UInt8] { Array(FileManager.default.contents(atPath: path)!) }
    static func put(_ bytes: [UInt8], _ path: String) { _ = FileManager.default.createFile(atPath: path, contents: Data(bytes)) }

    /// Big-endian IDX header.
    static func header(_ b2: UInt8, _ dims: [UInt32], b0: UInt8 = 0, b1: UInt8 = 0) -> [UInt8] {
        var h: [UInt8] = [b0, b1, b2, UInt8(dims.count)]
        for d in dims { h += [UInt8(d >> 24), UInt8((d >> 16) & 0xFF), UInt8((d >> 8) & 0xFF), UInt8(d & 0xFF)] }
        return h
    }

    static func gz(_ raw: [UInt8]) throws -> [UInt8] { try Gzip.compress(raw) }

    /// Every case, each in its own folder under `root`.
    static func all(root: String) throws -> [MalformedInput] {
        var cases: [MalformedInput] = []
        var n = 0
        /// A fresh valid dataset folder, broken by `breakIt`.
        func data(_ name: String, height: Int = 28, width: Int = 28, gzip: Bool = true,
                  _ breakIt: (String) throws -> Void) throws -> String {
            n += 1
            let dir = root + "/\(n)-" + name
            try writeValid(dir, height: height, width: width, gzip: gzip)
            try breakIt(dir)
            return dir
        }
        func train(_ dir: String, _ extra: [String] = []) -> [String] {
            ["train", "--data-dir", dir, "--offline", "--model", "784-16-10", "--epochs", "1", "--threads", "1"] + extra
        }
        func add(_ name: String, _ file: String, _ what: [String], height: Int = 28, width: Int = 28, gzip: Bool = true,
                 unprivileged: Bool = false, _ breakIt: (String) throws -> Void) throws {
            let dir = try data(name, height: height, width: width, gzip: gzip, breakIt)
            cases.append(MalformedInput(name: name, arguments: train(dir), mentions: [file] + what, unprivileged: unprivileged))
        }

        // gzip damage (training images unless stated).
        let gzSize = bytes(try data("probe") { _ in } + "/" + trainImages).count
        for (label, cut) in [("in the gzip header", 5), ("after the header", 12), ("mid-stream", gzSize / 2),
                             ("before the trailer", gzSize - 8), ("inside the trailer", gzSize - 3)] {
            try add("gz truncated \(label)", trainImages, ["truncated"]) { d in
                put(Array(bytes(d + "/" + trainImages).prefix(cut)), d + "/" + trainImages)
            }
        }
        try add("gz only the magic", trainLabels, ["gzip"]) { d in put([0x1f, 0x8b], d + "/" + trainLabels) }
        try add("bad gzip CRC", trainImages, ["CRC"]) { d in
            var b = bytes(d + "/" + trainImages); b[b.count - 8] ^= 0xFF; put(b, d + "/" + trainImages)
        }
        try add("bad gzip length trailer", testImages, ["length"]) { d in
            var b = bytes(d + "/" + testImages); b[b.count - 1] ^= 0x01; put(b, d + "/" + testImages)
        }
        try add("corrupt deflate data", trainImages, ["gzip"]) { d in
            var b = bytes(d + "/" + trainImages); for i in 10..<min(40, b.count - 8) { b[i] = 0xFF }; put(b, d + "/" + trainImages)
        }
        try add("trailing garbage after gzip", testLabels, ["trailing garbage"]) { d in
            put(bytes(d + "/" + testLabels) + Array("junk!".utf8), d + "/" + testLabels)
        }
        try add("gzip of a text file", trainLabels, ["not an IDX file", "magic"]) { d in
            put(try gz(Array("hello, this is not IDX\n".utf8)), d + "/" + trainLabels)
        }

        // IDX header damage (raw files, so the header bytes are the file's bytes).
        let raw = { (f: DatasetFile) in f.uncompressedName }
        try add("wrong IDX magic", raw(.trainImages), ["magic"], gzip: false) { d in
            var b = bytes(d + "/" + raw(.trainImages)); b[0] = 0x12; b[1] = 0x34; put(b, d + "/" + raw(.trainImages))
        }
        try add("dtype float32", raw(.trainImages), ["data type", "0x0d"], gzip: false) { d in
            var b = bytes(d + "/" + raw(.trainImages)); b[2] = 0x0D; put(b, d + "/" + raw(.trainImages))
        }
        try add("dtype unknown 0x07", raw(.testLabels), ["data type", "0x07"], gzip: false) { d in
            var b = bytes(d + "/" + raw(.testLabels)); b[2] = 0x07; put(b, d + "/" + raw(.testLabels))
        }
        try add("labels with 3 dimensions", raw(.trainLabels), ["dimensions"], gzip: false) { d in
            put(header(8, [48, 1, 1]) + [UInt8](repeating: 1, count: 48), d + "/" + raw(.trainLabels))
        }
        try add("images with 1 dimension", raw(.testImages), ["dimensions"], gzip: false) { d in
            put(header(8, [24]) + [UInt8](repeating: 1, count: 24), d + "/" + raw(.testImages))
        }
        try add("0 dimensions", raw(.trainLabels), ["dimensions"], gzip: false) { d in
            put(header(8, []), d + "/" + raw(.trainLabels))
        }
        try add("header shorter than 4 bytes", raw(.trainLabels), ["too short"], gzip: false) { d in
            put([0, 0, 8], d + "/" + raw(.trainLabels))
        }
        try add("header cut inside dimensions", raw(.trainImages), ["truncated header"], gzip: false) { d in
            put(Array(header(8, [48, 28, 28]).prefix(9)), d + "/" + raw(.trainImages))
        }
        try add("dimensions overflow", raw(.trainImages), ["overflow"], gzip: false) { d in
            put(header(8, [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF]), d + "/" + raw(.trainImages))
        }
        try add("dimensions larger than the file", raw(.trainImages), ["truncated", "60000"], gzip: false) { d in
            put(header(8, [60000, 28, 28]) + [UInt8](repeating: 0, count: 100), d + "/" + raw(.trainImages))
        }
        try add("payload cut short", raw(.testImages), ["truncated"], gzip: false) { d in
            put(bytes(d + "/" + raw(.testImages)).dropLast(100), d + "/" + raw(.testImages))
        }
        try add("payload too long", raw(.trainLabels), ["trailing bytes"], gzip: false) { d in
            put(bytes(d + "/" + raw(.trainLabels)) + [1, 2, 3], d + "/" + raw(.trainLabels))
        }
        try add("gz dimensions disagree with the size", testImages, ["truncated", "25×28×28"]) { d in
            put(try gz(header(8, [25, 28, 28]) + set(count: 24).pixels), d + "/" + testImages)
        }

        // Files that disagree with each other or with the model.
        try add("train image/label count mismatch", trainLabels, ["47 labels", "48 images"]) { d in
            put(try gz(header(8, [47]) + [UInt8](repeating: 1, count: 47)), d + "/" + trainLabels)
        }
        try add("test image/label count mismatch", testLabels, ["30 labels", "24 images"]) { d in
            put(try gz(header(8, [30]) + [UInt8](repeating: 1, count: 30)), d + "/" + testLabels)
        }
        try add("test images 20×20, training 28×28", testImages, ["20×20", "28×28"]) { d in
            put(try gz(header(8, [24, 20, 20]) + set(count: 24, height: 20, width: 20).pixels), d + "/" + testImages)
        }
        try add("zero images", trainImages, ["no images"]) { d in
            put(try gz(header(8, [0, 28, 28])), d + "/" + trainImages)
            put(try gz(header(8, [0])), d + "/" + trainLabels)
        }
        try add("images of 0 columns", trainImages, ["28×0"]) { d in
            put(try gz(header(8, [48, 28, 0])), d + "/" + trainImages)
        }
        do {  // 20×20 images, consistent: the default-sized 784 model cannot take them.
            let dir = try data("20x20 images, 784-input model", height: 20, width: 20) { _ in }
            cases.append(MalformedInput(name: "20x20 images, 784-input model", arguments: train(dir),
                                        mentions: ["--model 784-16-10", "784 inputs", "20×20 = 400", dir]))
        }
        do {
            let dir = try data("label 200 with 10 classes") { d in
                var labels = [UInt8](repeating: 3, count: 48); labels[7] = 200
                put(try gz(header(8, [48]) + labels), d + "/" + trainLabels)
            }
            cases.append(MalformedInput(name: "label 200 with 10 classes", arguments: train(dir),
                                        mentions: ["--model", "10 classes", "200", dir]))
        }

        // Wrong kinds of files.
        try add("empty images file", trainImages, ["empty"]) { d in put([], d + "/" + trainImages) }
        try add("empty labels file (raw)", raw(.testLabels), ["empty"], gzip: false) { d in put([], d + "/" + raw(.testLabels)) }
        try add("directory instead of a file", trainImages, ["is a directory"]) { d in
            try FileManager.default.removeItem(atPath: d + "/" + trainImages)
            try FileManager.default.createDirectory(atPath: d + "/" + trainImages, withIntermediateDirectories: false)
        }
        try add("FIFO instead of a file", testLabels, ["not a regular file"]) { d in
            try FileManager.default.removeItem(atPath: d + "/" + testLabels)
            guard mkfifo(d + "/" + testLabels, 0o644) == 0 else { throw DescentError("mkfifo failed") }
        }
        try add("symlink to itself", trainLabels, ["symbolic links"]) { d in
            try FileManager.default.removeItem(atPath: d + "/" + trainLabels)
            guard symlink(trainLabels, d + "/" + trainLabels) == 0 else { throw DescentError("symlink failed") }
        }
        try add("missing test labels", "t10k-labels-idx1-ubyte", ["missing"]) { d in
            try FileManager.default.removeItem(atPath: d + "/" + testLabels)
        }
        try add("unreadable file", trainImages, ["permission denied"], unprivileged: true) { d in
            Unprivileged.makeReachable(d)
            chmod(d + "/" + trainImages, 0)
        }
        do {
            let file = root + "/data-dir-is-a-file"
            put([1, 2, 3], file)
            cases.append(MalformedInput(name: "--data-dir is a file", arguments: train(file), mentions: [file, "not a directory"]))
            cases.append(MalformedInput(name: "--data-dir missing", arguments: train(root + "/nowhere"),
                                        mentions: [root + "/nowhere", "no such directory"]))
        }

        // A download whose SHA-256 does not match: a local mirror serving valid but wrong files.
        do {
            let mirror = try data("mirror with wrong files") { _ in }
            let cache = root + "/download-cache"
            cases.append(MalformedInput(
                name: "SHA-256 mismatch after download",
                arguments: ["train", "--dataset", "kmnist", "--model", "784-16-10", "--epochs", "1", "--threads", "1"],
                mentions: ["SHA-256 mismatch", "train-images-idx3-ubyte.gz"],
                environment: ["XDG_CACHE_HOME": cache, "DESCENT_MIRRORS": "file://" + mirror + "/"]))
        }

        // Bad flags (on a valid dataset).
        let good = try data("valid") { _ in }
        let flags: [(String, [String], [String])] = [
            ("unknown optimizer", ["--optimizer", "adabelief"], ["adabelief", "--optimizer"]),
            ("negative lr", ["--lr", "-1"], ["--lr", "-1"]),
            ("NaN lr", ["--lr", "nan"], ["--lr", "nan"]),
            ("infinite lr", ["--lr", "inf"], ["--lr", "inf"]),
            ("zero lr", ["--lr", "0"], ["--lr"]),
            ("lr not a number", ["--lr", "fast"], ["--lr", "fast"]),
            ("NaN eps", ["--eps", "nan"], ["--eps"]),
            ("malformed --model 784-x-10", ["--model", "784-x-10"], ["--model", "784-x-10"]),
            ("--model with one size", ["--model", "784"], ["--model", "784"]),
            ("--model with a zero layer", ["--model", "784-0-10"], ["--model", "784-0-10"]),
            ("epochs 0", ["--epochs", "0"], ["--epochs", "0"]),
            ("epochs negative", ["--epochs", "-3"], ["--epochs", "-3"]),
            ("epochs not a number", ["--epochs", "ten"], ["--epochs", "ten"]),
            ("batch size 0", ["--batch-size", "0"], ["--batch-size"]),
            ("threads 0", ["--threads", "0"], ["--threads"]),
            ("threads negative", ["--threads", "-2"], ["--threads", "-2"]),
            ("threads 65", ["--threads", "65"], ["--threads", "65"]),
            ("threads 100000", ["--threads", "100000"], ["--threads", "100000"]),
            ("hidden dropout NaN", ["--hidden-dropout", "nan"], ["--hidden-dropout", "nan"]),
            ("lr missing its value", ["--lr"], ["--lr"]),
            ("momentum given to adam", ["--optimizer", "adam", "--momentum", "0.9"], ["momentum", "does not apply"]),
            ("rho given to sgd", ["--optimizer", "sgd", "--rho", "0.5"], ["rho", "does not apply"]),
            ("adam beta1 1.5", ["--optimizer", "adam", "--beta1", "1.5"], ["beta1", "1.5"]),
            ("rmsprop alpha 2", ["--optimizer", "rmsprop", "--alpha", "2"], ["alpha", "2"]),
            ("train limit 0", ["--train-limit", "0"], ["--train-limit"]),
            ("input dropout 1.5", ["--input-dropout", "1.5"], ["--input-dropout", "1.5"]),
            ("negative seed", ["--seed", "-1"], ["--seed", "-1"]),
            ("unknown dataset", ["--dataset", "cifar"], ["--dataset", "cifar"]),
            ("unknown flag", ["--learning-rate", "0.1"], ["--learning-rate"]),
        ]
        for (name, extra, mentions) in flags {
            cases.append(MalformedInput(name: name, arguments: train(good) + extra, mentions: mentions))
        }
        let file = root + "/a-file"
        put([1], file)
        for (name, out, mentions) in [("--out under a file", "/proc/version/out", ["--out", "/proc/version/out"]),
                                      ("--out is a file", file, ["--out", file]),
                                      ("--out in a read-only place", "/proc/descent-out", ["--out", "/proc/descent-out"])] {
            cases.append(MalformedInput(name: name, arguments: train(good) + ["--out", out], mentions: mentions, takesOut: false))
        }
        let compare = ["compare", "--data-dir", good, "--seeds", "1", "--epochs", "1", "--model", "784-16-10", "--threads", "1"]
        cases.append(MalformedInput(name: "compare: unknown optimizer in list", arguments: compare + ["--optimizers", "sgd,adabelief"],
                                    mentions: ["--optimizers", "adabelief"]))
        cases.append(MalformedInput(name: "compare: shard 3/2", arguments: compare + ["--shard", "3/2"], mentions: ["shard", "3/2"]))
        // Scheduler variables that name no shard (see SchedulerEnvironmentTests for the mapping).
        for (name, env, mentions) in [
            ("garbage SLURM_ARRAY_TASK_ID", ["SLURM_ARRAY_TASK_ID": "abc", "SLURM_ARRAY_TASK_COUNT": "4"], ["SLURM_ARRAY_TASK_ID", "abc"]),
            ("Slurm id without a count", ["SLURM_ARRAY_TASK_ID": "2"], ["SLURM_ARRAY_TASK_COUNT"]),
            ("Slurm id not in the stepped array", ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "0",
                                                   "SLURM_ARRAY_TASK_MAX": "6", "SLURM_ARRAY_TASK_STEP": "2"], ["SLURM_ARRAY_TASK_ID=3"]),
            ("garbage JOB_COMPLETION_INDEX", ["JOB_COMPLETION_INDEX": "1x", "DESCENT_SHARD_COUNT": "4"], ["JOB_COMPLETION_INDEX", "1x"]),
            ("DESCENT_SHARD_COUNT=x", ["JOB_COMPLETION_INDEX": "1", "DESCENT_SHARD_COUNT": "x"], ["DESCENT_SHARD_COUNT", "'x'"]),
        ] as [(String, [String: String], [String])] {
            cases.append(MalformedInput(name: "compare: " + name, arguments: compare, mentions: mentions, environment: env))
        }
        // Flags that would do nothing or the wrong thing (#12 item 9), and absurd sizes (item 6).
        for (name, extra, mentions) in [
            ("a seed count that segfaulted", ["--seeds", "9223372036854775807"], ["--seeds", "9223372036854775807"]),
            ("seeds past the largest seed", ["--seed", "18446744073709551615", "--seeds", "2"], ["--seed 18446744073709551615"]),
            ("an optimizer twice", ["--optimizers", "sgd,sgd"], ["--optimizers", "sgd is listed twice"]),
            ("momentum for sgd", ["--optimizers", "sgd,momentum", "--momentum", "0.5"], ["--momentum", "does not apply to sgd"]),
            ("beta1 1.5 for adam", ["--optimizers", "adam", "--beta1", "1.5"], ["beta1", "1.5"]),
            ("a model of 10^8 units", ["--model", "784-100000000-10"], ["--model 784-100000000-10", "needs about", "available"]),
        ] as [(String, [String], [String])] {
            let base = extra.first == "--model" ? compare.filter { $0 != "784-16-10" && $0 != "--model" } : compare
            cases.append(MalformedInput(name: "compare: " + name, arguments: base + extra, mentions: mentions))
        }
        for (name, arguments, mentions) in [
            ("train: a model of 10^8 units", train(good).filter { $0 != "784-16-10" && $0 != "--model" } + ["--model", "784-100000000-10"],
             ["--model 784-100000000-10", "needs about", "TB", "available"]),
            ("train: a layer of 10^9 units, huge batch", train(good).filter { $0 != "784-16-10" && $0 != "--model" }
                + ["--model", "linear(1000000000), relu, linear(10)", "--batch-size", "10000000"], ["--model linear(1000000000), relu, linear(10) --batch-size 10000000", "minibatches of 48", "needs about"]),
            ("train: a layer of Int.max units", train(good).filter { $0 != "784-16-10" && $0 != "--model" } + ["--model", "784-9223372036854775807-10"],
             ["--model", "units must be at most 2147483647", "9223372036854775807"]),
            ("train: layers of 2^31 - 1 units", train(good).filter { $0 != "784-16-10" && $0 != "--model" } + ["--model", "784-2147483647-2147483647-10"],
             ["--model 784-2147483647-2147483647-10", "needs about"]),
            ("autoencoder --hidden 10^8", ["autoencoder", "--hidden", "100000000", "--data-dir", good, "--offline", "--epochs", "1", "--threads", "1", "--no-pictures"],
             ["--hidden 100000000", "needs about"]),
            ("stacked --model 784-10^8-25", ["stacked", "--model", "784-100000000-25", "--data-dir", good, "--offline", "--threads", "1", "--no-pictures"],
             ["--model 784-100000000-25", "needs about"]),
        ] as [(String, [String], [String])] {
            cases.append(MalformedInput(name: name, arguments: arguments, mentions: mentions))
        }
        let crc = cases.first { $0.name == "bad gzip CRC" }!.arguments[2]
        cases.append(MalformedInput(name: "compare: corrupt data", arguments: ["compare", "--data-dir", crc, "--seeds", "1",
                                                                               "--epochs", "1", "--model", "784-16-10", "--threads", "1"],
                                    mentions: [trainImages, "CRC"]))
        cases.append(MalformedInput(name: "compare: 784 model on 20×20 images",
                                    arguments: ["compare", "--data-dir", cases.first { $0.name.hasPrefix("20x20") }!.arguments[2],
                                                "--seeds", "1", "--epochs", "1", "--model", "784-16-10", "--threads", "1"],
                                    mentions: ["--model", "20×20"]))
        cases.append(MalformedInput(name: "report: missing folder", arguments: ["report", root + "/no-results"],
                                    mentions: [root + "/no-results"], takesOut: false))

        // Labels out of range for the model, in every command that reads labels.
        let badLabels = cases.first { $0.name == "label 200 with 10 classes" }!.arguments[2]
        let ae = ["--data-dir", badLabels, "--offline", "--epochs", "1", "--threads", "1", "--no-pictures"]
        cases.append(MalformedInput(name: "autoencoder probe: label 200", arguments: ["autoencoder", "--hidden", "8"] + ae,
                                    mentions: ["linear probe", "10 classes", "200", badLabels]))
        cases.append(MalformedInput(name: "stacked probe: label 200",
                                    arguments: ["stacked", "--model", "784-8-4", "--pretrain-epochs", "1", "--finetune-epochs", "1",
                                                "--data-dir", badLabels, "--offline", "--threads", "1", "--no-pictures"],
                                    mentions: ["linear probe", "10 classes", "200", badLabels]))

        // Model descriptions.
        cases.append(MalformedInput(name: "--model with an unknown layer", arguments: train(good).filter { $0 != "784-16-10" && $0 != "--model" } + ["--model", "linear(16), swish, linear(10)"],
                                    mentions: ["--model", "unknown layer 'swish'"]))
        cases.append(MalformedInput(name: "--model not closed", arguments: train(good).filter { $0 != "784-16-10" && $0 != "--model" } + ["--model", "linear(16"],
                                    mentions: ["--model", "missing ')'"]))
        // Sizes whose arithmetic would overflow 64 bits (kind 2): a sentence, not a trap.
        for (name, text) in [("input 9999999999x9999999999", "9999999999x9999999999: linear(10)"),
                             ("conv2d padding 2^63-1", "1x28x28: conv2d(6, 3, padding=9223372036854775807), flatten, linear(10)"),
                             ("conv2d stride 2^62 on 3 sizes", "7x3000000000x5: conv2d(2, 1, stride=4611686018427387904), flatten, linear(10)")] {
            cases.append(MalformedInput(name: "--model " + name, arguments: train(good).filter { $0 != "784-16-10" && $0 != "--model" } + ["--model", text],
                                        mentions: ["--model", "\(ModelSpec.largestSize)"]))
        }
        cases.append(MalformedInput(name: "autoencoder --model with --hidden", arguments: ["autoencoder", "--model", "seed-ae", "--hidden", "50"] + ae,
                                    mentions: ["--model", "--hidden"]))
        cases.append(MalformedInput(name: "autoencoder --model without '|'", arguments: ["autoencoder", "--model", "linear(30), sigmoid, linear(784)", "--data-dir", good, "--epochs", "1"],
                                    mentions: ["--model", "'|'"]))

        // Checkpoints: a classifier trained here for 1 epoch, resumed or evaluated wrongly.
        let trained = root + "/trained"
        let made = try Support.descent(train(good) + ["--out", trained])
        guard made.status == 0 else { throw DescentError("battery: could not train the checkpoint: \(made.stderr)") }
        let checkpoint = trained + "/model.safetensors"
        cases.append(MalformedInput(name: "resume with another optimizer", arguments: ["train", "--data-dir", good, "--offline", "--model", "784-16-10", "--epochs", "2", "--threads", "1", "--optimizer", "sgd", "--resume", checkpoint],
                                    mentions: ["--resume", checkpoint, "optimizer.kind = adam", "sgd"]))
        cases.append(MalformedInput(name: "resume with another model", arguments: ["train", "--data-dir", good, "--offline", "--model", "784-20-10", "--epochs", "2", "--threads", "1", "--resume", checkpoint],
                                    mentions: ["--resume", checkpoint, "config.model"]))
        cases.append(MalformedInput(name: "resume to epochs already reached", arguments: ["train", "--data-dir", good, "--offline", "--model", "784-16-10", "--epochs", "1", "--threads", "1", "--resume", checkpoint],
                                    mentions: ["--resume", "already been trained for 1 epoch(s)"]))
        cases.append(MalformedInput(name: "resume with another thread count", arguments: ["train", "--data-dir", good, "--offline", "--model", "784-16-10", "--epochs", "2", "--threads", "2", "--resume", checkpoint],
                                    mentions: ["--threads 2", "1 thread(s)"]))
        cases.append(MalformedInput(name: "resume from a missing file", arguments: train(good, ["--resume", root + "/nothing.safetensors"]),
                                    mentions: ["--resume", root + "/nothing.safetensors"]))
        let badTestLabels = try data("test label 200") { d in
            var labels = [UInt8](repeating: 3, count: 24); labels[5] = 200
            put(try gz(header(8, [24]) + labels), d + "/" + testLabels)
        }
        cases.append(MalformedInput(name: "evaluate: label 200", arguments: ["evaluate", checkpoint, "--data-dir", badTestLabels],
                                    mentions: [badTestLabels, "label 200", "10 classes"]))
        cases.append(MalformedInput(name: "evaluate: not a checkpoint", arguments: ["evaluate", file, "--data-dir", good],
                                    mentions: ["checkpoint", file]))
        cases.append(MalformedInput(name: "evaluate: 20×20 images", arguments: ["evaluate", checkpoint, "--data-dir", cases.first { $0.name.hasPrefix("20x20") }!.arguments[2]],
                                    mentions: ["784", "20×20"]))
        return cases
    }
}

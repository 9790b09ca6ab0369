import Foundation
import XCTest
@testable import Descent

/// The conventions of `docs/cli.md`, checked on every subcommand's help as argument-parser
/// exposes it (`descent --experimental-dump-help`): one meaning per flag name, defaults that
/// differ say why, commands take the files they act on as arguments, exit codes 0/1/2,
/// `--version`, old spellings that still work, and the flag reference in docs/cli.md that
/// is generated from the same help (so it cannot drift).
final class CLIConventionTests: XCTestCase {
    struct Argument {
        var command: String
        var name: String
        var kind: String
        var help: String
        var defaultValue: String?
        var values: [String]
        var valueName: String?
    }

    static let root = Support.repositoryRoot

    /// The displayed arguments of every displayed subcommand, in help order.
    static func arguments() throws -> (commands: [(name: String, abstract: String)], arguments: [Argument]) {
        let r = try Support.descent(["--experimental-dump-help"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let root = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let command = try XCTUnwrap(root["command"] as? [String: Any])
        var commands: [(String, String)] = [], arguments: [Argument] = []
        for sub in command["subcommands"] as? [[String: Any]] ?? [] where sub["shouldDisplay"] as? Bool ?? true && sub["commandName"] as? String != "help" {
            let name = try XCTUnwrap(sub["commandName"] as? String)
            commands.append((name, sub["abstract"] as? String ?? ""))
            for a in sub["arguments"] as? [[String: Any]] ?? [] where a["shouldDisplay"] as? Bool ?? true {
                let preferred = (a["preferredName"] as? [String: Any])?["name"] as? String
                let kind = a["kind"] as? String ?? ""
                guard preferred != "help" else { continue }
                arguments.append(Argument(command: name, name: preferred.map { "--" + $0 } ?? "<\(a["valueName"] as? String ?? "?")>",
                                          kind: kind, help: a["abstract"] as? String ?? "",
                                          defaultValue: a["defaultValue"] as? String, values: a["allValues"] as? [String] ?? [],
                                          valueName: a["valueName"] as? String))
            }
        }
        return (commands, arguments)
    }

    /// What a flag is, before any detail: its help up to the first " (", ":", ";", "," or ".".
    static func lead(_ help: String) -> String {
        var end = help.endIndex
        for separator in [" (", ":", ";", ",", "."] {
            if let r = help.range(of: separator), r.lowerBound < end { end = r.lowerBound }
        }
        return String(help[..<end])
    }

    func testEveryFlagHasOneMeaningAndItsDefaultsAreExplained() throws {
        let (commands, arguments) = try Self.arguments()
        XCTAssertEqual(commands.map(\.name), ["train", "evaluate", "export", "compare", "tune", "report", "autoencoder", "stacked", "benchmark", "paths"])
        for a in arguments {
            XCTAssertFalse(a.help.isEmpty, "\(a.command) \(a.name) has no help")
            XCTAssertTrue(a.help.hasSuffix(".") || a.help.hasSuffix(")"), "\(a.command) \(a.name): '\(a.help)'")
            // argument-parser lists the values itself: the help must not list them a second time.
            if a.values.count > 1 {
                XCTAssertFalse(a.help.contains(a.values.joined(separator: ", ")), "\(a.command) \(a.name) lists its values twice: '\(a.help)'")
            }
        }
        for (name, uses) in Dictionary(grouping: arguments.filter { $0.kind != "positional" }, by: \.name) where uses.count > 1 {
            let leads = Set(uses.map { Self.lead($0.help) })
            XCTAssertEqual(leads.count, 1, "\(name) means different things: " + uses.map { "\($0.command): '\($0.help)'" }.joined(separator: "; "))
            // A default that differs from the flag's usual one says so, and why, in the help.
            let defaults = Dictionary(grouping: uses, by: { $0.defaultValue ?? "-" })
            if defaults.count > 1, let usual = defaults.max(by: { $0.value.count < $1.value.count })?.key {
                for u in uses where (u.defaultValue ?? "-") != usual {
                    XCTAssertTrue(u.help.contains("default"), "\(u.command) \(name): its default \(u.defaultValue ?? "none") differs from other commands' \(usual), and the help does not say why: '\(u.help)'")
                }
            }
        }
        // The files a command acts on are arguments, not flags.
        for (command, argument) in [("evaluate", "<checkpoint>"), ("export", "<checkpoint>"), ("report", "<inputs>")] {
            XCTAssertTrue(arguments.contains { $0.command == command && $0.kind == "positional" && $0.name == argument }, "\(command) \(argument)")
        }
    }

    /// The reference part of docs/cli.md, generated from the help.
    static func reference() throws -> String {
        let (commands, arguments) = try self.arguments()
        var out = ""
        for (name, abstract) in commands {
            out += "### descent \(name)\n\n\(abstract)\n\n| argument | value | default | meaning |\n|---|---|---|---|\n"
            for a in arguments where a.command == name {
                let value = a.kind == "flag" ? "" : (a.values.isEmpty ? "`\(a.valueName ?? "")`" : a.values.map { "`\($0)`" }.joined(separator: ", "))
                let cell = { (s: String) in s.replacingOccurrences(of: "|", with: "\\|") }
                out += "| `\(a.name)` | \(cell(value)) | \(a.defaultValue.map { "`\(cell($0))`" } ?? "") | \(cell(a.help)) |\n"
            }
            out += "\n"
        }
        return out
    }

    static let begin = "<!-- reference: generated from the help by CLIConventionTests; DESCENT_WRITE_CLI_DOC=1 rewrites it -->\n"
    static let end = "<!-- end of reference -->"

    /// docs/cli.md lists every argument of every command, with the help's own words.
    func testCLIDocumentListsEveryFlag() throws {
        let path = Self.root + "/docs/cli.md"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let start = try XCTUnwrap(text.range(of: Self.begin), "docs/cli.md has no generated reference")
        let stop = try XCTUnwrap(text.range(of: Self.end, range: start.upperBound..<text.endIndex))
        let generated = try Self.reference()
        if ProcessInfo.processInfo.environment["DESCENT_WRITE_CLI_DOC"] == "1" {
            try (String(text[..<start.upperBound]) + "\n" + generated + String(text[stop.lowerBound...])).write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        XCTAssertEqual(String(text[start.upperBound..<stop.lowerBound]), "\n" + generated,
                       "docs/cli.md's reference is out of date: run DESCENT_WRITE_CLI_DOC=1 swift test --filter CLIConventionTests/testCLIDocumentListsEveryFlag")
    }

    /// Every line of a command's overview and discussion fits the 80 columns argument-parser
    /// wraps help at (79 characters and the newline): a longer line is broken before its
    /// last word, which then stands alone on a line of `descent CMD --help`.
    func testHelpTextFitsTheColumnsItIsWrappedAt() throws {
        let r = try Support.descent(["--experimental-dump-help"])
        let root = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let command = try XCTUnwrap(root["command"] as? [String: Any])
        var checked = 0
        for sub in command["subcommands"] as? [[String: Any]] ?? [] {
            let name = sub["commandName"] as? String ?? "?"
            for line in (sub["discussion"] as? String ?? "").split(separator: "\n", omittingEmptySubsequences: false) {
                XCTAssertLessThanOrEqual(line.count, 79, "descent \(name) --help: \(line)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 100)
    }

    /// 0 success, 1 a runtime error, 2 a usage error (docs/cli.md).
    func testExitCodes() throws {
        let data = try Support.fashionSlice(train: 50, test: 20)
        XCTAssertEqual(try Support.descent(["--version"]).status, 0)
        XCTAssertEqual(try Support.descent(["train", "--help"]).status, 0)
        for usage in [["train", "--no-such-flag"], ["train", "--epochs", "many"], ["train", "--threads", "0"], ["evaluate"],
                      ["compare", "--preset", "huge"], ["stacked", "--model", "seed-ae", "--tied"], ["bogus"]] {
            let r = try Support.descent(usage)
            XCTAssertEqual(r.status, 2, "\(usage): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("descent: error: ") && r.stderr.split(separator: "\n").count == 1, "\(usage): \(r.stderr)")
        }
        // Values the parser accepts but the command cannot use are usage errors too.
        for usage in [["train", "--data-dir", data, "--model", "linear(", "--epochs", "1"],
                      ["train", "--data-dir", data, "--optimizer", "adam", "--beta1", "1.5", "--epochs", "1"],
                      ["train", "--data-dir", data, "--model", "seed-ae", "--epochs", "1"],
                      ["compare", "--data-dir", data, "--optimizers", "sgd,sgd", "--out", Support.temporaryFolder("twice")],
                      ["paths", "--problems", "himmelblau", "--out", Support.temporaryFolder("paths")]] {
            let r = try Support.descent(usage)
            XCTAssertEqual(r.status, 2, "\(usage): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("descent: error: ") && r.stderr.split(separator: "\n").count == 1, "\(usage): \(r.stderr)")
        }
        let missing = Support.temporaryFolder("missing") + "/nowhere"
        for runtime in [["train", "--data-dir", missing, "--offline", "--epochs", "1"],
                        ["evaluate", missing + "/model.safetensors", "--data-dir", data]] {
            let r = try Support.descent(runtime)
            XCTAssertEqual(r.status, 1, "\(runtime): \(r.stderr)")
        }
        // A run that diverges and is asked to stop is a runtime error too.
        let diverged = try Support.descent(["train", "--data-dir", data, "--model", "784-8-10", "--optimizer", "sgd", "--lr", "1e30",
                                            "--epochs", "2", "--threads", "1"])
        XCTAssertEqual(diverged.status, 1, diverged.stderr)
    }

    func testVersionNamesTheCommitAndTheKernels() throws {
        let r = try Support.descent(["--version"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2, r.stdout)
        XCTAssertTrue(lines[0].hasPrefix("descent 0."), r.stdout)
        if FileManager.default.fileExists(atPath: Self.root + "/.git") {
            let commit = try XCTUnwrap(lines[0].range(of: #"commit [0-9a-f]{40}"#, options: .regularExpression), r.stdout)
            let head = Process()
            head.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            head.arguments = ["git", "-C", Self.root, "rev-parse", "HEAD"]
            let pipe = Pipe()
            head.standardOutput = pipe
            try head.run()
            let hash = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            head.waitUntilExit()
            XCTAssertEqual(String(lines[0][commit].dropFirst("commit ".count)), hash, "built from this checkout's HEAD")
        }
        XCTAssertEqual(lines[1], "kernels: \(BLAS.kernels); LAPACK (PCA, Shampoo): \(OpenBLAS.kernels)")
        // OpenBLAS's SSE3 fallback is never chosen where the CPU has AVX2, and a core type
        // the user sets is kept.
        if CPUFeatures.current.contains(.avx2) { XCTAssertFalse(lines[1].hasSuffix("OpenBLAS Prescott"), r.stdout) }
        let chosen = try Support.descent(["--version"], environment: ["OPENBLAS_CORETYPE": "Prescott"])
        XCTAssertTrue(chosen.stdout.hasSuffix("LAPACK (PCA, Shampoo): OpenBLAS Prescott\n"), chosen.stdout)
    }

    /// Each renamed flag's old spelling still works for one release, with a one-line note.
    func testOldSpellingsStillWork() throws {
        let data = try Support.fashionSlice(train: 200, test: 50)
        let out = Support.temporaryFolder("train")
        XCTAssertEqual(try Support.descent(["train", "--data-dir", data, "--model", "784-8-10", "--epochs", "1", "--threads", "1", "--out", out]).status, 0)
        let checkpoint = out + "/model.safetensors"
        let new = try Support.descent(["evaluate", checkpoint, "--data-dir", data, "--json", "--out", out + "/a"])
        let old = try Support.descent(["evaluate", "--checkpoint", checkpoint, "--data-dir", data, "--json", "--out", out + "/b"])
        XCTAssertEqual(new.status, 0, new.stderr)
        XCTAssertEqual(old.status, 0, old.stderr)
        XCTAssertEqual(new.stderr, "")
        XCTAssertEqual(old.stderr, "descent: warning: --checkpoint FILE is deprecated, use descent evaluate FILE (the old spelling is accepted until the next release)\n")
        func accuracy(_ o: Support.Output) throws -> Double? {
            (try JSONSerialization.jsonObject(with: Data(o.stdout.utf8)) as? [String: Any])?["accuracy"] as? Double
        }
        XCTAssertEqual(try accuracy(old), try accuracy(new))

        let stacked = ["stacked", "--data-dir", data, "--pretrain-epochs", "1", "--finetune-epochs", "1", "--threads", "1",
                       "--no-pictures", "--no-pca", "--probe-epochs", "0", "--json"]
        let (a, b) = (Support.temporaryFolder("sae-new"), Support.temporaryFolder("sae-old"))
        let sizes = try Support.descent(stacked + ["--model", "784-8-4", "--out", a])
        let layers = try Support.descent(stacked + ["--layers", "784,8,4", "--out", b])
        XCTAssertEqual(sizes.status, 0, sizes.stderr)
        XCTAssertEqual(layers.status, 0, layers.stderr)
        XCTAssertTrue(layers.stderr.hasPrefix("descent: warning: --layers 784,8,4 is deprecated, use --model 784-8-4"), layers.stderr)
        let folders = try FileManager.default.contentsOfDirectory(atPath: a)
        XCTAssertEqual(folders, try FileManager.default.contentsOfDirectory(atPath: b), "the same run, in a folder of the same name")
        XCTAssertEqual(folders.count, 1)
        let (x, y) = (try Checkpoint.read(a + "/" + folders[0] + "/model.safetensors"), try Checkpoint.read(b + "/" + folders[0] + "/model.safetensors"))
        XCTAssertEqual(x.tensors.mapValues { $0.toArray() }, y.tensors.mapValues { $0.toArray() }, "the same weights, bit for bit")

        let compare = try Support.descent(["compare", "--data-dir", data, "--out", Support.temporaryFolder("cmp"), "--optimizers", "sgd", "--seeds", "1",
                                           "--epochs", "1", "--model", "784-8-10", "--threads", "1", "--no-report", "--no-models", "--json"])
        XCTAssertEqual(compare.status, 0, compare.stderr)
        XCTAssertTrue(compare.stderr.contains("descent: warning: --no-models is deprecated"), compare.stderr)
        // --json counts are numbers.
        let summary = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(compare.stdout.split(separator: "\n").last!.utf8)) as? [String: Any])
        XCTAssertEqual(summary["runs"] as? Int, 1)
        XCTAssertEqual(summary["ran"] as? Int, 1)
        XCTAssertEqual(summary["failed"] as? Int, 0)
    }
}

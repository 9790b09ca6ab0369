import ArgumentParser
import Foundation
import XCTest
@testable import Descent
@testable import DescentCommandLine

/// Every `descent` command shown in a code block of the README and the guides is parsed by
/// the real command line (flags, values and each command's own `validate`), its `--model`
/// is checked as the command checks it before reading data, and none uses a spelling that is
/// only kept for compatibility — so no example drifts from the tool. (Running them all would
/// take hours: `compare --preset full` is 180 runs; the Slurm blocks run for real in SlurmTests.)
final class DocumentedCommandsTests: XCTestCase {
    static let root = Support.repositoryRoot

    /// The pages whose examples are checked.
    static var pages: [String] {
        let guide = (try? FileManager.default.contentsOfDirectory(atPath: root + "/docs/guide")) ?? []
        return ["README.md", "docs/cli.md", "docs/interop.md", "docs/autoencoders.md", "docs/optimizers.md", "docs/library.md",
                "docs/evaluation/README.md", "docs/tuning/README.md", "docs/benchmark/README.md", "docs/comparison-rules/README.md"]
            + guide.filter { $0.hasSuffix(".md") }.sorted().map { "docs/guide/" + $0 }
    }

    /// The `descent …` command lines in the fenced code blocks of `markdown`, continuation
    /// lines joined, each with the line it starts on.
    static func commands(in markdown: String) -> [(line: Int, words: [String])] {
        var found: [(Int, [String])] = []
        var inFence = false, inBlock = false, pending = "", start = 0
        for (i, raw) in markdown.components(separatedBy: "\n").enumerated() {
            let fence = raw.trimmingCharacters(in: .whitespaces)
            if fence.hasPrefix("```") {
                // A block of shell commands: ```sh, ```bash, ```shell or a bare fence (not ```text, output).
                inBlock = !inFence && ["", "sh", "bash", "shell"].contains(String(fence.dropFirst(3)))
                inFence.toggle()
                pending = ""
                continue
            }
            guard inBlock else { continue }
            var line = raw.trimmingCharacters(in: .whitespaces)
            if pending.isEmpty { start = i + 1; if line.hasPrefix("$ ") { line.removeFirst(2) } }
            if line.hasSuffix("\\") { pending += line.dropLast() + " "; continue }
            let text = pending + line
            pending = ""
            for segment in shellSegments(text) {
                guard let first = segment.first, first == "descent" || first.hasSuffix("/descent") else { continue }
                found.append((start, Array(segment.dropFirst()).filter { $0 != "$@" }))
            }
        }
        return found
    }

    /// `text` split into words as a shell would (quotes, `#` comments), and into commands at
    /// `&&`, `||`, `;` and `|`.
    static func shellSegments(_ text: String) -> [[String]] {
        var segments: [[String]] = [[]], word = "", quote: Character?, inWord = false
        func endWord() { if inWord { segments[segments.count - 1].append(word) }; word = ""; inWord = false }
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            if let q = quote {
                if c == q { quote = nil } else { word.append(c) }
                continue
            }
            switch c {
            case "'", "\"": quote = c; inWord = true
            case " ", "\t": endWord()
            case "#" where !inWord: return segments.filter { !$0.isEmpty }
            case "&", "|", ";":
                endWord()
                if chars.first == c { chars.removeFirst() }
                segments.append([])
            default: word.append(c); inWord = true
            }
        }
        endWord()
        return segments.filter { !$0.isEmpty }
    }

    func testShellSplitting() {
        XCTAssertEqual(Self.shellSegments(#"descent train --model 'linear(10), relu' --lr 0.1  # a comment"#),
                       [["descent", "train", "--model", "linear(10), relu", "--lr", "0.1"]])
        XCTAssertEqual(Self.shellSegments(#"a && descent report "x y" | tee f"#), [["a"], ["descent", "report", "x y"], ["tee", "f"]])
        XCTAssertEqual(Self.commands(in: "text\n```sh\n$ descent stacked \\\n  --model 784-100-25\n```\n`descent nope`\n```text\ndescent 0.1\n```\ndescent no\n```\ndescent report a\n```\n").map(\.words),
                       [["stacked", "--model", "784-100-25"], ["report", "a"]])
    }

    /// Spellings the command line accepts only for compatibility (docs/cli.md, "Renamed flags").
    static let deprecated: [(command: String, flag: String)] = [("evaluate", "--checkpoint"), ("stacked", "--layers"), ("compare", "--no-models")]

    func testEveryDocumentedCommandParses() throws {
        var checked = 0
        for page in Self.pages {
            let path = Self.root + "/" + page
            guard FileManager.default.fileExists(atPath: path) else { XCTFail("\(page) is listed but missing"); continue }
            for (line, words) in Self.commands(in: try String(contentsOfFile: path, encoding: .utf8)) {
                let place = "\(page):\(line): descent \(words.joined(separator: " "))"
                checked += 1
                do {
                    _ = try DescentCommand.parseAsRoot(words)
                } catch where DescentCommand.exitCode(for: error) == .success {
                    // --version, --help: a clean exit
                } catch {
                    XCTFail("\(place): \(DescentCommand.message(for: error))")
                    continue
                }
                guard let command = words.first else { continue }
                for (c, flag) in Self.deprecated where c == command && words.contains(flag) {
                    XCTFail("\(place): \(flag) is an old spelling (docs/cli.md)")
                }
                if let i = words.firstIndex(of: "--model"), i + 1 < words.count, ["train", "compare", "tune", "autoencoder", "stacked"].contains(command),
                   !(command == "stacked" && StackedCommand.isSizes(words[i + 1])) {
                    do {
                        try CLI.checkModelEarly(words[i + 1], classifier: ["train", "compare", "tune"].contains(command), command: command,
                                                imageShape: [1, 28, 28])
                    } catch {
                        XCTFail("\(place): \(error)")
                    }
                }
            }
        }
        XCTAssertGreaterThan(checked, 25, "the README and the guides show commands")
    }
}

import ArgumentParser
import Descent
import CPlatform
import Foundation
#if canImport(Glibc)
import Glibc
#endif

@main
struct DescentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "descent",
        abstract: "Train, compare and look inside small neural networks on the CPU.",
        subcommands: [Train.self, Evaluate.self, Export.self, Compare.self, Tune.self, Report.self, Worker.self, AutoEncoderCommand.self, StackedCommand.self])

    /// Parses and runs the command. Unlike argument-parser's default `main`, a parse or
    /// validation error is one line on stderr (`descent: error: …`, no usage block), so every
    /// failure of the tool has the same shape; `--help` and `--version` behave as usual.
    static func main() {
        // Line-buffered stdout also when it is a file or pipe (a Slurm log): every line
        // printed (the sweep's plan, progress) is out before a signal can kill the process.
        descent_line_buffer_stdout()
        CLI.raiseOpenFileLimit()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is ExitCode { exit(withError: error) }
            let name = CommandLine.arguments.dropFirst().first(where: { !$0.hasPrefix("-") })
                .flatMap { arg in configuration.subcommands.first { $0._commandName == arg }?._commandName }
            let help = name.map { "descent \($0) --help" } ?? "descent --help"
            FileHandle.standardError.write(Data("descent: error: \(oneLine(message(for: error))) (see '\(help)')\n".utf8))
            Foundation.exit(code.rawValue)
        }
    }

    /// Joins a multi-line argument-parser message into one line; "- item" lines become a
    /// comma-separated list.
    static func oneLine(_ text: String) -> String {
        var out = ""
        var items: [String] = []
        func flushItems() {
            if !items.isEmpty { out += (out.hasSuffix(":") ? " " : "") + items.joined(separator: ", "); items = [] }
        }
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line.hasPrefix("- ") { items.append(String(line.dropFirst(2))); continue }
            flushItems()
            out += (out.isEmpty ? "" : " ") + line
        }
        flushItems()
        return out
    }

    /// Runs a command body, turning library errors into one line on stderr and exit 1.
    static func run(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as DescentError {
            FileHandle.standardError.write(Data("descent: error: \(error.message)\n".utf8))
            throw ExitCode(1)
        } catch let error as DivergenceError {
            FileHandle.standardError.write(Data("descent: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}

import ArgumentParser
import Descent
import CPlatform
import DescentBuildInfo
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The `descent` command line. `descent`'s `main` is `DescentCommand.main(registry: .builtIn)`;
/// a program of a user's passes a registry with its own layers, optimizers and losses, and
/// they reach `--model`, `--optimizer` (with their hyper-parameter flags), `--help`,
/// checkpoints, `evaluate`, `compare` and records like Descent's own.
public struct DescentCommand: ParsableCommand {
    public init() {}

    public static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "descent",
        abstract: "Train, compare and look inside small neural networks on the CPU.",
        // Naming LAPACK's kernels loads OpenBLAS, which only PCA and Shampoo need (and run
        // records name it when loaded): only `--version` asks; the text is shown only then.
        version: CommandLine.arguments.contains("--version") ? versionText : "descent \(BuildInfo.version)",
        subcommands: [Train.self, Evaluate.self, Export.self, Compare.self, Tune.self, Report.self, Worker.self, AutoEncoderCommand.self, StackedCommand.self, Benchmark.self, Paths.self]) }

    /// `descent --version`: the version, the git commit of the build (when built from a
    /// checkout), the kernels the products run on and those of LAPACK, e.g.
    /// `descent 0.1.0 (commit 9748d4c1…)`
    /// `kernels: oneDNN 2.6.3 avx512_core_bf16; LAPACK (PCA, Shampoo): OpenBLAS SkylakeX`.
    static var versionText: String {
        "descent \(BuildInfo.version)" + (BuildInfo.commit.map { " (commit \($0))" } ?? " (not built from a git checkout)")
            + "\nkernels: \(BLAS.kernels); LAPACK (PCA, Shampoo): \(OpenBLAS.kernels)"
    }

    /// `main(registry: .builtIn)`.
    public static func main() { main(registry: .builtIn) }

    /// Parses and runs the command with the layers, optimizers and losses of `registry`
    /// (bound to `CommandContext.registry` for the whole run, parsing and help included).
    /// Unlike argument-parser's default `main`, a parse or validation error is one line on
    /// stderr (`descent: error: …`, no usage block), so every failure of the tool has the
    /// same shape; `--help` and `--version` behave as usual.
    public static func main(registry: Registry) {
        CommandContext.$registry.withValue(registry) { runMain() }
    }

    private static func runMain() {
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
            Foundation.exit(code == .validationFailure ? ExitStatus.usage : ExitStatus.runtime)
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
            throw ExitCode(ExitStatus.runtime)
        } catch let error as UsageError {
            FileHandle.standardError.write(Data("descent: error: \(error.message)\n".utf8))
            throw ExitCode(ExitStatus.usage)
        } catch let error as DivergenceError {
            FileHandle.standardError.write(Data("descent: \(error)\n".utf8))
            throw ExitCode(ExitStatus.runtime)
        }
    }
}

/// The exit status of `descent` (docs/cli.md): 0 success, 1 a runtime error (bad data, a
/// run that diverged and was asked to stop, runs of a sweep that did not finish), 2 a usage
/// error (an unknown flag, a bad value, a missing argument). argument-parser's own status
/// for a usage error is 64 (`EX_USAGE`); Descent uses 2, as getopt-style tools do.
public enum ExitStatus {
    public static let success: Int32 = 0
    public static let runtime: Int32 = 1
    public static let usage: Int32 = 2
}

/// What the commands read besides their flags: the registry of the program running them.
///
/// argument-parser builds commands from static types, so a registry cannot be handed to a
/// command's initialiser. It is bound instead as a task-local value by
/// `DescentCommand.main(registry:)`, for the duration of that call: an immutable value seen
/// by the code that runs inside the call (parsing, help text, `run`), not a variable any
/// code can assign. Outside a `main` it is `Registry.builtIn`.
public enum CommandContext {
    @TaskLocal public static var registry: Registry = .builtIn
}

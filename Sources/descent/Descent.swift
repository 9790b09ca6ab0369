import ArgumentParser
import Descent
import Foundation

@main
struct DescentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "descent",
        abstract: "Train, compare and look inside small neural networks on the CPU.",
        subcommands: [Train.self, Compare.self, Report.self, Worker.self, AutoEncoderCommand.self, StackedCommand.self])

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

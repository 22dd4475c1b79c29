import ArgumentParser
import Commands
import Foundation

@main
struct ConvScope: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convscope",
        abstract: "Look inside convolutional networks saved by Keras.",
        discussion: """
        Exit codes: 0 success; 1 a check failed (validate, diff); 2 bad input or usage.
        """,
        subcommands: [InspectCommand.self, ValidateCommand.self, PredictCommand.self, ActivationsCommand.self,
                      DeconvCommand.self, SaliencyCommand.self, MaximizeCommand.self, DemoCommand.self,
                      MatchCommand.self, BoWCommand.self, TrainCommand.self, ExperimentCommand.self, ExportCommand.self, DiffCommand.self,
                      BenchCommand.self]
    )

    /// Runs a command body, turning any error into one line on stderr and the right exit code.
    static func guarded(_ body: () throws -> Void) throws {
        do { try body() } catch let e as CommandError {
            if !e.message.isEmpty { printError("convscope: \(e.message)") }
            throw ExitCode(e.exitCode)
        } catch let e as ExitCode {
            throw e
        } catch {
            printError("convscope: \(error)")
            throw ExitCode(2)
        }
    }
}

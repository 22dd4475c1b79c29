import ArgumentParser
import Commands
import Failure
import FastKernels
import Tensor
import Foundation

@main
struct ConvScope: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convscope",
        abstract: "Look inside convolutional networks saved by Keras.",
        discussion: """
        Exit codes: 0 success; 1 a check failed (validate) or weights differ (diff); 2 bad input or usage.
        """,
        version: ConvScopeVersion.current,
        subcommands: [InspectCommand.self, ValidateCommand.self, PredictCommand.self, ActivationsCommand.self,
                      DeconvCommand.self, SaliencyCommand.self, MaximizeCommand.self, DemoCommand.self,
                      OcclusionCommand.self, FaithfulnessCommand.self,
                      TrainCommand.self, ExperimentCommand.self, ExportCommand.self, DiffCommand.self,
                      MatchCommand.self, BoWCommand.self, BenchCommand.self, PlotCommand.self]
    )

    /// Parses and runs; every failure exits 2 (bad input or usage) or 1 (a check failed), never 64.
    static func main() {
        do {
            var command = try parseAsRoot()
            // Parsing first: a command that multiplies no matrices starts without the kernel re-exec.
            if !(command is RunsWithoutBLAS) { BLASCore.applyRecordedChoice(alsoSet: OneDNN.loadTimeEnvironment) }
            (command as? ReadsInputFiles)?.memory.apply()
            try command.run()
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch {
            let status = exitCode(for: error)
            let message = fullMessage(for: error)
            if status == .success {
                print(message)
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data((message + "\n").utf8))
            Foundation.exit(2)
        }
    }

    /// Runs a command body, turning any error into one line on stderr and the exit code the error carries.
    static func guarded(_ body: () throws -> Void) throws {
        do { try body() } catch let e as any ConvScopeFailure {
            if !e.description.isEmpty { printError("convscope: \(e.description)") }
            throw ExitCode(e.exitCode)
        } catch let e as ExitCode {
            throw e
        } catch {
            printError("convscope: \(error)")
            throw ExitCode(2)
        }
    }
}

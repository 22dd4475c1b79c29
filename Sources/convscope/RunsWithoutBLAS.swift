/// A command that multiplies no matrices (it reads, lists, compares or rewrites files): it starts without
/// re-executing itself for the recorded OpenBLAS kernel (`BLASCore.applyRecordedChoice`), which only pays
/// for commands that run a model. The kernel choice itself is unchanged: every other command applies it
/// before it runs.
protocol RunsWithoutBLAS {}

extension InspectCommand: RunsWithoutBLAS {}
extension ValidateCommand: RunsWithoutBLAS {}
extension ExportCommand: RunsWithoutBLAS {}
extension DiffCommand: RunsWithoutBLAS {}

import ArgumentParser
import WildIR

/// The `wildir` command-line tool.
@main
struct WildIRCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wildir",
        abstract: "Photo-realistic image restoration in the wild.",
        version: WildIR.version,
        subcommands: [AnalyzeCommand.self, ConvertCommand.self, DegradeCommand.self, EvaluateCommand.self, InspectCommand.self, RestoreCommand.self, ServeCommand.self, TrainCommand.self,
                      TrainDACLIPCommand.self, TrainSSPIRCommand.self]
    )

    /// Chooses OpenMP's passive waiting (``OpenMPWaitPolicy``), then parses and runs the command.
    static func main() async {
        OpenMPWaitPolicy.passiveUnlessChosen()
        await main(nil)
    }
}

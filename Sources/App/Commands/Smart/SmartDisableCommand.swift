import ArgumentParser
import Library
import PlaykeeperJSON

/// `playkeeper smart disable KEY [--json]`.
struct SmartDisableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disable", abstract: "Turn a smart playlist off: no more updates; the playlist stays in Spotify as it is.")

    @Argument(help: "A smart playlist's key (see 'smart list').")
    var key: String
    @OptionGroup var person: UserOption
    @Flag(help: "Print JSON on standard output.")
    var json = false

    func run() async throws {
        try await CommandRunner.run { app in
            let actions = try await SmartCommand.actions(app, person, origin: "smart disable")
            let (view, _) = try await actions.smartSetEnabled(key, false, wait: 600)
            Output.result(json ? SmartViews.view(view).serialized() : SmartViews.describe(view))
        }
    }
}

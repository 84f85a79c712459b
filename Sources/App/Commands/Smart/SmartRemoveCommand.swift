import ArgumentParser
import Library
import PlaykeeperJSON

/// `playkeeper smart remove KEY [--json]`.
struct SmartRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Forget a smart playlist (a rule, or a built-in's settings); its playlist stays in Spotify, no longer kept.")

    @Argument(help: "A smart playlist's key (see 'smart list').")
    var key: String
    @OptionGroup var person: UserOption
    @Flag(help: "Print JSON on standard output.")
    var json = false

    func run() async throws {
        try await CommandRunner.run { app in
            let actions = try await SmartCommand.actions(app, person, origin: "smart remove")
            let view = try await actions.smartRemove(key, wait: 600)
            if json {
                Output.result(SmartViews.view(view).serialized())
            } else {
                let kept = view.spotifyID.map { " Its playlist \($0) stays in Spotify as it is." } ?? ""
                Output.result("Removed \(view.key) (\(view.name)).\(kept)")
            }
        }
    }
}

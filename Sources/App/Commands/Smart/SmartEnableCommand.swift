import ArgumentParser
import Library
import PlaykeeperJSON

/// `playkeeper smart enable KEY [--app-edits keep|restore] [--json]`.
struct SmartEnableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enable",
        abstract: "Turn a smart playlist on: it is created (or brought up to date) in Spotify now, and kept current.")

    @Argument(help: "on-repeat, forgotten-favourites, never-played, discovered, top-YEAR, or a rule's key.")
    var key: String
    @Option(name: .customLong("app-edits"), help: "Your edits in the app: keep (default) or restore Playkeeper's list.")
    var appEdits: String?
    @OptionGroup var person: UserOption
    @Flag(help: "Print JSON on standard output.")
    var json = false

    func run() async throws {
        let keep = try appEdits.map { try SettingParsers.appEdits($0, field: "--app-edits") == .keep }
        try await CommandRunner.run { app in
            let actions = try await SmartCommand.actions(app, person, origin: "smart enable")
            let (_, report) = try await actions.smartSetEnabled(key, true, keepAppEdits: keep, wait: 600)
            guard let report else { throw PlaykeeperError(.internal, "\(key) was turned on but not updated") }
            try SmartCommand.print(report, json: json)
        }
    }
}

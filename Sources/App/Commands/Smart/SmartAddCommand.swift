import ArgumentParser
import Library
import PlaykeeperJSON

/// `playkeeper smart add NAME --from … --window … --min-plays … --order … --limit … [--json]`.
struct SmartAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Write a rule of your own: it is stored, created in Spotify now, and kept current.",
        discussion: "Preview it first with the same flags: 'playkeeper smart preview --from … --window …'.")

    @Argument(help: "The playlist's name; its key is made from it.")
    var name: String
    @OptionGroup var rule: SmartRuleOptions
    @Option(name: .customLong("app-edits"), help: "Your edits in the app: keep (default) or restore Playkeeper's list.")
    var appEdits: String?
    @OptionGroup var person: UserOption
    @Flag(help: "Print JSON on standard output.")
    var json = false

    func run() async throws {
        let input = try rule.checked()
        let name = try SettingParsers.playlistName(self.name, field: "the name")
        let keep = try appEdits.map { try SettingParsers.appEdits($0, field: "--app-edits") == .keep } ?? true
        try await CommandRunner.run { app in
            let actions = try await SmartCommand.actions(app, person, origin: "smart add")
            let resolve = SmartRuleInput.resolver(user: actions.user, on: actions.database)
            let report = try await actions.smartAdd(name: name, keepAppEdits: keep, wait: 600) {
                try await input.rule(field: { "--\($0)" }, resolve: resolve)
            }
            try SmartCommand.print(report, json: json)
        }
    }
}

import ArgumentParser
import Library
import PlaykeeperJSON

/// `playkeeper smart preview KEY | --from … [--json]`.
struct SmartPreviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview",
        abstract: "The songs a smart playlist (or a rule written with the flags) would hold, and the writes; nothing is written.")

    @Argument(help: "A smart playlist's key (see 'smart list'); leave it out to preview a rule written with the flags.")
    var key: String?
    @OptionGroup var rule: SmartRuleOptions
    @Option(help: "How many songs to show (default 20).")
    var songs: Int?
    @OptionGroup var person: UserOption
    @Flag(help: "Print JSON on standard output.")
    var json = false

    func run() async throws {
        if key != nil, !rule.isEmpty { throw PlaykeeperError(.invalid, "give a key or rule flags, not both") }
        let input = try rule.checked()
        let shown = try NumericInput.option(songs, "--songs", in: 1...10_000, default: 20)
        try await CommandRunner.run { app in
            let actions = try await SmartCommand.actions(app, person, origin: "smart preview")
            var proposed: SmartSettings?
            if key == nil {
                let resolve = SmartRuleInput.resolver(user: actions.user, on: actions.database)
                proposed = SmartSettings(name: "Preview", rule: try await input.rule(field: { "--\($0)" }, resolve: resolve))
            }
            let report = try await actions.smartPreview(key, proposed: proposed, wait: 600)
            if json {
                Output.result(SmartViews.report(report).serialized())
            } else {
                SmartViews.describe(report, songs: shown).forEach(Output.result)
            }
        }
    }
}

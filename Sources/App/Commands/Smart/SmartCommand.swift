import ArgumentParser

/// `playkeeper smart list|preview|enable|disable|update|remove|add`.
struct SmartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smart",
        abstract:
            "Playlists made from your listening, kept current in Spotify: On repeat, Forgotten favourites, rules of your own.",
        discussion: """
            Built-ins: on-repeat (the 50 songs played most in the last 30 days), forgotten-favourites (played at \
            least 5 times, not in the last 90 days), never-played (songs of your own playlists never played, in the \
            order added), discovered (first played in the last 30 days) and top-YEAR (a year's 100 most played). \
            Each is off until you turn it on.

            Ranked playlists end in their ranking after every update, by the fewest calls (a replace, or removals, \
            moves and positioned additions); unranked ones only lose and gain songs. Every write is journaled \
            ('playkeeper journal') and can be undone ('playkeeper undo JOURNAL_ID'). The service updates the ones \
            that are on after a poll or an import changes them, at most every PLAYKEEPER_SMART_INTERVAL (1 hour).

            Examples:
              playkeeper smart list
              playkeeper smart enable on-repeat
              playkeeper smart preview forgotten-favourites
              playkeeper smart add "Gym loud" --from history --window 90d --min-plays 3 --exclude-artist "Enya" --limit 80
              playkeeper smart add "Unheard road" --from "Road Trip" --max-plays 0 --order sources
              playkeeper smart update --json
            """,
        subcommands: [
            SmartListCommand.self, SmartPreviewCommand.self, SmartEnableCommand.self, SmartDisableCommand.self,
            SmartUpdateCommand.self, SmartRemoveCommand.self, SmartAddCommand.self,
        ])
}

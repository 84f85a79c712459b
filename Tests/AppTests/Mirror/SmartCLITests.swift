import App
import EmulatorTestSupport
import FluentKit
import Foundation
import Library
import PlaykeeperJSON
import SpotifyEmulator
import Store
import Testing

/// `playkeeper smart …` as the real binary runs it: every subcommand, `--json`, and bad input refused with a
/// message and a non-zero exit before anything is written.
@Suite(.serialized)
struct SmartCLITests {
    /// An extended-history file of these plays, ending now, in a folder of its own.
    static func historyFile(_ plays: [(track: Int, daysAgo: Double, ms: Int)]) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pk-smart-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("Streaming_History_Audio_2026.json")
        try SmartTests.history(plays, now: Date()).write(to: file)
        return file
    }

    @Test func everySubcommandWorksAndBadInputIsRefused() async throws {
        try await TestMirror.with(.sqlite, library: CLITests.library) { mirror in
            let cli = CLITests()
            let file = try Self.historyFile(SmartTests.plays([1: 5, 2: 3, 9: 1]))
            let imported = try await cli.run(["import", file.path], mirror)
            #expect(imported.code == 0, "\(imported.errors)")

            let list = try await cli.run(["smart", "list", "--json"], mirror)
            #expect(list.code == 0, "\(list.errors)")
            let keys = try JSONValue(parsing: list.output).arrayValue?.compactMap { $0["key"]?.stringValue }
            #expect(keys == ["on-repeat", "forgotten-favourites", "never-played", "discovered"])

            let enable = try await cli.run(["smart", "enable", "on-repeat", "--json"], mirror)
            #expect(enable.code == 0, "\(enable.errors)")
            let report = try JSONValue(parsing: enable.output)
            #expect(report["status"]?.stringValue == "created")
            #expect(report["songs"]?.arrayValue?.compactMap { $0["uri"]?.stringValue } == [1, 2, 9].map(SmartTests.uri))
            #expect(report["songs"]?[0]?["reason"]?.stringValue == "5 plays in the last 30 days")

            let preview = try await cli.run(
                ["smart", "preview", "--from", "Source 0", "--max-plays", "0", "--order", "sources", "--json"], mirror)
            #expect(preview.code == 0, "\(preview.errors)")
            let songs = try JSONValue(parsing: preview.output)["songs"]?.arrayValue ?? []
            #expect(songs.count == 9)  // Source 0 holds 0…11; 1, 2 and 9 were played

            let add = try await cli.run(
                ["smart", "add", "Unheard", "--from", "Source 0", "--max-plays", "0", "--order", "sources", "--json"], mirror)
            #expect(add.code == 0, "\(add.errors)")
            #expect(try JSONValue(parsing: add.output)["key"]?.stringValue == "unheard")

            let update = try await cli.run(["smart", "update"], mirror)
            #expect(update.code == 0, "\(update.errors)")
            #expect(update.output.contains("On repeat (ranked): 3 songs.") && update.output.contains("unchanged"))

            let text = try await cli.run(["smart", "list"], mirror)
            #expect(text.output.contains("on   on-repeat  On repeat") && text.output.contains("on   unheard  Unheard"))

            let disable = try await cli.run(["smart", "disable", "on-repeat", "--json"], mirror)
            #expect(try JSONValue(parsing: disable.output)["enabled"]?.boolValue == false)
            let remove = try await cli.run(["smart", "remove", "unheard"], mirror)
            #expect(remove.code == 0 && remove.output.contains("stays in Spotify"))

            // Refused, with the reason, and nothing stored.
            for (arguments, code, words) in [
                (["smart", "add", "Big", "--limit", "20000"], 2, "--limit must be a whole number from 1 to 10000"),
                (["smart", "add", "X", "--from", "No such list"], 2, "no mirrored playlist is called"),
                (["smart", "add", "Y", "--window", "0d"], 2, "window: 0d is empty"),
                (
                    ["smart", "add", "Z", "--order", "random"], 2,
                    "order is plays, listened, last-played, first-played or sources"
                ),
                (["smart", "add", "W", "--min-plays", "4", "--max-plays", "1"], 2, "no song could match"),
                (["smart", "enable", "top-1990"], 2, "no top songs of 1990"),
                (["smart", "enable", "nope"], 1, "no smart playlist nope"),
                (["smart", "preview", "on-repeat", "--limit", "3"], 2, "give a key or rule flags, not both"),
                (["smart", "update", "discovered"], 1, "discovered is off"),
            ] as [([String], Int32, String)] {
                let refused = try await cli.run(arguments, mirror)
                #expect(refused.code == code, "\(arguments): \(refused.errors)")
                #expect(refused.errors.contains(words), "\(arguments): \(refused.errors)")
            }
            let after = try await cli.run(["smart", "list", "--json"], mirror)
            #expect(try JSONValue(parsing: after.output).arrayValue?.count == 4)
        }
    }

    /// An import that adds plays brings the smart playlists that are on and due up to date, as a poll does; one
    /// that adds nothing (the same file again) writes nothing.
    @Test func anImportThatChangesASmartPlaylistUpdatesIt() async throws {
        try await TestMirror.with(.sqlite, library: CLITests.library) { mirror in
            let cli = CLITests()
            let first = try Self.historyFile(SmartTests.plays([1: 5, 2: 3]))
            #expect(try await cli.run(["import", first.path], mirror).code == 0)
            let enable = try await cli.run(["smart", "enable", "on-repeat", "--json"], mirror)
            #expect(try JSONValue(parsing: enable.output)["status"]?.stringValue == "created")
            // The last update was two hours ago, past the interval.
            let record = try #require(
                try await SmartPlaylistRecord.query(on: mirror.database).filter(\.$key == "on-repeat").first())
            var state = try JSONValueDecoder().decode(SmartState.self, from: record.state)
            state.refreshedAt = Date().addingTimeInterval(-7_200)
            record.state = try JSONValue.text(encoding: state)
            try await record.save(on: mirror.database)

            let second = first.deletingLastPathComponent().appendingPathComponent("Streaming_History_Audio_2026_1.json")
            try SmartTests.history(SmartTests.plays([3: 9], withinDays: 1), now: Date()).write(to: second)
            let imported = try await cli.run(["import", second.path, "--json"], mirror)
            #expect(imported.code == 0, "\(imported.errors)")
            let smart = try JSONValue(parsing: imported.output)["smart"]?.arrayValue ?? []
            #expect(smart.compactMap { $0["key"]?.stringValue } == ["on-repeat"])
            let made = try #require(await SmartTests.playlist(mirror, named: "On repeat"))
            #expect(made.entries.map(\.uri) == [3, 1, 2].map(SmartTests.uri))

            // The same file again adds no plays: no update, nothing sent to Spotify.
            await mirror.state.resetRequestLog()
            let again = try await cli.run(["import", second.path, "--force"], mirror)
            #expect(again.code == 0 && !again.output.contains("On repeat"), "\(again.output)")
            #expect(await mirror.state.requestLog().requests.isEmpty)
        }
    }
}

import App
import Crypto
import EmulatorTestSupport
import FluentKit
import Foundation
import Library
import PlaykeeperJSON
import SpotifyEmulator
import Store
import Testing

/// The dedupe commands of the real binary, against a store and an emulator prepared in-process.
@Suite(.serialized)
struct DedupeCLITests {
    func environment(_ mirror: TestMirror) -> [String: String] {
        [
            "DATABASE_URL": mirror.databaseURL,
            "PLAYKEEPER_SECRET_KEY": mirror.key.withUnsafeBytes { Data($0).base64EncodedString() },
            "PLAYKEEPER_DATA_DIR": mirror.context.directory.url.path, "SPOTIFY_CLIENT_ID": "playkeeper-demo",
            "SPOTIFY_API_URL": mirror.harness.emulator.apiURL, "SPOTIFY_ACCOUNTS_URL": mirror.harness.emulator.accountsURL,
        ]
    }

    func run(_ arguments: [String], _ mirror: TestMirror) async throws -> (code: Int32, output: String, errors: String) {
        let run = try ExecutableTests.Run(arguments, environment: environment(mirror))
        let code = try await run.exitCode()
        return (code, run.output, run.errors)
    }

    @Test func previewApplyJournalAndUndoFromTheCommandLine() async throws {
        try await TestMirror.with(.sqlite, library: DedupeTests.library(seed: 5, length: 50)) { mirror in
            let original = await mirror.state.uris(of: "p5")

            let preview = try await run(["duplicates", "Random 5", "--json"], mirror)
            #expect(preview.code == 0, "\(preview.errors)")
            let plans = try JSONValue(parsing: preview.output)["plans"]?.arrayValue ?? []
            #expect(plans.count == 1)
            #expect((plans.first?["groups"]?.arrayValue?.count ?? 0) > 0)
            #expect(await mirror.state.uris(of: "p5") == original, "a preview writes nothing")

            let unconfirmed = try await run(["dedupe", "Random 5"], mirror)
            #expect(unconfirmed.code == 2, "no terminal, no --yes: \(unconfirmed.errors)")
            #expect(unconfirmed.errors.contains("--yes"))
            #expect(await mirror.state.uris(of: "p5") == original)

            let applied = try await run(["dedupe", "Random 5", "--yes", "--json"], mirror)
            #expect(applied.code == 0, "\(applied.errors) OUT: \(applied.output)")
            let journal = try #require(try JSONValue(parsing: applied.output)["journals"]?[0])
            #expect(journal["status"]?.stringValue == "verified")
            let id = try #require(journal["id"]?.stringValue)

            let listed = try await run(["journal", "--json"], mirror)
            #expect(try JSONValue(parsing: listed.output)["items"]?[0]?["id"]?.stringValue == id)

            let undone = try await run(["undo", id], mirror)
            #expect(undone.code == 0, "\(undone.errors)")
            #expect(undone.errors.contains("added at"), "says plainly that added_at cannot be restored")
            #expect(await mirror.state.uris(of: "p5") == original)
        }
    }

    @Test func aStalePlanExits5WithTheNewPreview() async throws {
        try await TestMirror.with(.sqlite, library: DedupeTests.library(seed: 6, length: 50)) { mirror in
            let preview = try await run(["duplicates", "Random 6", "--json"], mirror)
            let planID = try #require(try JSONValue(parsing: preview.output)["plans"]?[0]?["plan_id"]?.stringValue)
            _ = try await mirror.state.applyAppEdit(["op": "move", "playlist": "p6", "from": 0, "to": 3])
            let edited = await mirror.state.uris(of: "p6")
            let stale = try await run(["dedupe", "--plan", planID, "--yes"], mirror)
            #expect(stale.code == 5, "\(stale.errors)")
            #expect(stale.errors.contains("changed since"))
            #expect(await mirror.state.uris(of: "p6") == edited, "nothing was written")

            // `dedupe --yes` plans and applies in one step: it re-plans on the new version and goes on.
            _ = try await mirror.state.applyAppEdit(["op": "move", "playlist": "p6", "from": 1, "to": 4])
            let fresh = try await run(["dedupe", "Random 6", "--yes"], mirror)
            #expect(fresh.code == 0, "\(fresh.errors)")
        }
    }

    @Test func badInputGetsClearErrors() async throws {
        try await TestMirror.with(.sqlite) { mirror in
            let match = try await run(["duplicates", "--match", "fuzzy"], mirror)
            #expect(match.code == 2 && match.errors.contains("--match"))
            let unknown = try await run(["duplicates", "No Such Playlist"], mirror)
            #expect(unknown.code == 1 && unknown.errors.contains("No Such Playlist"))
            let undo = try await run(["undo", "not-an-id"], mirror)
            #expect(undo.code == 2)
            let ignore = try await run(["ignore", "add", "spotify:track:a"], mirror)
            #expect(ignore.code == 2)
            let added = try await run(["ignore", "add", "spotify:track:b", "spotify:track:a", "--json"], mirror)
            #expect(try JSONValue(parsing: added.output)["pairs"] == [["spotify:track:a", "spotify:track:b"]])
            let across = try await run(["duplicates", "--across", "--json"], mirror)
            #expect(across.code == 0)
            #expect(
                (try JSONValue(parsing: across.output)["songs"]?.arrayValue?.count ?? 0) > 0, "the generated library shares songs"
            )
        }
    }
}

import App
import EmulatorTestSupport
import Foundation
import Library
import PlaykeeperJSON
import SpotifyEmulator
import Testing
import Vapor

/// "Playlists for you": the built-ins on and off, a playlist's songs with their reasons, the rule form's preview
/// and creation with plain form posts, its errors shown beside the form, and the CSRF token required.
@Suite(.serialized)
struct SmartPageTests {
    @Test func thePageTurnsPlaylistsOnPreviewsRulesAndExplainsEachSong() async throws {
        try await TestServer.with(library: CLITests.library) { server in
            let (cookie, csrf) = try await server.login()
            await server.settle()
            let actions = try await server.mirror.actions()
            try await SmartTests.importPlays(actions, SmartTests.plays([1: 5, 2: 3, 9: 1]), name: "a")

            let page = try await server.send(.GET, "/smart", cookie: cookie, accept: "text/html")
            #expect(page.status == .ok)
            for name in [
                "Playlists for you", "On repeat", "Forgotten favourites", "Never played", "Discovered", "id=\"rule-form\"",
            ] {
                #expect(page.body.contains(name), "\(name)")
            }
            #expect(page.body.contains("<option value=\"\(Calendar(identifier: .gregorian).component(.year, from: Date()))\">"))
            // Never played says since when "never" counts: the first play of the history.
            let first = try #require(try await actions.history.firstPlay())
            let began = "Your history begins on \(RollupRanges.label(ofDay: RollupRanges.day(of: first)))"
            #expect(page.body.contains(began), "\(began)")
            let never = try await server.send(.GET, "/smart/never-played", cookie: cookie, accept: "text/html")
            #expect(never.body.contains(began) && never.body.contains("never played means not once since then"))
            let onRepeat = try await server.send(.GET, "/smart/on-repeat", cookie: cookie, accept: "text/html")
            #expect(onRepeat.status == .ok && !onRepeat.body.contains(began), "only Never played says it")

            let refused = try await server.send(.POST, "/smart/on-repeat/enable", cookie: cookie, form: [:])
            #expect(refused.status == .forbidden, "a form post without the CSRF token")
            let on = try await server.send(.POST, "/smart/on-repeat/enable", cookie: cookie, form: ["csrf": csrf])
            #expect(on.status == .seeOther && on.headers.first(name: .location) == "/smart/on-repeat")
            let detail = try await server.send(.GET, "/smart/on-repeat", cookie: cookie, accept: "text/html")
            #expect(
                detail.body.contains("Song 1 – The Band<br><span class=\"muted\">5 plays in the last 30 days</span>"),
                "\(detail.body)")
            #expect(detail.body.contains("3 songs · last update"))
            #expect(detail.body.contains("nothing to write"))

            let preview = try await server.send(
                .POST, "/smart", cookie: cookie,
                form: ["csrf": csrf, "action": "preview", "name": "Short", "from[]": "history", "window": "7d", "limit": "2"])
            #expect(preview.status == .ok)
            #expect(preview.body.contains("Preview: Short") && preview.body.contains("2 songs;"))
            #expect(preview.body.contains("value=\"Short\""), "the form keeps what was written")

            let bad = try await server.send(
                .POST, "/smart", cookie: cookie, form: ["csrf": csrf, "action": "preview", "limit": "lots"])
            #expect(bad.status == .ok && bad.body.contains("id=\"rule-error\""))
            #expect(bad.body.contains("&#39;at most … songs&#39; must be a whole number from 1 to 10000, not &#39;lots&#39;"))
            let tooMany = try await server.send(
                .POST, "/smart", cookie: cookie,
                form: ["csrf": csrf, "action": "create", "name": "X", "min_plays": "4", "max_plays": "1"])
            #expect(tooMany.body.contains("no song could match"))

            let created = try await server.send(
                .POST, "/smart", cookie: cookie,
                form: [
                    "csrf": csrf, "action": "create", "name": "Heard twice", "from[]": "history", "min_plays": "2",
                    "window": "30d",
                ])
            #expect(created.status == .seeOther && created.headers.first(name: .location) == "/smart/heard-twice")
            let mine = try await server.send(.GET, "/smart/heard-twice", cookie: cookie, accept: "text/html")
            #expect(mine.body.contains("2 songs · last update") && mine.body.contains("id=\"remove\""))

            let off = try await server.send(.POST, "/smart/on-repeat/disable", cookie: cookie, form: ["csrf": csrf])
            #expect(off.status == .seeOther)
            let forgotten = try await server.send(.POST, "/smart/heard-twice/remove", cookie: cookie, form: ["csrf": csrf])
            #expect(forgotten.status == .seeOther)
            let after = try await server.send(.GET, "/smart", cookie: cookie, accept: "text/html")
            #expect(!after.body.contains("id=\"smart-heard-twice\"") && after.body.contains("id=\"toggle-on-repeat\">Turn on"))
            let missing = try await server.send(.GET, "/smart/nope", cookie: cookie, accept: "text/html")
            #expect(missing.status == .notFound)
        }
    }
}

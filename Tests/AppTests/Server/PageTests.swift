import App
import EmulatorTestSupport
import FluentKit
import Library
import Foundation
import PlaykeeperJSON
import SpotifyEmulator
import SpotifyWebAPI
import Store
import Testing
import Vapor

/// The pages in memory: escaping, followed playlists, the unified settings form, the journal's undo.
@Suite(.serialized)
struct PageTests {
    @Test func pagesEscapeWhatSpotifySendsAndShowFollowedPlaylistsAsMetadataOnly() async throws {
        try await TestServer.with { server in
            let (cookie, _) = try await server.login()
            await server.settle()
            let owned = try #require(
                try await PlaylistRecord.query(on: server.database).filter(\.$ownerID == "demo").filter(\.$isLiked == false)
                    .first())
            _ = try await server.mirror.state.applyAppEdit([
                "op": "rename", "playlist": .string(owned.spotifyID), "name": "<script>alert('x')</script>",
            ])
            _ = try await server.mirror.sync()
            let home = try await server.send(.GET, "/", cookie: cookie, accept: "text/html")
            #expect(home.status == .ok)
            #expect(home.body.contains("&lt;script&gt;alert"))
            #expect(!home.body.contains("<script>alert"))

            let followed = try #require(
                try await PlaylistRecord.query(on: server.database).filter(\.$canReadItems == false).first())
            let page = try await server.send(.GET, "/playlists/\(followed.spotifyID)", cookie: cookie, accept: "text/html")
            #expect(page.status == .ok)
            #expect(page.body.contains("Spotify lets apps read only its name and details"))
            #expect(!page.body.contains("apply-form"))
            let missing = try await server.send(.GET, "/playlists/nope", cookie: cookie, accept: "text/html")
            #expect(missing.status == .notFound)
            #expect(missing.body.contains("playlist nope was not found"))
            // Signed out, the pages send people to the home page to log in.
            let anonymous = try await server.send(.GET, "/journal", accept: "text/html")
            #expect(anonymous.status == .seeOther)
        }
    }

    @Test func theUnifiedSettingsFormSavesAndTheUpdateButtonRunsTheJob() async throws {
        try await TestServer.with(library: UnifiedTests.library(tracks: 30, playlists: [Array(0..<20), Array(10..<30)])) {
            server in
            let (cookie, csrf) = try await server.login()
            await server.settle()
            let saved = try await server.send(
                .POST, "/unified", cookie: cookie,
                form: [
                    "csrf": csrf, "name": "Everything", "liked": "true", "propagate": "true", "match": "recording",
                    "app_edits": "restore",
                ])
            #expect(saved.status == .seeOther)
            let settings = try await UnifiedRoutesProbe.settings(server)
            #expect(
                settings.name == "Everything" && settings.liked && settings.match == .recording && settings.appEdits == .restore)
            #expect(!settings.includeEpisodes)
            let updated = try await server.send(.POST, "/unified/update", cookie: cookie, form: ["csrf": csrf])
            #expect(updated.status == .seeOther)
            #expect(updated.headers.first(name: .location) == "/unified", "the notice is not in the address")
            // The notice travels in a sealed one-time cookie: shown on the next page, then cleared.
            let notice = try #require(TestServer.cookies(updated)["playkeeper_notice"])
            #expect(!notice.contains("finished"), "sealed, not readable")
            let page = try await server.send(
                .GET, "/unified", cookie: cookie, accept: "text/html", cookies: ["playkeeper_notice": notice])
            #expect(page.body.contains("<strong>Everything</strong>: 30 songs"))
            #expect(page.body.contains("The unify finished."))
            #expect(TestServer.cookies(page)["playkeeper_notice"] == "")
            // A notice cannot be written into a link, nor forged.
            let linked = try await server.send(
                .GET, "/unified?notice=Your%20account%20is%20locked", cookie: cookie, accept: "text/html")
            #expect(!linked.body.contains("account is locked"))
            let forged = try await server.send(
                .GET, "/unified", cookie: cookie, accept: "text/html", cookies: ["playkeeper_notice": "SGVsbG8"])
            #expect(!forged.body.contains("id=\"notice\""))
            for name in [" ", "a\u{0}b", String(repeating: "x", count: 101), "tab\there"] {
                let bad = try await server.send(.POST, "/unified", cookie: cookie, form: ["csrf": csrf, "name": name])
                #expect(bad.status == .unprocessableEntity, "\(name.debugDescription)")
            }
        }
    }
}

/// Reads the saved unified settings the way the service does.
enum UnifiedRoutesProbe {
    static func settings(_ server: TestServer) async throws -> UnifiedSettings {
        let user = try await server.mirror.user()
        return try await UnifiedService(database: server.database, client: server.context.api.client(for: "demo"), user: user)
            .load().settings
    }
}

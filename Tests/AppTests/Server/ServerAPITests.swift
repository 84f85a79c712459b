import App
import EmulatorTestSupport
import FluentKit
import Foundation
import Library
import PlaykeeperJSON
import SpotifyEmulator
import Store
import SpotifyWebAPI
import Testing
import Vapor

/// The API end to end: sync jobs, the mirror, duplicates, apply, journal, undo, unified, export, metrics.
@Suite(.serialized)
struct ServerAPITests {
    /// Starts a sync through the API and waits for it.
    func sync(_ server: TestServer, token: String) async throws -> JSONValue {
        let started = try await server.send(.POST, "/api/v1/syncs", bearer: token)
        #expect(started.status == .accepted)
        #expect(started.headers.first(name: .location)?.hasPrefix("/api/v1/jobs/") == true)
        await server.settle()
        let id = try #require(started.json["id"]?.stringValue)
        let job = try await server.send(.GET, "/api/v1/jobs/\(id)", bearer: token)
        #expect(job.json["status"]?.stringValue == "succeeded", "\(job.body)")
        return job.json
    }

    @Test(arguments: StoreKind.available)
    func syncPreviewApplyJournalAndUndo(_ kind: StoreKind) async throws {
        try await TestServer.with(kind, library: DedupeTests.library(seed: 3, length: 40)) { server in
            let token = try await server.token()
            _ = try await sync(server, token: token)

            let playlists = try await server.send(.GET, "/api/v1/playlists?limit=10", bearer: token)
            #expect(playlists.status == .ok)
            #expect(playlists.json["items"]?.arrayValue?.contains { $0["id"]?.stringValue == "p3" } == true)
            let entries = try await server.send(.GET, "/api/v1/playlists/p3/entries?limit=5&offset=2", bearer: token)
            #expect(entries.json["items"]?.arrayValue?.count == 5)
            #expect(entries.json["items"]?[0]?["position"]?.intValue == 2)
            #expect(entries.json["total"]?.intValue == 40)
            let one = try await server.send(.GET, "/api/v1/playlists/p3", bearer: token)
            #expect(one.json["name"]?.stringValue == "Random 3" && one.json["entry_count"]?.intValue == 40)
            let jobs = try await server.send(.GET, "/api/v1/jobs", bearer: token)
            #expect(jobs.json["items"]?.arrayValue?.contains { $0["kind"]?.stringValue == "sync" } == true)
            let tokens = try await server.send(.GET, "/api/v1/tokens", bearer: token)
            #expect(tokens.json["items"]?.arrayValue?.count == 1)
            #expect(tokens.json["items"]?[0]?["last_used_at"]?.stringValue != nil, "tokens record their last use")
            let history = try await server.send(.GET, "/api/v1/playlists/p3/history", bearer: token)
            #expect(history.json["versions"]?.arrayValue?.count == 1)

            let preview = try await server.send(.GET, "/api/v1/playlists/p3/duplicates?match=recording&keep=first", bearer: token)
            #expect(preview.status == .ok)
            let planID = try #require(preview.json["plan_id"]?.stringValue)
            let groups = try #require(preview.json["groups"]?.arrayValue)
            #expect(!groups.isEmpty)
            #expect(groups.allSatisfy { !($0["explanation"]?.stringValue ?? "").isEmpty }, "every match is explained")

            // A stale plan is refused with 409.
            _ = try await server.mirror.state.applyAppEdit(["op": "move", "playlist": "p3", "from": 0, "to": 5])
            let stale = try await server.send(.POST, "/api/v1/plans/\(planID)/apply", bearer: token)
            #expect(stale.status == .conflict)

            _ = try await sync(server, token: token)
            let fresh = try await server.send(.GET, "/api/v1/playlists/p3/duplicates", bearer: token)
            let freshID = try #require(fresh.json["plan_id"]?.stringValue)
            let firstGroup = try #require(fresh.json["groups"]?[0]?["id"]?.stringValue)
            let before = await server.mirror.state.uris(of: "p3")
            let applied = try await server.send(
                .POST, "/api/v1/plans/\(freshID)/apply", bearer: token, json: ["groups": [.string(firstGroup)]])
            #expect(applied.status == .ok, "\(applied.body)")
            #expect(applied.json["status"]?.stringValue == "verified")
            #expect(await server.mirror.state.uris(of: "p3") != before)

            let journal = try await server.send(.GET, "/api/v1/journal", bearer: token)
            let entryID = try #require(journal.json["items"]?[0]?["id"]?.stringValue)
            let undone = try await server.send(.POST, "/api/v1/journal/\(entryID)/undo", bearer: token)
            #expect(undone.status == .ok, "\(undone.body)")
            #expect(await server.mirror.state.uris(of: "p3") == before)
            // Undoing twice is refused.
            #expect(try await server.send(.POST, "/api/v1/journal/\(entryID)/undo", bearer: token).status == .conflict)

            // The whole-library preview and the cross-playlist report.
            let all = try await server.send(.GET, "/api/v1/duplicates", bearer: token)
            #expect(all.json["plans"]?.arrayValue?.count == 1)
            #expect(try await server.send(.GET, "/api/v1/duplicates/across", bearer: token).status == .ok)
        }
    }

    /// The list of playlists (written straight to text, from one statement) agrees with each playlist's own answer,
    /// pages through the library in order, counts it past its end, and reads its numbers as the other routes do.
    @Test(arguments: StoreKind.available)
    func playlistPagesAgreeWithEachPlaylist(_ kind: StoreKind) async throws {
        let library = UnifiedTests.library(tracks: 30, playlists: (0..<7).map { Array($0..<($0 + 4)) })
        try await TestServer.with(kind, library: library) { server in
            let token = try await server.token()
            _ = try await sync(server, token: token)
            let all = try await server.send(.GET, "/api/v1/playlists?limit=200", bearer: token)
            let items = try #require(all.json["items"]?.arrayValue)
            let total = try #require(all.json["total"]?.intValue)
            #expect(total == items.count && total >= 8, "the seven playlists and Liked Songs: \(all.body)")
            #expect(all.json["limit"]?.intValue == 200 && all.json["offset"]?.intValue == 0)
            for item in items {
                let id = try #require(item["id"]?.stringValue)
                let one = try await server.send(.GET, "/api/v1/playlists/\(id)", bearer: token)
                #expect(one.json == item, "\(id): the list and the playlist say the same")
                #expect(item["last_synced_at"] == .null || item["last_synced_at"]?.stringValue?.hasSuffix("Z") == true)
                #expect(item["gone"] == false && item["gone_at"] == .null)
            }
            #expect(items.contains { $0["last_synced_at"]?.stringValue != nil })
            var paged: [JSONValue] = []
            for offset in stride(from: 0, to: total, by: 3) {
                let page = try await server.send(.GET, "/api/v1/playlists?limit=3&offset=\(offset)", bearer: token)
                #expect(page.json["total"]?.intValue == total)
                paged += page.json["items"]?.arrayValue ?? []
            }
            #expect(paged == items, "pages of 3 read the library in the same order")
            let past = try await server.send(.GET, "/api/v1/playlists?offset=\(total + 5)", bearer: token)
            #expect(past.json["items"] == [] && past.json["total"]?.intValue == total, "\(past.body)")
            let repeated = try await server.send(.GET, "/api/v1/playlists?limit=9&limit=%32&offset=%31", bearer: token)
            #expect(repeated.json["limit"]?.intValue == 2 && repeated.json["offset"]?.intValue == 1, "the last wins, decoded")
            #expect(repeated.json["items"]?.arrayValue == Array(items[1...2]))
            let bad = try await server.send(.GET, "/api/v1/playlists?limit=%zz", bearer: token)
            #expect(bad.status == .badRequest && bad.body.contains("%zz"), "\(bad.body)")
        }
    }

    @Test func ignoresRoundTrip() async throws {
        try await TestServer.with { server in
            let token = try await server.token()
            let pairs: JSONValue = ["pairs": [["spotify:track:a", "spotify:track:b"]]]
            let put = try await server.send(.PUT, "/api/v1/ignores", bearer: token, json: pairs)
            #expect(put.status == .ok)
            let got = try await server.send(.GET, "/api/v1/ignores", bearer: token)
            #expect(got.json["pairs"]?.arrayValue?.count == 1)
        }
    }

    @Test func theUnifiedPlaylistThroughTheAPI() async throws {
        try await TestServer.with(library: UnifiedTests.library(tracks: 60, playlists: [Array(0..<30), Array(20..<60)])) {
            server in
            let token = try await server.token()
            _ = try await sync(server, token: token)
            let put = try await server.send(
                .PUT, "/api/v1/unified", bearer: token, json: ["name": "Everything", "include_episodes": true])
            #expect(put.status == .ok, "\(put.body)")
            #expect(put.json["settings"]?["name"]?.stringValue == "Everything")
            #expect(put.json["preview"]?["writes"]?.intValue == 2, "create + one batch of 60")
            let update = try await server.send(.POST, "/api/v1/unified/update", bearer: token)
            #expect(update.status == .accepted)
            await server.settle()
            let job = try await server.send(.GET, "/api/v1/jobs/\(update.json["id"]!.stringValue!)", bearer: token)
            #expect(job.json["status"]?.stringValue == "succeeded", "\(job.body)")
            #expect(job.json["result"]?["unified"]?["songs"]?.intValue == 60)
            let shown = try await server.send(.GET, "/api/v1/unified", bearer: token)
            #expect(shown.json["shards"]?[0]?["name"]?.stringValue == "Everything")
            #expect(shown.json["preview"]?["writes"]?.intValue == 0)
        }
    }

    @Test(arguments: StoreKind.available)
    func theExportHoldsTheStoreAndTheDocumentedCSVHeader(_ kind: StoreKind) async throws {
        try await TestServer.with(kind) { server in
            let token = try await server.token()
            _ = try await sync(server, token: token)
            let csv = try await server.send(.GET, "/api/v1/export?format=csv", bearer: token)
            #expect(csv.status == .ok)
            #expect(csv.headers.first(name: .contentType)?.hasPrefix("text/csv") == true)
            let header = csv.body.split(separator: "\r\n").first.map(String.init)
            #expect(
                header
                    == "Playlist ID,Playlist Name,Track URI,Track Name,Artist Name(s),Album Name,Album Release Date,Disc Number,Track Number,Track Duration (ms),Explicit,Added By,Added At,ISRC"
            )
            let json = try await server.send(.GET, "/api/v1/export?format=json", bearer: token)
            let exported = try #require(json.json["playlists"]?.arrayValue)
            let user = try await server.mirror.user()
            let stored = try await PlaylistRecord.query(on: server.database).filter(\.$user.$id == user.requireID())
                .filter(\.$goneAt == nil).sort(\.$listPosition).all()
            #expect(exported.map { $0["id"]?.stringValue } == stored.map(\.spotifyID))
            var rows = 0
            for (playlist, record) in zip(exported, stored) {
                let entries = try await EntryRecord.query(on: server.database).filter(\.$playlist.$id == record.requireID())
                    .sort(\.$position).all()
                #expect(playlist["entries"]?.arrayValue?.map { $0["uri"]?.stringValue } == entries.map(\.uri), "\(record.name)")
                #expect(playlist["snapshot_id"]?.stringValue == record.snapshotID)
                rows += entries.count
            }
            #expect(csv.body.split(separator: "\r\n").count == rows + 1, "one CSV row per entry")
        }
    }

    @Test func healthAndMetrics() async throws {
        try await TestServer.with { server in
            let health = try await server.send(.GET, "/healthz")
            #expect(health.status == .ok)
            #expect(health.json["status"]?.stringValue == "ok")
            let token = try await server.token()
            _ = try await sync(server, token: token)
            let metrics = try await server.send(.GET, "/metrics")
            #expect(metrics.status == .ok)
            #expect(metrics.body.contains(#"playkeeper_spotify_calls_total{endpoint="GET /v1/me/playlists",status="200"}"#))
            #expect(metrics.body.contains("playkeeper_sync_seconds"))
            #expect(metrics.body.contains(#"playkeeper_jobs_total{kind="sync",outcome="succeeded"} 1"#))
            let budget = await server.context.api.budget.learned
            #expect(metrics.body.contains("playkeeper_spotify_request_budget \(budget.limit)"), "what the budget allows now")
            #expect(!metrics.body.contains("playkeeper_spotify_rate_limit_observed"), "no 429 seen yet")

            // 429s and the wait they caused, as the client reports them.
            server.context.metrics.recordRateLimitWait(endpoint: "GET /v1/me/playlists", seconds: 2.5)
            let limited = try await server.send(.GET, "/metrics")
            #expect(limited.body.contains("playkeeper_spotify_rate_limited_total"))
            #expect(limited.body.contains("playkeeper_spotify_rate_limit_wait_seconds_total 2.5"))
        }
    }
}

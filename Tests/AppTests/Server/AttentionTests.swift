import App
import EmulatorTestSupport
import FluentKit
import Foundation
import Library
import NIOHTTP1
import PlaykeeperJSON
import SpotifyEmulator
import SpotifyWebAPI
import Store
import Testing
import Vapor

#if canImport(Glibc)
    import Glibc
#endif

/// A change that was interrupted and then edited by the person is left alone, and every place says so and
/// offers both ways out: the journal page, the API, `journal` and `doctor`.
@Suite(.serialized)
struct AttentionTests {
    // Songs 0 and 1 repeat: a and b are removed (every copy) and added back at the front.
    static let entries = [0, 1, 2, 0, 3, 1, 4, 5, 6, 7, 8, 9, 10, 11]
    static let library = UnifiedTests.library(tracks: 20, playlists: [entries])
    static let playlist = "upl0000000000000000000"

    @Test(.timeLimit(.minutes(3)))
    func aChangeEditedMeanwhileIsLeftAloneAndOffersBothWaysOut() async throws {
        try await TestServer.with(library: Self.library) { server in
            let (cookie, csrf) = try await server.login()
            await server.settle()
            let original = try #require(await server.mirror.state.uris(of: Self.playlist))
            let service = DedupeService(
                database: server.database, client: server.mirror.api.client(for: "demo"), user: try await server.mirror.user())
            let preview = try await service.preview(
                try #require(try await server.mirror.playlist(Self.playlist)), level: .exact, keep: .first)
            #expect(preview.plan.operations.count == 2 && !preview.plan.rebuilds)

            // Every write lands and its reply is lost: the change stays open.
            _ = try await server.mirror.state.updateKnobs(["fault_after_write_rate": 1])
            await #expect(throws: SpotifyError.self) { _ = try await service.apply(planID: try preview.record.requireID()) }
            _ = try await server.mirror.state.updateKnobs(["fault_after_write_rate": 0])
            // Meanwhile the person removes song 5, which the change never touched.
            _ = try await server.mirror.state.applyAppEdit([
                "op": "remove", "playlist": .string(Self.playlist), "uris": [.string(UnifiedTests.trackURI(5))],
            ])
            let edited = await server.mirror.state.uris(of: Self.playlist)

            // The page's sync runs as a job of the scheduler, which settles first: left alone.
            #expect(try await server.send(.POST, "/sync", cookie: cookie, form: ["csrf": csrf]).status == .seeOther)
            await server.settle()
            let entry = try #require(try await JournalRecord.query(on: server.database).first())
            #expect(entry.status == .needsAttention)
            #expect(
                entry.recovery?.contains("left alone") == true && entry.recovery?.contains("by the scheduler's sync job") == true)
            #expect(await server.mirror.state.uris(of: Self.playlist) == edited, "nothing is written over the person's edit")

            let page = try await server.send(.GET, "/journal", cookie: cookie, accept: "text/html")
            #expect(page.body.contains("needs attention") && page.body.contains("Restore the original"))
            #expect(page.body.contains("href=\"/playlists/\(Self.playlist)\""), "plan again from the playlist's page")

            let token = try await server.token()
            let api = try await server.send(.GET, "/api/v1/journal", bearer: token)
            let view = try #require(api.json["items"]?[0])
            #expect(view["status"]?.stringValue == "needs_attention" && view["recovered_at"]?.stringValue != nil)
            let actions = view["actions"]?.arrayValue?.compactMap { $0["action"]?.stringValue }
            #expect(actions == ["restore", "plan_again"])

            // `journal` shows it, and doctor fails, naming the entry.
            let environment = DedupeCLITests().environment(server.mirror)
            let journal = try ExecutableTests.Run(["journal"], environment: environment)
            #expect(try await journal.exitCode() == 0)
            #expect(journal.output.contains("needs attention") && journal.output.contains("    recovered: "))
            let doctor = try ExecutableTests.Run(["doctor"], environment: environment)
            #expect(try await doctor.exitCode() == 1)
            #expect(
                doctor.output.contains("journal \(try entry.requireID().uuidString)") && doctor.output.contains("needs attention")
            )

            // Restoring the original is one of the two ways out.
            let restored = try await server.send(
                .POST, "/journal/\(try entry.requireID().uuidString)/undo", cookie: cookie,
                form: ["csrf": csrf, "force": "true"])
            #expect(restored.status == .seeOther)
            #expect(await server.mirror.state.uris(of: Self.playlist) == original)
        }
    }
}

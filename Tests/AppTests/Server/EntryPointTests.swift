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

/// Every way into a person's library goes through the one entry point (`UserActions`). With a change left open
/// (its writes landed, their replies lost), the first thing any operation does, whoever asks, is settle it; the
/// journal names who did. The CLI's commands are shown the same in `CrashPointTests`
/// (`everyCommandSettlesAnInterruptedChangeFirst`).
@Suite(.serialized)
struct EntryPointTests {
    static let playlist = AttentionTests.playlist

    /// An operation of the API, the page or the scheduler, and the origin the journal names for it.
    enum Way: String, CaseIterable, CustomTestStringConvertible {
        case apiPreview, apiPreviewAll, apiAcross, apiApply, apiUndo, apiExport, apiSync, apiUnify, apiSmart, apiSmartUpdate
        case pagePreview, pageApply, pageUndo, pageSync, pageUnify, pageSmart, pageSmartUpdate

        var testDescription: String { rawValue }

        var origin: String {
            switch self {
            case .apiPreview, .apiPreviewAll, .apiAcross, .apiApply, .apiUndo, .apiExport, .apiSmart: "the API"
            case .pagePreview, .pageApply, .pageUndo, .pageSmart: "the page"
            case .apiSmartUpdate, .pageSmartUpdate: "the scheduler's smart job"
            case .apiSync, .pageSync: "the scheduler's sync job"
            case .apiUnify, .pageUnify: "the scheduler's unify job"
            }
        }

        /// An undo of the open change itself: it is finished first, then undone.
        var undoes: Bool { self == .apiUndo || self == .pageUndo }
    }

    @Test(.timeLimit(.minutes(2)), arguments: Way.allCases)
    func everyWayInSettlesAnOpenChangeFirst(_ way: Way) async throws {
        try await TestServer.with(library: AttentionTests.library) { server in
            let (cookie, csrf) = try await server.login()
            let token = try await server.token()
            await server.settle()
            let (entry, plan, group) = try await Self.openChange(server)
            let id = try entry.requireID().uuidString
            let path = "/api/v1"
            let reply: TestServer.Reply
            switch way {
            case .apiPreview: reply = try await server.send(.GET, "\(path)/playlists/\(Self.playlist)/duplicates", bearer: token)
            case .apiPreviewAll: reply = try await server.send(.GET, "\(path)/duplicates", bearer: token)
            case .apiAcross: reply = try await server.send(.GET, "\(path)/duplicates/across", bearer: token)
            case .apiApply: reply = try await server.send(.POST, "\(path)/plans/\(plan)/apply", bearer: token, json: [:])
            case .apiUndo: reply = try await server.send(.POST, "\(path)/journal/\(id)/undo", bearer: token, json: [:])
            case .apiExport: reply = try await server.send(.GET, "\(path)/export", bearer: token)
            case .apiSync: reply = try await server.send(.POST, "\(path)/syncs", bearer: token)
            case .apiUnify: reply = try await server.send(.POST, "\(path)/unified/update", bearer: token)
            case .apiSmart: reply = try await server.send(.GET, "\(path)/smart/on-repeat", bearer: token)
            case .apiSmartUpdate: reply = try await server.send(.POST, "\(path)/smart/update", bearer: token)
            case .pageSmart: reply = try await server.send(.GET, "/smart", cookie: cookie, accept: "text/html")
            case .pageSmartUpdate: reply = try await server.send(.POST, "/smart/update", cookie: cookie, form: ["csrf": csrf])
            case .pagePreview:
                reply = try await server.send(.GET, "/playlists/\(Self.playlist)", cookie: cookie, accept: "text/html")
            case .pageApply:
                reply = try await server.send(
                    .POST, "/playlists/\(Self.playlist)/apply", cookie: cookie,
                    form: ["csrf": csrf, "plan": plan, "groups[]": group])
            case .pageUndo: reply = try await server.send(.POST, "/journal/\(id)/undo", cookie: cookie, form: ["csrf": csrf])
            case .pageSync: reply = try await server.send(.POST, "/sync", cookie: cookie, form: ["csrf": csrf])
            case .pageUnify: reply = try await server.send(.POST, "/unified/update", cookie: cookie, form: ["csrf": csrf])
            }
            await server.settle()
            // Applying the plan the open change was made from is refused as stale: it was settled before.
            let expected: HTTPStatus =
                switch way {
                case .apiApply: .conflict
                case .apiSync, .apiUnify, .apiSmartUpdate: .accepted
                case .pageApply, .pageUndo, .pageSync, .pageUnify, .pageSmartUpdate: .seeOther
                default: .ok
                }
            #expect(reply.status == expected, "\(way): \(reply.status) \(reply.body.prefix(300))")
            let settled = try #require(try await JournalRecord.find(entry.requireID(), on: server.database))
            #expect(settled.status == (way.undoes ? .undone : .verified), "\(way): \(settled.status)")
            #expect(
                settled.recovery?.contains("finished") == true && settled.recovery?.contains("(by \(way.origin),") == true,
                "\(way): \(settled.recovery ?? "no recovery note")")
        }
    }

    /// While another process holds the person's lease, a write through the API waits for it, then answers 409
    /// with the entry point's message, and nothing is written.
    @Test(.timeLimit(.minutes(2)))
    func aWriteWaitsForTheLeaseAndThenAnswersConflict() async throws {
        try await TestServer.with(library: AttentionTests.library) { server in
            let token = try await server.token()
            _ = try await server.mirror.sync()
            let service = DedupeService(
                database: server.database, client: server.mirror.api.client(for: "demo"), user: try await server.mirror.user())
            let preview = try await service.preview(
                try #require(try await server.mirror.playlist(Self.playlist)), level: .exact, keep: .first)
            let lease = try await DatabaseLock.acquire(
                UserActions.leaseName("demo"), on: server.database, ttl: 60, wait: 0, holder: "another process")
            let before = await server.mirror.state.uris(of: Self.playlist)
            let reply = try await server.send(
                .POST, "/api/v1/plans/\(try preview.record.requireID().uuidString)/apply", bearer: token, json: [:])
            try await lease.release()
            #expect(reply.status == .conflict)
            #expect(reply.errorMessage?.contains("another sync, dedupe or unify of demo is running (another process)") == true)
            #expect(await server.mirror.state.uris(of: Self.playlist) == before, "nothing was written")
            #expect(try await JournalRecord.query(on: server.database).count() == 0)
        }
    }

    /// A dedupe whose every write landed and whose replies were lost: the journal entry stays `applying`, as it
    /// would after a crash past the last write. Returns it, the id of the plan it applied and one of its groups.
    static func openChange(_ server: TestServer) async throws -> (JournalRecord, String, String) {
        let service = DedupeService(
            database: server.database, client: server.mirror.api.client(for: "demo"), user: try await server.mirror.user())
        let preview = try await service.preview(
            try #require(try await server.mirror.playlist(playlist)), level: .exact, keep: .first)
        _ = try await server.mirror.state.updateKnobs(["fault_after_write_rate": 1])
        await #expect(throws: SpotifyError.self) { _ = try await service.apply(planID: try preview.record.requireID()) }
        _ = try await server.mirror.state.updateKnobs(["fault_after_write_rate": 0])
        let entry = try #require(try await JournalRecord.query(on: server.database).first())
        #expect(entry.status == .applying)
        let group = try #require(preview.plan.groups.first?.id)
        return (entry, try preview.record.requireID().uuidString, group)
    }
}

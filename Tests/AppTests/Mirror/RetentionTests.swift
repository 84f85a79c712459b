import App
import EmulatorTestSupport
import FluentKit
import Foundation
import Library
import SpotifyWebAPI
import Store
import Testing

/// What the store forgets, and what it keeps, on both stores.
@Suite(.serialized)
struct RetentionTests {
    @Test(arguments: StoreKind.available)
    func oldRowsGoAndWhatUndoSchedulingAndHistoryNeedStays(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind, library: DedupeTests.library(seed: 7, length: 40)) { mirror in
            _ = try await mirror.sync()
            _ = try await mirror.sync()
            let database = mirror.database
            let user = try await mirror.user()
            let userID = try user.requireID()
            let now = Date()
            let old = now.addingTimeInterval(-100 * 86_400)

            // Two plans from long ago: one applied (its journal entry needs it), one only looked at.
            let service = DedupeService(database: database, client: mirror.api.client(for: "demo"), user: user)
            let playlist = try #require(try await mirror.playlist("p7"))
            let applied = try await service.preview(playlist, level: .exact, keep: .first).record
            _ = try await service.apply(planID: try applied.requireID())
            let lookedAt = try await service.preview(playlist, level: .exact, keep: .newest).record
            for plan in [applied, lookedAt] {
                plan.createdAt = old
                try await plan.save(on: database)
            }
            // Jobs: two old finished syncs (the newer is the latest) and an old refresh (the only one).
            var jobs: [JobRecord] = []
            for (kind, finished) in [(JobKind.sync, old), (.sync, old.addingTimeInterval(60)), (.refresh, old)] {
                let job = JobRecord()
                job.$user.id = userID
                (job.kind, job.status, job.trigger, job.attempts) = (kind, .succeeded, "schedule", 0)
                (job.runAfter, job.createdAt, job.finishedAt) = (finished, finished, finished)
                try await job.create(on: database)
                jobs.append(job)
            }
            // Sync runs: the two syncs above; the first is made old.
            let runs = try await SyncRunRecord.query(on: database).sort(\.$startedAt).all()
            #expect(runs.count == 2)
            runs[0].startedAt = old
            runs[0].finishedAt = old
            try await runs[0].save(on: database)
            // A session that has expired and one that has not.
            for expires in [now.addingTimeInterval(-1), now.addingTimeInterval(3600)] {
                let session = WebSessionRecord()
                session.$user.id = userID
                (session.tokenHash, session.csrfToken, session.createdAt, session.expiresAt) = (
                    UUID().uuidString, "c", now, expires
                )
                try await session.create(on: database)
            }

            let removed = try await Retention.apply(on: database, now: now)
            #expect(removed[PlanRecord.schema] == 1 && removed[JobRecord.schema] == 1, "\(removed)")
            #expect(removed[SyncRunRecord.schema] == 1 && removed[WebSessionRecord.schema] == 1, "\(removed)")
            #expect(try await PlanRecord.find(applied.id, on: database) != nil, "an applied plan stays with its journal entry")
            #expect(try await PlanRecord.find(lookedAt.id, on: database) == nil)
            let left = Set(try await JobRecord.query(on: database).all().compactMap(\.id))
            #expect(left == [jobs[1].id!, jobs[2].id!], "each kind's latest job stays")
            #expect(try await SyncRunRecord.query(on: database).count() == 1)
            #expect(try await JournalRecord.query(on: database).count() == 1, "the journal stays")
            #expect(try await PlaylistVersionRecord.query(on: database).count() > 0, "history stays")
            // Nothing more goes the second time.
            #expect(try await Retention.apply(on: database, now: now).values.allSatisfy { $0 == 0 })
        }
    }
}

import FluentKit
import Foundation
import SQLKit

/// 008: jobs that several instances share. A claimed job names its instance and carries a heartbeat; a job that
/// is queued or running holds `pending_key` (`user|kind`), unique, so that a person has at most one pending job of
/// each kind whichever instance schedules it.
struct AddJobLeases: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        try await database.schema(JobRecord.schema).field("claimed_by", .string).update()
        try await database.schema(JobRecord.schema).field("heartbeat_at", .datetime).update()
        try await database.schema(JobRecord.schema).field("pending_key", .string).update()
        // Before the index: one pending job per person and kind; any extra (two instances scheduled at once) ends.
        let pending = try await JobRecord.query(on: database).filter(\.$status ~~ [JobStatus.queued, .running])
            .sort(\.$createdAt).all()
        var seen = Set<String>()
        for job in pending {
            let key = JobRecord.pendingKey(user: job.$user.id, kind: job.kind)
            if seen.insert(key).inserted {
                job.pendingKey = key
            } else {
                job.status = .failed
                job.error = "a duplicate of another pending job of this person; dropped"
                job.finishedAt = Date()
            }
            try await job.save(on: database)
        }
        try await database.sql().create(index: "jobs_pending_key").unique().on(JobRecord.schema).column("pending_key").run()
    }

    func revert(on database: any Database) async throws {
        try await database.sql().drop(index: "jobs_pending_key").run()
        for field in ["claimed_by", "heartbeat_at", "pending_key"] {
            try await database.schema(JobRecord.schema).deleteField(.string(field)).update()
        }
    }
}

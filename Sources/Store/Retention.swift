import FluentKit
import Foundation
import SQLKit

/// How long the store keeps what it would otherwise gather forever, in one place. The journal (what undo needs)
/// and the playlists' version history are kept; so is each person's latest job of each kind and latest sync run.
public enum Retention {
    /// Plans a person looked at and never applied, after this long.
    public static let plans: TimeInterval = 30 * 86_400
    /// Finished jobs, after this long, except each person's latest of each kind (the scheduler plans from it).
    public static let jobs: TimeInterval = 30 * 86_400
    /// Finished sync runs, after this long, except each person's latest.
    public static let syncRuns: TimeInterval = 90 * 86_400

    /// Deletes what is past its time, by one statement a table; returns how many rows went from each.
    @discardableResult
    public static func apply(on database: any Database, now: Date) async throws -> [String: Int] {
        let sql = try database.sql()
        var removed: [String: Int] = [:]
        func delete(_ table: String, _ statement: SQLQueryString) async throws {
            removed[table] = try await sql.raw(statement).all().count
        }
        // Browser sessions and sign-ins in progress that have expired.
        try await delete(
            WebSessionRecord.schema,
            "DELETE FROM \(ident: WebSessionRecord.schema) WHERE expires_at < \(bind: now) RETURNING id")
        try await delete(
            LoginStateRecord.schema,
            "DELETE FROM \(ident: LoginStateRecord.schema) WHERE expires_at < \(bind: now) RETURNING id")
        // Locks whose holder let them expire.
        try await delete(
            LockRecord.schema,
            "DELETE FROM \(ident: LockRecord.schema) WHERE expires_at < \(bind: now.timeIntervalSince1970) RETURNING name")
        // Plans never applied (an applied one stays with its journal entry).
        try await delete(
            PlanRecord.schema,
            """
            DELETE FROM \(ident: PlanRecord.schema) WHERE created_at < \(bind: now.addingTimeInterval(-plans))
            AND NOT EXISTS (SELECT 1 FROM \(ident: JournalRecord.schema) AS entry WHERE entry.plan_id = \(ident: PlanRecord.schema).id)
            RETURNING id
            """)
        try await delete(
            JobRecord.schema,
            """
            DELETE FROM \(ident: JobRecord.schema) WHERE finished_at < \(bind: now.addingTimeInterval(-jobs))
            AND EXISTS (SELECT 1 FROM \(ident: JobRecord.schema) AS newer WHERE newer.user_id = \(ident: JobRecord.schema).user_id
                AND newer.kind = \(ident: JobRecord.schema).kind AND newer.finished_at > \(ident: JobRecord.schema).finished_at)
            RETURNING id
            """)
        try await delete(
            SyncRunRecord.schema,
            """
            DELETE FROM \(ident: SyncRunRecord.schema) WHERE finished_at < \(bind: now.addingTimeInterval(-syncRuns))
            AND EXISTS (SELECT 1 FROM \(ident: SyncRunRecord.schema) AS newer WHERE newer.user_id = \(ident: SyncRunRecord.schema).user_id
                AND newer.started_at > \(ident: SyncRunRecord.schema).started_at)
            RETURNING id
            """)
        return removed
    }
}

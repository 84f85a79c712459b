import FluentKit
import SQLKit

/// 007: what `playkeeper serve` keeps: browser sessions, personal API tokens, logins in progress, jobs.
struct CreateService: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(WebSessionRecord.schema)
            .id()
            .field("token_hash", .string, .required)
            .field("user_id", .uuid, .required, .references(UserRecord.schema, .id, onDelete: .cascade))
            .field("csrf_token", .string, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .unique(on: "token_hash")
            .create()
        try await database.schema(APITokenRecord.schema)
            .id()
            .field("user_id", .uuid, .required, .references(UserRecord.schema, .id, onDelete: .cascade))
            .field("name", .string, .required)
            .field("token_hash", .string, .required)
            .field("prefix", .string, .required)
            .field("created_at", .datetime, .required)
            .field("last_used_at", .datetime)
            .unique(on: "token_hash")
            .create()
        try await database.schema(LoginStateRecord.schema)
            .id()
            .field("state_hash", .string, .required)
            .field("verifier", .string)
            .field("expires_at", .datetime, .required)
            .unique(on: "state_hash")
            .create()
        try await database.schema(JobRecord.schema)
            .id()
            .field("user_id", .uuid, .required, .references(UserRecord.schema, .id, onDelete: .cascade))
            .field("kind", .string, .required)
            .field("status", .string, .required)
            .field("trigger", .string, .required)
            .field("run_after", .datetime, .required)
            .field("attempts", .int, .required)
            .field("started_at", .datetime)
            .field("finished_at", .datetime)
            .field("error", .string)
            .field("result", .string)
            .field("created_at", .datetime, .required)
            .create()
        try await database.sql().create(index: "jobs_due").on(JobRecord.schema).column("status").column("run_after").run()
    }

    func revert(on database: any Database) async throws {
        for schema in [JobRecord.schema, LoginStateRecord.schema, APITokenRecord.schema, WebSessionRecord.schema] {
            try await database.schema(schema).delete()
        }
    }
}

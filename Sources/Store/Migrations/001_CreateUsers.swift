import FluentKit
import SQLKit

/// 001: users and their encrypted credentials.
struct CreateUsers: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(UserRecord.schema)
            .id()
            .field("spotify_id", .string, .required)
            .field("account_id", .string)
            .field("display_name", .string)
            .field("authorized_at", .datetime)
            .field("needs_login", .bool, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "spotify_id")
            .create()
        try await database.schema(CredentialRecord.schema)
            .id()
            .field("user_id", .uuid, .required, .references(UserRecord.schema, .id, onDelete: .cascade))
            .field("access_token", .string, .required)
            .field("refresh_token", .string, .required)
            .field("expires_at", .datetime, .required)
            .field("scope", .string)
            .field("authorized_at", .datetime, .required)
            .field("updated_at", .datetime)
            .unique(on: "user_id")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(CredentialRecord.schema).delete()
        try await database.schema(UserRecord.schema).delete()
    }
}

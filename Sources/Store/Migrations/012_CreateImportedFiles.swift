import FluentKit
import Foundation

/// 012: the history files each person imported, by SHA-256, so that the same file imported again is known at
/// once instead of read again. Written in the same transaction as the file's plays.
struct CreateImportedFiles: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(ImportedFile.schema)
            .field("user_id", .uuid, .required, .references(UserRecord.schema, .id, onDelete: .cascade))
            .field("digest", .string, .required)
            .field("name", .string, .required)
            .field("records", .int, .required)
            .field("added", .int, .required)
            .field("imported_at", .datetime, .required)
            .unique(on: "user_id", "digest", name: "imported_files_once")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(ImportedFile.schema).delete()
    }
}

/// The table of imported history files; written and read with SQL only (`Library/History/PlayImporter`).
public enum ImportedFile {
    public static let schema = "imported_files"
}

import FluentKit
import NIOCore
import PostgresNIO
import SQLiteNIO

/// The store's bulk path, chosen once per writer: rows are encoded for it before a transaction opens (entries
/// by the task that read them, the catalogue's rows just before the transaction), so that a transaction only
/// sends them and holds its locks no longer than the database needs.
public enum BulkStore: Sendable {
    case sqlite
    case postgres

    public init(_ database: any Database) throws {
        if database is any SQLiteDatabase {
            self = .sqlite
        } else if database is any PostgresDatabase {
            self = .postgres
        } else {
            throw StoreError.invalidDatabaseURL("the mirror is kept in SQLite or PostgreSQL only")
        }
    }

    /// Entries a transaction waits for while a sync reads. A SQLite commit writes out every page the batch
    /// touched, and the indexes on URIs and playlist ids take rows in random order, so each commit rewrites most
    /// of their pages: larger batches pay (6,000 against 4,000: 52,000–63,000 against 47,000–63,000 entries/s,
    /// the wall time about the same). A PostgreSQL commit writes log records rather than pages: 2,000 and 4,000
    /// measured alike there, and 6,000 held up enough playlists to cost 0.1–0.3 s.
    public var batchEntries: Int {
        switch self {
        case .sqlite: 6_000
        case .postgres: 4_000
        }
    }

    public func encode<Row>(_ rows: some Sequence<Row>, as table: BulkTable<Row>) -> EncodedRows {
        switch self {
        case .sqlite: .sqlite(SQLiteBulkInsert.encode(rows, as: table))
        case .postgres: .postgres(PostgresBulkCopy.encode(rows, as: table))
        }
    }

    /// Writes encoded rows, in order, on the transaction's database.
    public func insert<Row>(_ encoded: [EncodedRows], into table: BulkTable<Row>, on db: any Database) async throws {
        switch self {
        case .sqlite:
            guard let sqlite = db as? any SQLiteDatabase else { throw BulkStoreMismatch() }
            try await SQLiteBulkInsert.insert(encoded.map { try $0.sqliteValues() }, into: table, on: sqlite)
        case .postgres:
            guard let postgres = db as? any PostgresDatabase else { throw BulkStoreMismatch() }
            try await PostgresBulkCopy.copy(encoded.map { try $0.copyText() }, into: table, on: postgres)
        }
    }
}

/// Rows ready for one store's bulk path: SQLite's bound values, row after row, or PostgreSQL's COPY text.
public enum EncodedRows: Sendable {
    case sqlite([SQLiteData])
    case postgres(ByteBuffer)

    func sqliteValues() throws -> [SQLiteData] {
        guard case .sqlite(let values) = self else { throw BulkStoreMismatch() }
        return values
    }

    func copyText() throws -> ByteBuffer {
        guard case .postgres(let text) = self else { throw BulkStoreMismatch() }
        return text
    }
}

/// Rows encoded for one store handed to another: a programming error, reported rather than trapped.
struct BulkStoreMismatch: Error, CustomStringConvertible {
    var description: String { "rows encoded for one kind of store were written to another" }
}

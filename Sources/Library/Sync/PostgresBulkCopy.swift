import Foundation
import NIOCore
import PostgresNIO
import SpotifyWebAPI

/// The mirror's bulk writes on PostgreSQL, through `COPY … FROM STDIN` on the transaction's connection.
///
/// A multi-row INSERT through SQLKit encodes each of a first sync's million values through `Encodable` and
/// makes the server plan thousands of parameters per statement; COPY streams the rows as text instead. The
/// catalogue's rows go into a temporary table first, so that a known song is updated only when its raw JSON
/// changed, as the INSERT … ON CONFLICT of the SQLite path does.
enum PostgresBulkCopy {
    static func entries(of updates: [MirrorWriter.PlaylistUpdate], on database: any PostgresDatabase) async throws {
        try await withConnection(database) { connection in
            try await connection.copyFrom(table: "entries", columns: MirrorWriter.entryColumns, logger: database.logger) {
                writer in
                var text = CopyText()
                for update in updates {
                    let playlist = update.playlistID.uuidString
                    for entry in update.entries {
                        text.field(playlist)
                        text.field(entry.position)
                        text.field(entry.uri)
                        text.field(entry.addedAt)
                        text.field(entry.addedBy)
                        text.field(entry.isLocal)
                        text.field(entry.linkedFromURI)
                        text.field(entry.kind.rawValue)
                        text.field(entry.isPlayable)
                        text.field(entry.raw)
                        text.endRow()
                        if text.isFull { try await writer.write(text.take()) }
                    }
                }
                try await writer.write(text.take())
            }
        }
    }

    /// Inserts catalogue rows, updating a known URI only when its raw JSON changed.
    static func catalog(_ rows: [CatalogRow], on database: any PostgresDatabase) async throws {
        guard !rows.isEmpty else { return }
        let columns = MirrorWriter.catalogColumns
        try await withConnection(database) { connection in
            // Emptied at each commit; created once per connection.
            try await connection.query(
                "CREATE TEMPORARY TABLE IF NOT EXISTS incoming_catalog_items (LIKE catalog_items) ON COMMIT DELETE ROWS",
                logger: database.logger)
            try await connection.copyFrom(table: "incoming_catalog_items", columns: columns, logger: database.logger) {
                writer in
                var text = CopyText()
                for row in rows {
                    text.field(row.uri)
                    text.field(row.spotifyID)
                    text.field(row.kind)
                    text.field(row.name)
                    text.field(row.artists)
                    text.field(row.artistIDs)
                    text.field(row.album)
                    text.field(row.albumType)
                    text.field(row.durationMS)
                    text.field(row.isrc)
                    text.field(row.raw)
                    text.endRow()
                    if text.isFull { try await writer.write(text.take()) }
                }
                try await writer.write(text.take())
            }
            let list = columns.map { "\"\($0)\"" }.joined(separator: ", ")
            let updates = columns.dropFirst().map { "\"\($0)\" = excluded.\"\($0)\"" }.joined(separator: ", ")
            let upsert = """
                INSERT INTO catalog_items (\(list)) SELECT \(list) FROM incoming_catalog_items \
                ON CONFLICT ("uri") DO UPDATE SET \(updates) WHERE catalog_items.raw <> excluded.raw
                """
            try await connection.query(PostgresQuery(unsafeSQL: upsert), logger: database.logger)
        }
    }

    private static func withConnection(
        _ database: any PostgresDatabase, _ body: @escaping @Sendable (PostgresConnection) async throws -> Void
    ) async throws {
        try await database.withConnection { connection in
            connection.eventLoop.makeFutureWithTask { try await body(connection) }
        }.get()
    }
}

/// Rows in PostgreSQL's COPY text format: tab-separated fields, `\N` for NULL, backslash escapes.
struct CopyText {
    private(set) var buffer = ByteBuffer()
    private var fieldsInRow = 0
    /// Sent to the server about every 256 KiB.
    var isFull: Bool { buffer.readableBytes >= 256 << 10 }

    mutating func take() -> ByteBuffer {
        defer { buffer = ByteBuffer() }
        return buffer
    }

    mutating func endRow() {
        buffer.writeInteger(UInt8(ascii: "\n"))
        fieldsInRow = 0
    }

    private mutating func separate() {
        if fieldsInRow > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
        fieldsInRow += 1
    }

    private mutating func null() {
        separate()
        buffer.writeStaticString("\\N")
    }

    mutating func field(_ value: String?) {
        guard var value else { return null() }
        separate()
        value.withUTF8 { bytes in
            // Most values need no escaping: copy them whole.
            guard bytes.contains(where: { $0 == UInt8(ascii: "\\") || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else {
                buffer.writeBytes(bytes)
                return
            }
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
                case 0x09: buffer.writeStaticString("\\t")
                case 0x0A: buffer.writeStaticString("\\n")
                case 0x0D: buffer.writeStaticString("\\r")
                default: buffer.writeInteger(byte)
                }
            }
        }
    }

    mutating func field(_ value: Int?) {
        guard let value else { return null() }
        separate()
        buffer.writeString(String(value))
    }

    mutating func field(_ value: Bool?) {
        guard let value else { return null() }
        separate()
        buffer.writeInteger(value ? UInt8(ascii: "t") : UInt8(ascii: "f"))
    }

    /// A `timestamptz` in UTC with microseconds, as the column stores it.
    mutating func field(_ value: Date?) {
        guard let value else { return null() }
        separate()
        let seconds = value.timeIntervalSince1970
        var whole = time_t(seconds.rounded(.down))
        let micros = Int(((seconds - Double(whole)) * 1_000_000).rounded())
        var parts = tm()
        gmtime_r(&whole, &parts)
        buffer.writeString(
            String(
                format: "%04d-%02d-%02d %02d:%02d:%02d.%06d+00", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), micros))
    }
}

import Foundation
import NIOCore
import PostgresNIO

/// The mirror's bulk writes on PostgreSQL, through `COPY … FROM STDIN` on the transaction's connection.
///
/// A multi-row INSERT through SQLKit encodes each of a first sync's million values through `Encodable` and
/// makes the server plan thousands of parameters per statement; COPY streams the rows as text instead. The
/// catalogue's rows go into a temporary table first, so that a known song is updated only when its raw JSON
/// changed, as the INSERT … ON CONFLICT of the SQLite path does.
enum PostgresBulkCopy {
    /// The rows in COPY's text format, in the order of the table's columns.
    static func encode<Row>(_ rows: some Sequence<Row>, as table: BulkTable<Row>) -> ByteBuffer {
        var text = CopyText()
        for row in rows {
            for column in table.columns { text.field(column.value(row)) }
            text.endRow()
        }
        return text.take()
    }

    /// Copies encoded rows into the table; the catalogue's through a temporary table and an upsert.
    static func copy<Row>(_ parts: [ByteBuffer], into table: BulkTable<Row>, on database: any PostgresDatabase)
        async throws
    {
        guard parts.contains(where: { $0.readableBytes > 0 }) else { return }
        let columns = table.columnNames
        try await withConnection(database) { connection in
            let logger = database.logger
            func run(_ sql: String) async throws { try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger) }
            func copy(into target: String) async throws {
                try await connection.copyFrom(table: target, columns: columns, logger: logger) { writer in
                    for part in parts where part.readableBytes > 0 { try await writer.write(part) }
                }
            }
            if table.skipKnown != nil {
                // Rows that are new as a rule (the caller left out the ones it saw stored): COPY them straight in,
                // and only if one was stored meanwhile, take the staged way below. Inside the caller's transaction.
                try await run("SAVEPOINT bulk_copy")
                do {
                    try await copy(into: table.name)
                    try await run("RELEASE SAVEPOINT bulk_copy")
                    return
                } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
                    try await run("ROLLBACK TO SAVEPOINT bulk_copy")
                }
            }
            // Rows that may meet stored ones go through a staging table, then INSERT … ON CONFLICT.
            let staged = !table.conflictClause.isEmpty
            let target = staged ? "incoming_\(table.name)" : table.name
            if staged {
                // Emptied at each commit; created once per connection.
                try await run("CREATE TEMPORARY TABLE IF NOT EXISTS \(target) (LIKE \(table.name)) ON COMMIT DELETE ROWS")
            }
            try await copy(into: target)
            guard staged else { return }
            let list = columns.map { "\"\($0)\"" }.joined(separator: ", ")
            try await run("INSERT INTO \(table.name) (\(list)) SELECT \(list) FROM \(target)\(table.conflictClause)")
            // A second batch in the same transaction starts from an empty staging table.
            try await run("DELETE FROM \(target)")
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

    mutating func field(_ value: BulkValue) {
        switch value {
        case .text(let text): field(StoredText.storable(text))
        case .integer(let number): field(number)
        case .flag(let flag): field(flag)
        case .date(let date): field(date)
        }
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
        if value < 0 { buffer.writeInteger(UInt8(ascii: "-")) }
        writeDigits(value.magnitude, width: 1)
    }

    /// `value` in decimal, padded with zeros to `width` digits: a first sync writes 100,000 timestamps, and
    /// formatting each through a string cost more than the rest of its row.
    private mutating func writeDigits(_ value: UInt, width: Int) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { digits in
            var start = digits.count
            var rest = value
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0 || digits.count - start < width
            buffer.writeBytes(UnsafeBufferPointer(rebasing: digits[start...]))
        }
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
        var seconds = value.timeIntervalSince1970.rounded(.down)
        var micros = Int(((value.timeIntervalSince1970 - seconds) * 1_000_000).rounded())
        if micros == 1_000_000 { (seconds, micros) = (seconds + 1, 0) }
        var whole = time_t(seconds)
        var parts = tm()
        gmtime_r(&whole, &parts)
        writeDigits(UInt(Int(parts.tm_year) + 1900), width: 4)
        buffer.writeStaticString("-")
        writeDigits(UInt(parts.tm_mon + 1), width: 2)
        buffer.writeStaticString("-")
        writeDigits(UInt(parts.tm_mday), width: 2)
        buffer.writeStaticString(" ")
        writeDigits(UInt(parts.tm_hour), width: 2)
        buffer.writeStaticString(":")
        writeDigits(UInt(parts.tm_min), width: 2)
        buffer.writeStaticString(":")
        writeDigits(UInt(parts.tm_sec), width: 2)
        buffer.writeStaticString(".")
        writeDigits(UInt(micros), width: 6)
        buffer.writeStaticString("+00")
    }
}

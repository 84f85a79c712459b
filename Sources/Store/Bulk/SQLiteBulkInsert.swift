import Foundation
import SQLiteNIO

/// Multi-row inserts straight through SQLiteNIO, for the mirror's bulk writes on SQLite.
///
/// SQLKit encodes every bound value through `Encodable`, which costs more than SQLite's own work for
/// 100,000 entries; here each value is `SQLiteData` at once. Values are stored as SQLKit stores them
/// (UUIDs as text, dates as Unix seconds, booleans as integers), so Fluent reads them back unchanged.
enum SQLiteBulkInsert {
    /// Rows per INSERT statement: 22,000 bound values at most, under SQLite's limit of 32,766.
    static let batch = 2_000

    /// The rows' values, row after row in the order of the table's columns, as SQLite binds them.
    static func encode<Row>(_ rows: some Sequence<Row>, as table: BulkTable<Row>) -> [SQLiteData] {
        var encoded: [SQLiteData] = []
        encoded.reserveCapacity(rows.underestimatedCount * table.columns.count)
        for row in rows {
            for column in table.columns { encoded.append(Self.data(column.value(row))) }
        }
        return encoded
    }

    /// Inserts encoded rows (each part a whole number of rows), `batch` rows per statement.
    static func insert<Row>(_ parts: [[SQLiteData]], into table: BulkTable<Row>, on sqlite: any SQLiteDatabase)
        async throws
    {
        let width = table.columns.count
        let columns = table.columnNames.map { "\"\($0)\"" }.joined(separator: ", ")
        let conflict = table.conflictClause
        let row = "(" + Array(repeating: "?", count: width).joined(separator: ", ") + ")"
        var binds: [SQLiteData] = []
        binds.reserveCapacity(min(batch * width, parts.reduce(0) { $0 + $1.count }))
        func flush() async throws {
            guard !binds.isEmpty else { return }
            let values = Array(repeating: row, count: binds.count / width).joined(separator: ", ")
            _ = try await sqlite.query("INSERT INTO \"\(table.name)\" (\(columns)) VALUES \(values)\(conflict)", binds)
            binds.removeAll(keepingCapacity: true)
        }
        for part in parts {
            var start = 0
            while start < part.count {
                let take = min(part.count - start, batch * width - binds.count)
                binds.append(contentsOf: part[start..<(start + take)])
                start += take
                if binds.count == batch * width { try await flush() }
            }
        }
        try await flush()
    }

    private static func data(_ value: BulkValue) -> SQLiteData {
        switch value {
        case .text(let text): text.map { .text(StoredText.storable($0)) } ?? .null
        case .integer(let number): number.map { .integer($0) } ?? .null
        case .flag(let flag): flag.map { .integer($0 ? 1 : 0) } ?? .null
        case .date(let date): date.map { .float($0.timeIntervalSince1970) } ?? .null
        }
    }
}

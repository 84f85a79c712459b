import Foundation
import NIOCore
import PostgresNIO
import SQLKit
import SQLiteNIO

/// A value the store keeps in a column, read straight from either driver's cells.
public protocol StoredValue: PostgresDecodable, Sendable {
    /// The value in a SQLite cell, as SQLiteKit writes it; nil if the cell holds none of this type.
    init?(sqliteCell: SQLiteData)
}

extension String: StoredValue {
    @inlinable public init?(sqliteCell: SQLiteData) { self.init(sqliteData: sqliteCell) }
}

extension Int: StoredValue {
    @inlinable public init?(sqliteCell: SQLiteData) { self.init(sqliteData: sqliteCell) }
}

extension Double: StoredValue {
    @inlinable public init?(sqliteCell: SQLiteData) { self.init(sqliteData: sqliteCell) }
}

extension Bool: StoredValue {
    @inlinable public init?(sqliteCell: SQLiteData) { self.init(sqliteData: sqliteCell) }
}

extension Date: StoredValue {
    @inlinable public init?(sqliteCell: SQLiteData) { self.init(sqliteData: sqliteCell) }
}

extension UUID: StoredValue {
    /// SQLiteKit writes a UUID as its text.
    @inlinable public init?(sqliteCell: SQLiteData) {
        guard case .text(let text) = sqliteCell else { return nil }
        self.init(uuidString: text)
    }
}

extension Optional: StoredValue where Wrapped: StoredValue, Wrapped._DecodableType == Wrapped {
    @inlinable public init?(sqliteCell: SQLiteData) {
        if case .null = sqliteCell {
            self = .none
        } else if let value = Wrapped(sqliteCell: sqliteCell) {
            self = .some(value)
        } else {
            return nil
        }
    }
}

/// One row of a big read, its columns read by their place in the `SELECT` list.
///
/// The drivers' own cells, decoded by type: SQLKit's rows decode each value through `Decodable` (dynamic casts, a
/// decoder, on PostgreSQL a coding path and a dictionary per value), which cost more than the query itself when a
/// rule reads 30,000 entries; and a cell found by its name costs a hash or two of the name (on PostgreSQL 40 % of
/// what was left).
public struct StoredRow: Sendable {
    @usableFromInline enum Cells: Sendable {
        case sqlite([SQLiteData])
        case postgres(PostgresRandomAccessRow)
    }

    @usableFromInline let cells: Cells

    /// The value of the `index`th column. Inlinable, so that it is specialized for the caller's types (generic, it
    /// looked up `Optional<Date>`'s metadata for every cell).
    @inlinable
    public func decode<Value: StoredValue>(_ index: Int, as _: Value.Type = Value.self) throws -> Value {
        switch cells {
        case .sqlite(let cells):
            guard cells.indices.contains(index) else { throw StoreError.unreachable("a read has no column \(index)") }
            guard let value = Value(sqliteCell: cells[index]) else {
                throw StoreError.unreachable("column \(index) does not hold a \(Value.self)")
            }
            return value
        case .postgres(let row):
            guard row.indices.contains(index) else { throw StoreError.unreachable("a read has no column \(index)") }
            return try row[index].decode(Value.self)
        }
    }
}

extension SQLDatabase {
    /// Every row of a query, read on one connection of the pool and handed over as the driver's cells. For reads of
    /// thousands of rows. Through the pool, SQLite's driver hands each row to the event loop as a task of its own;
    /// on a connection of its own, the rows come as the statement steps (20,000 entries: 40 ms instead of 100).
    public func allRows(_ query: SQLQueryString) async throws -> [StoredRow] {
        var serializer = SQLSerializer(database: self)
        query.serialize(to: &serializer)
        let (sql, binds, logger) = (serializer.sql, serializer.binds, self.logger)
        if let sqlite = self as? any SQLiteDatabase {
            let values = try binds.map(Self.sqliteValue)
            return try await sqlite.withConnection { connection in
                try await connection.query(sql, values).map { StoredRow(cells: .sqlite($0.columns.map(\.data))) }
            }
        }
        guard let postgres = self as? any PostgresDatabase else {
            throw StoreError.unreachable("the mirror is kept in SQLite or PostgreSQL only")
        }
        var bindings = PostgresBindings(capacity: binds.count)
        for value in binds {
            guard let value = value as? any PostgresDynamicTypeEncodable else { throw Self.unbindable(value) }
            bindings.append(value)
        }
        let statement = PostgresQuery(unsafeSQL: sql, binds: bindings)
        return try await postgres.withConnection { connection in
            connection.eventLoop.makeFutureWithTask {
                var rows: [StoredRow] = []
                for try await row in try await connection.query(statement, logger: logger) {
                    rows.append(StoredRow(cells: .postgres(row.makeRandomAccess())))
                }
                return rows
            }
        }.get()
    }

    /// A bound value as SQLiteKit binds it: its own SQLite value, a UUID as its text.
    private static func sqliteValue(_ value: any Encodable & Sendable) throws -> SQLiteData {
        if let uuid = value as? UUID { return .text(uuid.uuidString) }
        guard let data = (value as? any SQLiteDataConvertible)?.sqliteData else { throw unbindable(value) }
        return data
    }

    private static func unbindable(_ value: any Encodable) -> StoreError {
        .unreachable("a big read cannot bind a \(type(of: value))")
    }
}

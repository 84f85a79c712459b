import Foundation

/// One value of a row the mirror writes in bulk. Each store's bulk path writes it in its own form: SQLite binds
/// it as SQLKit would store it, PostgreSQL's COPY as text.
public enum BulkValue: Sendable {
    case text(String?)
    case integer(Int?)
    case flag(Bool?)
    case date(Date?)
}

/// A column the mirror writes in bulk: its name next to how a row gives its value, so the two cannot drift apart.
public struct BulkColumn<Row>: Sendable {
    public let name: String
    public let value: @Sendable (Row) -> BulkValue

    public init(_ name: String, _ value: @escaping @Sendable (Row) -> BulkValue) {
        self.name = name
        self.value = value
    }
}

/// A table the mirror writes in bulk, defined once for both stores.
public struct BulkTable<Row>: Sendable {
    public let name: String
    public let columns: [BulkColumn<Row>]
    /// On a known key, the row is rewritten only when its raw JSON changed (the catalogue).
    public var upsertKey: String?
    /// A row whose values of these columns (a unique index) are already stored is left out (the plays).
    public var skipKnown: [String]?

    public init(name: String, columns: [BulkColumn<Row>], upsertKey: String? = nil, skipKnown: [String]? = nil) {
        self.name = name
        self.columns = columns
        self.upsertKey = upsertKey
        self.skipKnown = skipKnown
    }

    /// What an insert says about rows already stored, after `ON CONFLICT`; empty when a conflict is an error.
    var conflictClause: String {
        if let key = upsertKey {
            let updates = columnNames.filter { $0 != key }.map { "\"\($0)\" = excluded.\"\($0)\"" }
            return
                " ON CONFLICT (\"\(key)\") DO UPDATE SET \(updates.joined(separator: ", ")) WHERE \"\(name)\".\"raw\" <> excluded.\"raw\""
        }
        if let known = skipKnown {
            return " ON CONFLICT (\(known.map { "\"\($0)\"" }.joined(separator: ", "))) DO NOTHING"
        }
        return ""
    }

    var columnNames: [String] { columns.map(\.name) }

    /// A row's values, in the order of the columns.
    func values(of row: Row) -> some Sequence<BulkValue> { columns.lazy.map { $0.value(row) } }
}

import Foundation

/// Where the mirror lives, from `DATABASE_URL`.
public enum DatabaseLocation: Sendable, Equatable {
    /// A SQLite file.
    case sqlite(path: String)
    /// A PostgreSQL server. `redacted` is the URL without its password, for messages.
    case postgres(url: URL, redacted: String)

    /// Reads `DATABASE_URL`: unset means `playkeeper.sqlite` in the data directory; `sqlite:///path/file.sqlite`;
    /// `postgres://user:pass@host:port/db`.
    public static func parse(_ text: String?, dataDirectory: URL) throws -> DatabaseLocation {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
            return .sqlite(path: dataDirectory.appendingPathComponent("playkeeper.sqlite").path)
        }
        if text.hasPrefix("sqlite:") {
            var path = String(text.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path.removeFirst(2) }
            guard !path.isEmpty, path != "/" else {
                throw StoreError.invalidDatabaseURL(
                    "a SQLite URL needs a file path, like sqlite:///var/lib/playkeeper/playkeeper.sqlite")
            }
            return .sqlite(path: path.removingPercentEncoding ?? path)
        }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw StoreError.invalidDatabaseURL("expected sqlite:///path or postgres://user:pass@host:port/db")
        }
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw StoreError.invalidDatabaseURL(
                "unsupported scheme '\(scheme)'; use sqlite:///path or postgres://user:pass@host:port/db")
        }
        guard let host = components.host, !host.isEmpty else {
            throw StoreError.invalidDatabaseURL(
                "a PostgreSQL URL needs a host, like postgres://user:pass@localhost:5432/playkeeper")
        }
        guard components.user?.isEmpty == false else {
            throw StoreError.invalidDatabaseURL(
                "a PostgreSQL URL needs a user name, like postgres://user:pass@\(host)/playkeeper")
        }
        let database = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        guard !database.isEmpty, !database.contains("/") else {
            throw StoreError.invalidDatabaseURL(
                "a PostgreSQL URL needs a database name, like postgres://user:pass@\(host)/playkeeper")
        }
        var redacted = components
        if redacted.password != nil { redacted.password = "***" }
        guard let url = components.url else { throw StoreError.invalidDatabaseURL("cannot read the URL") }
        return .postgres(url: url, redacted: redacted.string ?? "postgres://\(host)/\(database)")
    }

    public var isSQLite: Bool {
        if case .sqlite = self { return true }
        return false
    }

    /// Safe to print.
    public var description: String {
        switch self {
        case .sqlite(let path): "SQLite at \(path)"
        case .postgres(_, let redacted): "PostgreSQL at \(redacted)"
        }
    }
}

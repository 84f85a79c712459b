import FluentKit
import Foundation
import SQLKit

/// The mirror's store: one set of models and migrations for SQLite and PostgreSQL.
public enum Store {
    /// Every migration, in order.
    public static let migrations: [any Migration] = [
        CreateUsers(),  // 001: users and encrypted credentials
        CreatePlaylists(),  // 002: playlists, catalogue, entries, their indexes
        CreateHistory(),  // 003: versions, sync runs, locks
        CreateJSONViews(),  // 004: jsonb views on PostgreSQL
        CreateDedupe(),  // 005: duplicate plans, the journal, the "not a duplicate" list
        CreateUnified(),  // 006: the unified playlist's settings and state
        CreateService(),  // 007: browser sessions, API tokens, logins in progress, jobs
        AddJobLeases(),  // 008: jobs claimed by an instance with a heartbeat; one pending job per person and kind
        AddJournalRecovery(),  // 009: what recovery did with an interrupted change
        CreatePlays(),  // 010: the listening history and its gaps
        CreatePlayRollups(),  // 011: the history's roll-ups per day, month and year, which the statistics read
        CreateImportedFiles(),  // 012: the history files imported, by SHA-256
        KeyPlayRollups(),  // 013: the roll-ups keyed by integers, the names a song was played under numbered
        CreateSmartPlaylists(),  // 014: the playlists made from listening, their rules and state
        MarkPlayedEntries(),  // 015: each entry says whether its song was ever played; the unplayed indexed
        CreatePlaySongs(),  // 016: all time's figures per song, kept beside the roll-ups
        IndexListedPlaylists(),  // 017: the playlists still listed, in library order, from one index
        CreateRequestBudgets(),  // 018: the request budget's learned rate per Spotify app
    ]
}

extension Database {
    /// The SQLKit view of a Fluent database; both drivers provide one.
    public func sql() throws -> any SQLDatabase {
        guard let sql = self as? any SQLDatabase else { throw StoreError.unreachable("the database driver does not speak SQL") }
        return sql
    }
}

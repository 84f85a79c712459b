import FluentKit
import Foundation
import SQLKit
import Store

/// Reads a person's history for the statistics: a period's plays with their tracks' lengths, in one query.
public struct HistoryReader: Sendable {
    public let database: any Database
    public let user: UserRecord

    public init(database: any Database, user: UserRecord) {
        self.database = database
        self.user = user
    }

    public func plays(in period: ListeningPeriod) async throws -> [ListeningStats.Play] {
        struct Row: Decodable {
            var played_at: Date
            var track_uri: String?
            var track_name: String?
            var artist_name: String?
            var album_name: String?
            var ms_played: Int?
            var duration_ms: Int?
        }
        var query = try database.sql().select()
            .column(SQLColumn("played_at", table: PlayRecord.schema)).column("track_uri").column("track_name")
            .column("artist_name").column("album_name").column("ms_played")
            .column(SQLColumn("duration_ms", table: CatalogItemRecord.schema))
            .from(PlayRecord.schema)
            .join(
                CatalogItemRecord.schema, method: SQLJoinMethod.left, on: SQLColumn("uri", table: CatalogItemRecord.schema),
                .equal, SQLColumn("track_uri", table: PlayRecord.schema)
            )
            .where(SQLColumn("user_id", table: PlayRecord.schema), .equal, SQLBind(try user.requireID()))
        if let from = period.from {
            query = query.where(SQLColumn("played_at", table: PlayRecord.schema), .greaterThanOrEqual, SQLBind(from))
        }
        if let to = period.to { query = query.where(SQLColumn("played_at", table: PlayRecord.schema), .lessThan, SQLBind(to)) }
        return try await query.all(decoding: Row.self).map { row in
            ListeningStats.Play(
                endedAt: row.played_at, trackURI: row.track_uri, trackName: row.track_name, artistName: row.artist_name,
                albumName: row.album_name, msPlayed: row.ms_played, durationMS: row.duration_ms)
        }
    }

    /// The songs heard before `date`, by URI: what makes a play in a period a repeat rather than new.
    public func heard(before date: Date?) async throws -> Set<String> {
        guard let date else { return [] }
        let uris = try await PlayRecord.query(on: database).filter(\.$user.$id == user.requireID())
            .filter(\.$playedAt < date).filter(\.$trackURI != nil).unique().all(\.$trackURI)
        return Set(uris.compactMap { $0 })
    }

    /// The songs of the person's own playlists (not Liked Songs, not playlists gone from the library).
    public func ownPlaylistEntries() async throws -> [PlaylistListening.Entry] {
        struct Row: Decodable {
            var uri: String
            var added_at: Date?
            var spotify_id: String
            var playlist_name: String
            var track_name: String?
        }
        let rows = try await database.sql().select()
            .column(SQLColumn("uri", table: EntryRecord.schema)).column(SQLColumn("added_at", table: EntryRecord.schema))
            .column(SQLColumn("spotify_id", table: PlaylistRecord.schema))
            .column(SQLColumn("name", table: PlaylistRecord.schema), as: "playlist_name")
            .column(SQLColumn("name", table: CatalogItemRecord.schema), as: "track_name")
            .from(EntryRecord.schema)
            .join(
                PlaylistRecord.schema, on: SQLColumn("id", table: PlaylistRecord.schema), .equal,
                SQLColumn("playlist_id", table: EntryRecord.schema)
            )
            .join(
                CatalogItemRecord.schema, method: SQLJoinMethod.left, on: SQLColumn("uri", table: CatalogItemRecord.schema),
                .equal, SQLColumn("uri", table: EntryRecord.schema)
            )
            .where(SQLColumn("user_id", table: PlaylistRecord.schema), .equal, SQLBind(try user.requireID()))
            .where(SQLColumn("owner_id", table: PlaylistRecord.schema), .equal, SQLBind(user.spotifyID))
            .where(SQLColumn("is_liked", table: PlaylistRecord.schema), .equal, SQLBind(false))
            .where(SQLColumn("gone_at", table: PlaylistRecord.schema), .is, SQLLiteral.null)
            .where(SQLColumn("uri", table: EntryRecord.schema), .like, SQLBind("spotify:track:%"))
            .orderBy(SQLColumn("list_position", table: PlaylistRecord.schema)).orderBy(
                SQLColumn("position", table: EntryRecord.schema)
            )
            .all(decoding: Row.self)
        return rows.map {
            PlaylistListening.Entry(
                playlistID: $0.spotify_id, playlistName: $0.playlist_name, uri: $0.uri, trackName: $0.track_name,
                addedAt: $0.added_at)
        }
    }

    /// The tracks played in `period` (all time when it has no start).
    public func playedTracks(in period: ListeningPeriod) async throws -> Set<String> {
        var query = PlayRecord.query(on: database).filter(\.$user.$id == (try user.requireID())).filter(\.$trackURI != nil)
        if let from = period.from { query = query.filter(\.$playedAt >= from) }
        if let to = period.to { query = query.filter(\.$playedAt < to) }
        return Set(try await query.unique().all(\.$trackURI).compactMap { $0 })
    }

    /// When the history begins: its first play.
    public func firstPlay() async throws -> Date? {
        try await PlayRecord.query(on: database).filter(\.$user.$id == user.requireID()).sort(\.$playedAt).first()?.playedAt
    }
}

import FluentKit
import Foundation
import PlaykeeperJSON
import SpotifyWebAPI
import Store

/// Collects a person's plays from `GET /me/player/recently-played` into the listening history: one call a poll,
/// for the plays after the newest one stored. Spotify keeps only the last 50, so a poll that returns a full page
/// newer than everything stored may have missed plays: it records a gap.
public struct PlayCollector: Sendable {
    public let database: any Database
    public let client: SpotifyClient
    public let user: UserRecord
    /// The play length from which a play counts, for the roll-ups.
    public var minimumMS = ListeningStats.defaultMinimumMS

    /// The most plays one call returns, and the most Spotify keeps.
    public static let pageSize = 50

    public init(database: any Database, client: SpotifyClient, user: UserRecord) {
        self.database = database
        self.client = client
        self.user = user
    }

    /// What a poll did.
    public struct Report: Sendable, Encodable, Equatable {
        /// Plays Spotify returned.
        public var fetched: Int
        /// Plays stored for the first time.
        public var added: Int
        /// Plays between these two times may be missing.
        public var gap: Gap?
    }

    public struct Gap: Sendable, Encodable, Equatable {
        public var startsAt: Date
        public var endsAt: Date
    }

    /// A play as the history stores it.
    struct Row {
        var playedAt: Date
        var track: Track
        var uri: String
        var contextType: String?
        var contextURI: String?
        var raw: String
    }

    public func poll() async throws -> Report {
        let userID = try user.requireID()
        let newest = try await PlayRecord.query(on: database).filter(\.$user.$id == userID).sort(\.$playedAt, .descending)
            .first()?.playedAt
        let page = try await client.recentlyPlayed(limit: Self.pageSize, after: newest)
        // Tracks only, with a time: an odd item is passed over, never a reason to fail the poll.
        let rows: [Row] = page.items.compactMap { item in
            guard let item, let playedAt = item.playedAt, let track = item.track, let uri = track.uri,
                uri.hasPrefix("spotify:track:")
            else { return nil }
            guard case .object(var members) = item.raw else { return nil }
            members["track"] = nil
            return Row(
                playedAt: playedAt, track: track, uri: uri, contextType: item.raw["context"]?["type"]?.stringValue,
                contextURI: item.contextURI, raw: JSONValue.object(members).serialized())
        }
        var gap: Gap?
        if let newest, page.items.count >= Self.pageSize, let oldest = rows.map(\.playedAt).min(), oldest > newest {
            gap = Gap(startsAt: newest, endsAt: oldest)
        }
        let added = try await store(rows, gap: gap, userID: userID)
        return Report(fetched: page.items.count, added: added, gap: gap)
    }

    /// Stores the plays not stored yet, their tracks in the catalogue, and the gap, in one transaction. The
    /// unique index (`plays_once`) is what keeps a play from being stored twice; the count is of the plays this
    /// poll found new.
    private func store(_ rows: [Row], gap: Gap?, userID: UUID) async throws -> Int {
        guard !rows.isEmpty || gap != nil else { return 0 }
        let store = try BulkStore(database)
        var seen = Set<String>()
        let catalog = rows.compactMap { row -> CatalogRow? in
            guard seen.insert(row.uri).inserted else { return nil }
            return CatalogRow(item: .track(row.track), uri: row.uri, raw: row.track.raw.serialized())
        }
        let encoded = store.encode(catalog, as: .catalog)
        let now = client.clock.now
        let rollups = PlayRollups(userID: userID, minimumMS: minimumMS)
        try await rollups.ensureBuilt(on: database)
        return try await database.transaction { db in
            let times = rows.map(\.playedAt)
            let known = Set(
                try await PlayRecord.query(on: db).filter(\.$user.$id == userID).filter(\.$playedAt ~~ times).all(\.$playedAt))
            let new = rows.filter { !known.contains($0.playedAt) }
            if !catalog.isEmpty { try await store.insert([encoded], into: .catalog, on: db) }
            let plays = new.map { row in
                NewPlay(
                    playedAt: row.playedAt, trackURI: row.uri, trackName: row.track.name,
                    // The first artist, as the exports' `master_metadata_album_artist_name` names one.
                    artistName: row.track.artists.first?.name, albumName: row.track.album?.name,
                    msPlayed: nil, contextType: row.contextType, contextURI: row.contextURI, source: .poll, raw: row.raw)
            }
            try await NewPlay.insert(plays, userID: userID, on: db)
            if let first = plays.map(\.playedAt).min(), let last = plays.map(\.playedAt).max() {
                try await rollups.refresh(from: first, through: last, on: db)
            }
            if let gap {
                let record = PlayGapRecord()
                record.$user.id = userID
                record.startsAt = gap.startsAt
                record.endsAt = gap.endsAt
                record.detectedAt = now
                try await record.create(on: db)
            }
            return new.count
        }
    }
}

import FluentKit
import Foundation
import SQLKit

/// A mirrored playlist. Liked Songs is one too, with `isLiked` set and `spotifyID` "liked".
public final class PlaylistRecord: Model, @unchecked Sendable {
    public static let schema = "playlists"
    /// The `spotifyID` of the virtual Liked Songs playlist.
    public static let likedID = "liked"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "user_id") public var user: UserRecord
    @Field(key: "spotify_id") public var spotifyID: String
    @OptionalField(key: "owner_id") public var ownerID: String?
    @OptionalField(key: "owner_name") public var ownerName: String?
    @Field(key: "name") public var name: String
    @OptionalField(key: "description") public var playlistDescription: String?
    @OptionalField(key: "is_public") public var isPublic: Bool?
    @Field(key: "collaborative") public var collaborative: Bool
    /// The snapshot the stored entries belong to. It changes only together with the entries.
    @OptionalField(key: "snapshot_id") public var snapshotID: String?
    /// The snapshot `/me/playlists` last announced.
    @OptionalField(key: "listed_snapshot_id") public var listedSnapshotID: String?
    @Field(key: "entry_count") public var entryCount: Int
    /// Whether the user may read the items (owner or collaborator); followed playlists are metadata only.
    @Field(key: "can_read_items") public var canReadItems: Bool
    @Field(key: "can_edit") public var canEdit: Bool
    @Field(key: "is_liked") public var isLiked: Bool
    /// Its place in `/me/playlists`.
    @Field(key: "list_position") public var listPosition: Int
    /// When it disappeared from `/me/playlists` (deleted or unfollowed in the app). History is kept.
    @OptionalField(key: "gone_at") public var goneAt: Date?
    @OptionalField(key: "last_synced_at") public var lastSyncedAt: Date?
    @OptionalField(key: "raw") public var raw: String?

    public init() {}
}

/// A playlist's columns without the raw JSON, read through SQLKit: lists of playlists (the API's busiest
/// route) decode these far faster than full Fluent models.
public struct PlaylistSummary: Sendable, Equatable {
    public var spotifyID: String
    public var name: String
    public var ownerID: String?
    public var ownerName: String?
    public var playlistDescription: String?
    public var isPublic: Bool?
    public var collaborative: Bool
    public var snapshotID: String?
    public var entryCount: Int
    public var canReadItems: Bool
    public var canEdit: Bool
    public var isLiked: Bool
    public var goneAt: Date?
    public var lastSyncedAt: Date?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case spotifyID = "spotify_id", name, ownerID = "owner_id", ownerName = "owner_name"
        case playlistDescription = "description", isPublic = "is_public", collaborative, snapshotID = "snapshot_id"
        case entryCount = "entry_count", canReadItems = "can_read_items", canEdit = "can_edit", isLiked = "is_liked"
        case goneAt = "gone_at", lastSyncedAt = "last_synced_at"
    }

    public init(_ record: PlaylistRecord) {
        spotifyID = record.spotifyID
        name = record.name
        ownerID = record.ownerID
        ownerName = record.ownerName
        playlistDescription = record.playlistDescription
        isPublic = record.isPublic
        collaborative = record.collaborative
        snapshotID = record.snapshotID
        entryCount = record.entryCount
        canReadItems = record.canReadItems
        canEdit = record.canEdit
        isLiked = record.isLiked
        goneAt = record.goneAt
        lastSyncedAt = record.lastSyncedAt
    }

    /// A page of a user's playlists still in their library, in library order, and how many there are.
    ///
    /// One statement, from the index of listed playlists by (user, position): the page and the count come together (a count alone
    /// only when the page is past the end), read by position from the driver's cells (`StoredRow`). The API's list
    /// spent more of its time decoding 14 columns through `Decodable` and sorting every playlist than anything else.
    public static func page(user: UUID, limit: Int, offset: Int, on database: any Database) async throws -> (
        items: [PlaylistSummary], total: Int
    ) {
        let sql = try database.sql()
        let listed: SQLQueryString = "\(unsafeRaw: Self.table) WHERE user_id = \(bind: user) AND gone_at IS NULL"
        let rows = try await sql.allRows(
            """
            SELECT \(unsafeRaw: Self.columns), (SELECT count(*) FROM \(listed)) FROM \(listed) \
            ORDER BY list_position LIMIT \(literal: limit) OFFSET \(literal: offset)
            """)
        guard let first = rows.first else {
            let count = try await sql.allRows("SELECT count(*) FROM \(listed)")
            return ([], try count.first?.decode(0, as: Int.self) ?? 0)
        }
        return (try rows.map(PlaylistSummary.init(row:)), try first.decode(CodingKeys.allCases.count))
    }

    /// The table and the columns `page` reads, quoted as both stores quote names: written once, not per request.
    private static let table = "\"\(PlaylistRecord.schema)\""
    private static let columns = CodingKeys.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")

    /// A row of `page`, its columns in `CodingKeys` order.
    init(row: StoredRow) throws {
        spotifyID = try row.decode(0)
        name = try row.decode(1)
        ownerID = try row.decode(2)
        ownerName = try row.decode(3)
        playlistDescription = try row.decode(4)
        isPublic = try row.decode(5)
        collaborative = try row.decode(6)
        snapshotID = try row.decode(7)
        entryCount = try row.decode(8)
        canReadItems = try row.decode(9)
        canEdit = try row.decode(10)
        isLiked = try row.decode(11)
        goneAt = try row.decode(12)
        lastSyncedAt = try row.decode(13)
    }
}

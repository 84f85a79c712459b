import FluentKit
import Foundation

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

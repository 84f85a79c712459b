import FluentKit
import Foundation

/// Where a play came from. The stored text is the raw value.
public enum PlaySource: String, Codable, Sendable, CaseIterable {
    /// `GET /me/player/recently-played`, polled by the scheduler or `playkeeper plays --poll`.
    case poll
    /// One of Spotify's history exports.
    case `import`
}

/// One play of a song by a person. A person has at most one play at a given `played_at` (a unique index), so a
/// repeated poll, or two instances polling, never store it twice.
public final class PlayRecord: Model, @unchecked Sendable {
    public static let schema = "plays"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "user_id") public var user: UserRecord
    /// When the play ended, as Spotify gives it (`played_at`).
    @Field(key: "played_at") public var playedAt: Date
    /// The track (in the catalogue); nil for an imported play known only by name.
    @OptionalField(key: "track_uri") public var trackURI: String?
    @OptionalField(key: "track_name") public var trackName: String?
    @OptionalField(key: "artist_name") public var artistName: String?
    @OptionalField(key: "album_name") public var albumName: String?
    /// How long it played; nil for a polled play, which counts as played in full.
    @OptionalField(key: "ms_played") public var msPlayed: Int?
    /// What it was played from: `playlist`, `album`, `artist`, or nil for none.
    @OptionalField(key: "context_type") public var contextType: String?
    @OptionalField(key: "context_uri") public var contextURI: String?
    @Field(key: "source") public var source: PlaySource
    /// The play's own JSON as Spotify sent it, without the track (which the catalogue keeps).
    @Field(key: "raw") public var raw: String

    public init() {}
}

/// A stretch of time whose plays may be missing: a poll found more new plays than Spotify keeps, so some older
/// ones were gone before they were read. An import that covers it closes it.
public final class PlayGapRecord: Model, @unchecked Sendable {
    public static let schema = "play_gaps"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "user_id") public var user: UserRecord
    /// The newest play stored before the poll.
    @Field(key: "starts_at") public var startsAt: Date
    /// The oldest play the poll returned.
    @Field(key: "ends_at") public var endsAt: Date
    @Field(key: "detected_at") public var detectedAt: Date
    @OptionalField(key: "filled_at") public var filledAt: Date?

    public init() {}
}

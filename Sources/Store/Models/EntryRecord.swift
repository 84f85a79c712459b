import FluentKit
import Foundation
import SQLKit

/// One position of a mirrored playlist. Written in bulk through SQLKit; read through Fluent.
public final class EntryRecord: Model, @unchecked Sendable {
    public static let schema = "entries"

    /// A database-generated integer: entries are written in bulk, and an integer key keeps that fast.
    @ID(custom: .id, generatedBy: .database) public var id: Int?
    @Parent(key: "playlist_id") public var playlist: PlaylistRecord
    @Field(key: "position") public var position: Int
    /// `nil` for an unavailable entry (Spotify sent `item: null`).
    @OptionalField(key: "uri") public var uri: String?
    @OptionalField(key: "added_at") public var addedAt: Date?
    @OptionalField(key: "added_by") public var addedBy: String?
    @Field(key: "is_local") public var isLocal: Bool
    @OptionalField(key: "linked_from_uri") public var linkedFromURI: String?
    /// `track`, `episode`, `local` or `unavailable`.
    @Field(key: "kind") public var kind: String
    @OptionalField(key: "is_playable") public var isPlayable: Bool?
    @Field(key: "raw") public var raw: String
    /// Whether the person ever played or skipped the song (015; kept by `markPlayed`, false when written).
    @Field(key: "played") public var played: Bool

    public init() {}

    /// Available means Spotify sent an item and did not say it is unplayable.
    public var isAvailable: Bool { kind != "unavailable" && isPlayable != false }
}

/// A track or an episode as the catalogue knows it.
public final class CatalogItemRecord: Model, @unchecked Sendable {
    public static let schema = "catalog_items"

    @ID(custom: "uri", generatedBy: .user) public var id: String?
    @OptionalField(key: "spotify_id") public var spotifyID: String?
    @Field(key: "kind") public var kind: String
    @OptionalField(key: "name") public var name: String?
    /// Artist names joined by ", ".
    @OptionalField(key: "artists") public var artists: String?
    /// Artist ids, JSON-encoded.
    @OptionalField(key: "artist_ids") public var artistIDs: String?
    @OptionalField(key: "album") public var album: String?
    @OptionalField(key: "album_type") public var albumType: String?
    @OptionalField(key: "duration_ms") public var durationMS: Int?
    @OptionalField(key: "isrc") public var isrc: String?
    @Field(key: "raw") public var raw: String

    public init() {}
}

extension CatalogItemRecord {
    /// The catalogue rows of these URIs, by URI, fetched in chunks that stay under the stores' bind limits.
    public static func lookup(_ uris: [String], on database: any Database) async throws -> [String: CatalogItemRecord] {
        var found: [String: CatalogItemRecord] = [:]
        for start in stride(from: 0, to: uris.count, by: 500) {
            let chunk = Array(uris[start..<min(start + 500, uris.count)])
            for item in try await CatalogItemRecord.query(on: database).filter(\.$id ~~ chunk).all() {
                if let uri = item.id { found[uri] = item }
            }
        }
        return found
    }
}

/// The columns of an entry that planning needs, read without the raw JSON: much cheaper than full records
/// for tens of thousands of entries.
public struct EntrySummary: Codable, Sendable, Equatable {
    public var position: Int
    public var uri: String?
    public var addedAt: Date?
    public var isLocal: Bool
    public var kind: String
    public var isPlayable: Bool?

    enum CodingKeys: String, CodingKey {
        case position, uri, kind
        case addedAt = "added_at"
        case isLocal = "is_local"
        case isPlayable = "is_playable"
    }

    public var isAvailable: Bool { kind != "unavailable" && isPlayable != false }

    public init(_ record: EntryRecord) {
        position = record.position
        uri = record.uri
        addedAt = record.addedAt
        isLocal = record.isLocal
        kind = record.kind
        isPlayable = record.isPlayable
    }

    /// One playlist's entries in order.
    public static func of(playlist id: UUID, on database: any Database) async throws -> [EntrySummary] {
        try await database.sql().select().columns("position", "uri", "added_at", "is_local", "kind", "is_playable")
            .from(EntryRecord.schema).where("playlist_id", .equal, id).orderBy("position")
            .all(decoding: EntrySummary.self)
    }
}

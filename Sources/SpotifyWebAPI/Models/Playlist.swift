import Foundation
import PlaykeeperJSON

/// A playlist, either simplified (from `/me/playlists`) or full (from `GET /playlists/{id}`).
///
/// Since February 2026 a playlist's entries are in `items`; older responses call them `tracks`, and real
/// responses have carried both, one, or the old one as `null`. Both are read: `items ?? tracks`.
public struct Playlist: SpotifyObject {
    public let raw: JSONValue
    public let id: String?
    public let uri: String?
    public let name: String?
    public let description: String?
    public let isPublic: Bool?
    public let collaborative: Bool?
    public let snapshotID: String?
    public let owner: UserReference?
    /// Where the entries are and how many there are.
    public let itemsReference: ItemsReference?
    /// The first page of entries, present on full playlist objects.
    public let firstPage: Page<PlaylistEntry>?
    public let imageURL: String?

    public init(json: JSONValue) {
        raw = json
        id = json["id"]?.stringValue
        uri = json["uri"]?.stringValue
        name = json["name"]?.stringValue
        description = json["description"]?.stringValue
        isPublic = json["public"]?.boolValue
        collaborative = json["collaborative"]?.boolValue
        snapshotID = json["snapshot_id"]?.stringValue
        owner = json.nonNull("owner").map(UserReference.init(json:))
        let entries = json.nonNull("items") ?? json.nonNull("tracks")
        if let entries {
            itemsReference = ItemsReference(href: entries["href"]?.stringValue, total: entries["total"]?.intValue)
            firstPage = entries["items"]?.arrayValue != nil ? Page(json: entries) : nil
        } else {
            itemsReference = nil
            firstPage = nil
        }
        imageURL = json["images"]?[0]?["url"]?.stringValue
    }

    /// The number of entries, when Spotify said.
    public var total: Int? { itemsReference?.total ?? firstPage?.total }
}

/// The answer to every playlist write: the playlist's new version.
public struct SnapshotResponse: SpotifyObject {
    public let raw: JSONValue
    public let snapshotID: String?

    public init(json: JSONValue) {
        raw = json
        snapshotID = json["snapshot_id"]?.stringValue
    }
}

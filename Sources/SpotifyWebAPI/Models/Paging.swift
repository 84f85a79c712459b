import Foundation
import PlaykeeperJSON

/// Spotify's paging object. `items` may hold `null` entries, which are kept as `nil`.
public struct Page<Item: SpotifyObject>: SpotifyObject {
    public let raw: JSONValue
    public let href: String?
    public let items: [Item?]
    public let limit: Int?
    public let next: String?
    public let offset: Int?
    public let previous: String?
    public let total: Int?

    public init(json: JSONValue) {
        raw = json
        href = json["href"]?.stringValue
        items = (json["items"]?.arrayValue ?? []).map { $0.isNull ? nil : Item(json: $0) }
        limit = json["limit"]?.intValue
        next = json["next"]?.stringValue
        offset = json["offset"]?.intValue
        previous = json["previous"]?.stringValue
        total = json["total"]?.intValue
    }
}

/// A cursor-based page, as `/me/player/recently-played` returns.
public struct CursorPage<Item: SpotifyObject>: SpotifyObject {
    public let raw: JSONValue
    public let href: String?
    public let items: [Item?]
    public let limit: Int?
    public let next: String?
    public let after: String?
    public let before: String?

    public init(json: JSONValue) {
        raw = json
        href = json["href"]?.stringValue
        items = (json["items"]?.arrayValue ?? []).map { $0.isNull ? nil : Item(json: $0) }
        limit = json["limit"]?.intValue
        next = json["next"]?.stringValue
        after = json["cursors"]?["after"]?.stringValue
        before = json["cursors"]?["before"]?.stringValue
    }
}

/// The `{href, total}` reference a simplified playlist carries for its items.
public struct ItemsReference: Sendable, Hashable {
    public let href: String?
    public let total: Int?
}

import Foundation
import PlaykeeperJSON

/// The current user, from `GET /me`.
public struct CurrentUser: SpotifyObject {
    public let raw: JSONValue
    public let id: String?
    /// Stable account identity (May 2026). Prefer it over `id` for keying users.
    public let accountID: String?
    public let displayName: String?
    public let uri: String?
    /// Deprecated in 2026 and may be absent.
    public let country: String?
    /// Deprecated in 2026 and may be absent.
    public let product: String?
    /// Deprecated in 2026 and may be absent.
    public let email: String?

    public init(json: JSONValue) {
        raw = json
        id = json["id"]?.stringValue
        accountID = json["account_id"]?.stringValue
        displayName = json["display_name"]?.stringValue
        uri = json["uri"]?.stringValue
        country = json["country"]?.stringValue
        product = json["product"]?.stringValue
        email = json["email"]?.stringValue
    }
}

/// A user as referenced from other objects: a playlist's owner, an entry's `added_by`.
public struct UserReference: SpotifyObject, Hashable {
    public let raw: JSONValue
    public let id: String?
    public let displayName: String?
    public let uri: String?

    public init(json: JSONValue) {
        raw = json
        id = json["id"]?.stringValue
        displayName = json["display_name"]?.stringValue
        uri = json["uri"]?.stringValue
    }
}

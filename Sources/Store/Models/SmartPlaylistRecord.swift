import FluentKit
import Foundation

/// A playlist made from listening: its settings (name and rule) and what Playkeeper last wrote to it.
///
/// Both are JSON documents (`SmartSettings` and `SmartState` in the Library module), so that a new option does
/// not need a migration. A built-in has a row only once the person turned it on.
public final class SmartPlaylistRecord: Model, @unchecked Sendable {
    public static let schema = "smart_playlists"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "user_id") public var user: UserRecord
    /// `on-repeat`, `top-2025`, … for a built-in; a slug of the name for a rule of the person's own.
    @Field(key: "key") public var key: String
    @Field(key: "enabled") public var enabled: Bool
    @Field(key: "settings") public var settings: String
    @Field(key: "state") public var state: String
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "updated_at") public var updatedAt: Date

    public init() {}
}

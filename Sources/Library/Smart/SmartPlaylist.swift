import Foundation

/// What the person chose for a smart playlist: its name and rule, and what happens to their edits in the app.
public struct SmartSettings: Codable, Sendable, Equatable {
    public var name: String
    public var rule: SmartRule
    /// Songs the person removes in the app stay out and songs they add stay (`true`); or Playkeeper's list is put back.
    public var keepAppEdits: Bool

    public init(name: String, rule: SmartRule, keepAppEdits: Bool = true) {
        self.name = name
        self.rule = rule
        self.keepAppEdits = keepAppEdits
    }
}

/// What Playkeeper knows about a smart playlist it keeps in Spotify.
public struct SmartState: Codable, Sendable, Equatable {
    /// Its Spotify id, once created.
    public var spotifyID: String?
    /// The URIs Playkeeper last wrote, without songs the person added: songs missing from the playlist but listed
    /// here were removed by the person.
    public var lastWritten: [String] = []
    /// The snapshot after Playkeeper's last write: when it moved, the playlist was edited in the app.
    public var snapshotID: String?
    /// Songs the person removed in the app, which stay out while their edits are kept.
    public var remembered: [String] = []
    /// Saved before `POST /me/playlists` with the marker its description carries.
    public var creating: String?
    /// When it was last brought to its rule's result, and a digest of that result.
    public var refreshedAt: Date?
    public var resultSignature: String?
    /// Why it stopped being kept ("deleted in the Spotify app"), shown until it is turned on again.
    public var offReason: String?

    public init() {}
}

/// A smart playlist as `smart list`, the API and the page show it.
public struct SmartPlaylistView: Codable, Sendable, Equatable {
    public var key: String
    public var name: String
    /// What it holds, in a sentence.
    public var summary: String
    public var builtIn: Bool
    public var enabled: Bool
    public var ranked: Bool
    public var rule: SmartRule
    public var keepAppEdits: Bool
    public var spotifyID: String?
    public var songs: Int
    public var refreshedAt: Date?
    public var offReason: String?
    /// Whether the store has a row for it (a built-in has one once turned on).
    public var stored: Bool
}

/// What a preview shows, or what an update did.
public struct SmartReport: Codable, Sendable, Equatable {
    /// `preview`, `created`, `updated`, `unchanged`, `mismatch`, `turned off`.
    public var status: String
    public var key: String
    public var name: String
    public var ranked: Bool
    public var songs: [SmartSong]
    /// `unchanged`, `replace`, `edit` (ranked), or `append` (unranked: removals and appends).
    public var strategy: String
    /// API calls made (or, in a preview, planned), a creation included.
    public var writes: Int
    /// For a ranked plan: the calls the other way takes, and the fewest single-song moves that order the songs
    /// that stay (the plan's moves are at most this).
    public var alternative: Int?
    public var minimumMoves: Int?
    public var removed: Int
    public var added: Int
    public var moved: Int
    public var journalID: UUID?
    public var spotifyID: String?
    public var notes: [String]
    public var refreshedAt: Date?
}

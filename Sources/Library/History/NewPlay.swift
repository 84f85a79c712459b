import FluentKit
import Foundation
import SQLKit
import Store

/// A play to store, from a poll or an import: one way to write plays, through the store's bulk path, with the
/// unique index (`plays_once`) as the last guard against a second row for a person and time.
struct NewPlay {
    var playedAt: Date
    var trackURI: String?
    var trackName: String?
    var artistName: String?
    var albumName: String?
    var msPlayed: Int?
    var contextType: String?
    var contextURI: String?
    var source: PlaySource
    var raw: String

    static func insert(_ plays: [NewPlay], userID: UUID, on db: any Database) async throws {
        guard !plays.isEmpty else { return }
        let store = try BulkStore(db)
        let user = userID.uuidString
        let encoded = store.encode(plays.lazy.map { (user, $0) }, as: .plays)
        try await store.insert([encoded], into: .plays, on: db)
    }
}

extension BulkTable where Row == (user: String, play: NewPlay) {
    /// `plays`, through the store's bulk path; a person's play at a time already stored is left out.
    static let plays = BulkTable(
        name: PlayRecord.schema,
        columns: [
            BulkColumn("id") { .text(UUID.timeOrdered($0.play.playedAt).uuidString) },
            BulkColumn("user_id") { .text($0.user) },
            BulkColumn("played_at") { .date($0.play.playedAt) },
            BulkColumn("track_uri") { .text($0.play.trackURI) },
            BulkColumn("track_name") { .text($0.play.trackName) },
            BulkColumn("artist_name") { .text($0.play.artistName) },
            BulkColumn("album_name") { .text($0.play.albumName) },
            BulkColumn("ms_played") { .integer($0.play.msPlayed) },
            BulkColumn("context_type") { .text($0.play.contextType) },
            BulkColumn("context_uri") { .text($0.play.contextURI) },
            BulkColumn("source") { .text($0.play.source.rawValue) },
            BulkColumn("raw") { .text($0.play.raw) },
        ],
        skipKnown: ["user_id", "played_at"])
}

extension UUID {
    /// A version 7 UUID: the time in milliseconds, then random bits. Plays arrive mostly in time order, so their
    /// ids land at the end of the primary key's index instead of all over it.
    static func timeOrdered(_ date: Date) -> UUID {
        let milliseconds = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        var bytes = UUID().uuid
        bytes.0 = UInt8(truncatingIfNeeded: milliseconds >> 40)
        bytes.1 = UInt8(truncatingIfNeeded: milliseconds >> 32)
        bytes.2 = UInt8(truncatingIfNeeded: milliseconds >> 24)
        bytes.3 = UInt8(truncatingIfNeeded: milliseconds >> 16)
        bytes.4 = UInt8(truncatingIfNeeded: milliseconds >> 8)
        bytes.5 = UInt8(truncatingIfNeeded: milliseconds)
        bytes.6 = 0x70 | (bytes.6 & 0x0F)
        bytes.8 = 0x80 | (bytes.8 & 0x3F)
        return UUID(uuid: bytes)
    }
}

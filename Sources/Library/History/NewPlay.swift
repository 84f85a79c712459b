import FluentKit
import Foundation
import SQLKit
import Store

/// A play to store, from a poll or an import: one way to write plays, 500 to a statement, with the unique
/// index (`plays_once`) as the last guard against a second row for a person and time.
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
        let sql = try db.sql()
        for start in stride(from: 0, to: plays.count, by: 500) {
            var insert = sql.insert(into: PlayRecord.schema).columns(
                "id", "user_id", "played_at", "track_uri", "track_name", "artist_name", "album_name", "ms_played",
                "context_type", "context_uri", "source", "raw")
            for play in plays[start..<min(start + 500, plays.count)] {
                insert = insert.values(
                    SQLBind(UUID()), SQLBind(userID), SQLBind(play.playedAt), SQLBind(play.trackURI), SQLBind(play.trackName),
                    SQLBind(play.artistName), SQLBind(play.albumName), SQLBind(play.msPlayed), SQLBind(play.contextType),
                    SQLBind(play.contextURI), SQLBind(play.source.rawValue), SQLBind(play.raw))
            }
            try await insert.ignoringConflicts(with: ["user_id", "played_at"]).run()
        }
    }
}

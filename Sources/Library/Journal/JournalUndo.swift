import FluentKit
import Foundation
import SpotifyWebAPI
import Store

/// Undoes any journaled change, a dedupe or an update of the unified playlist: the CLI, the API and the page
/// all come through here.
public struct JournalUndo: Sendable {
    public let database: any Database
    public let client: SpotifyClient
    public let user: UserRecord

    public init(database: any Database, client: SpotifyClient, user: UserRecord) {
        self.database = database
        self.client = client
        self.user = user
    }

    /// Restores the playlist the entry changed, in its original order (refused when it changed since, unless
    /// `force`), and lets the unified playlist or a smart playlist know when the playlist was theirs.
    public func undo(journalID: UUID, force: Bool = false) async throws -> JournalRecord {
        let done = try await DedupeService(database: database, client: client, user: user).undo(
            journalID: journalID, force: force)
        if let playlist = try await PlaylistRecord.find(done.$playlist.id, on: database) {
            try await UnifiedService(database: database, client: client, user: user).noteRestored(playlist, by: done)
            try await SmartService(database: database, client: client, user: user).noteSettled(playlist, by: done)
        }
        return done
    }
}

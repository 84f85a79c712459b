import Foundation

extension SpotifyClient {
    /// Liked Songs, newest first, following `next`.
    public func savedTracks(limit: Int = 50, offset: Int = 0) -> PageSequence<SavedTrack> {
        PageSequence(
            client: self,
            first: .get("/me/tracks", "/me/tracks", query: [("limit", String(limit)), ("offset", String(offset)), Self.market]),
            mode: .followNext,
            limit: limit
        )
    }

    /// `PUT /me/library` takes at most this many URIs per call.
    public static let libraryWriteBatch = 40

    /// Saves items to Liked Songs. Each goes to the top with today's `added_at`.
    public func saveToLibrary(uris: [String]) async throws {
        for batch in uris.chunked(Self.libraryWriteBatch) {
            _ = try await send(.write("PUT", "/me/library", "/me/library", query: [("uris", batch.joined(separator: ","))]))
        }
    }

    /// Removes items from Liked Songs.
    public func removeFromLibrary(uris: [String]) async throws {
        for batch in uris.chunked(Self.libraryWriteBatch) {
            _ = try await send(.write("DELETE", "/me/library", "/me/library", query: [("uris", batch.joined(separator: ","))]))
        }
    }

    /// The user's recent plays, newest first, cursor-paged.
    public func recentlyPlayed(limit: Int = 50, after: Date? = nil, before: Date? = nil) async throws
        -> CursorPage<PlayHistoryItem>
    {
        var query = [("limit", String(limit))]
        if let after { query.append(("after", String(Int64(after.timeIntervalSince1970 * 1000)))) }
        if let before { query.append(("before", String(Int64(before.timeIntervalSince1970 * 1000)))) }
        return try await send(.get("/me/player/recently-played", "/me/player/recently-played", query: query))
    }
}

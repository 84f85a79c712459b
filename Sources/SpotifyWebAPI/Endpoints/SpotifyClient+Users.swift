import Foundation

extension SpotifyClient {
    /// `GET /me`. A 403 right after login means the user is not on the app's allow-list.
    public func currentUser() async throws -> CurrentUser {
        try await send(.get("/me", "/me"))
    }
}

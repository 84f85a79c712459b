import Foundation

/// A name a person gives something here (the unified playlist, an API token), checked in one way for the API,
/// the page and the CLI.
public enum DisplayName {
    /// What a name must be, as the errors say it.
    public static let rule = "1 to 100 characters, without control characters"

    /// The name trimmed of spaces; nil when it is empty, longer than 100 characters, or holds a control
    /// character. A NUL, say, would be refused by PostgreSQL and Spotify and cut short by C strings, so it is
    /// refused here, where the person can be told.
    public static func checked(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 100,
            !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { return nil }
        return trimmed
    }
}

/// One parser for each choice a person makes, shared by the API, the page's forms and the CLI. The caller names
/// the field as its own users wrote it (`'match'`, `--match`), so the message points at what to fix; `kind` is
/// `.malformed` for a query parameter (400) and `.invalid` elsewhere (422, or exit 2).
public enum SettingParsers {
    public static func match(_ text: String, field: String, kind: PlaykeeperError.Kind = .invalid) throws -> MatchLevel {
        try choice(MatchLevel.self, text, field: field, kind: kind)
    }

    public static func keep(_ text: String, field: String, kind: PlaykeeperError.Kind = .invalid) throws -> KeepPolicy {
        try choice(KeepPolicy.self, text, field: field, kind: kind)
    }

    public static func appEdits(_ text: String, field: String) throws -> UnifiedSettings.AppEdits {
        try choice(UnifiedSettings.AppEdits.self, text, field: field, kind: .invalid)
    }

    /// `propagate` (a song that left every source leaves the unified playlist) or `keep`.
    public static func propagatesRemovals(_ text: String, field: String) throws -> Bool {
        switch text {
        case "propagate": return true
        case "keep": return false
        default: throw PlaykeeperError(.invalid, "\(field) is propagate or keep, not '\(shown(text))'")
        }
    }

    /// A playlist name Spotify takes (`DisplayName.rule`), trimmed.
    public static func playlistName(_ text: String, field: String) throws -> String {
        guard let name = DisplayName.checked(text) else {
            throw PlaykeeperError(.invalid, "\(field) must be \(DisplayName.rule)")
        }
        return name
    }

    /// One of an enumeration's raw values; anything else names the choices.
    public static func choice<Choice: RawRepresentable & CaseIterable>(
        _ type: Choice.Type, _ text: String, field: String, kind: PlaykeeperError.Kind
    ) throws -> Choice where Choice.RawValue == String {
        guard let value = Choice(rawValue: text) else {
            let names = Choice.allCases.map(\.rawValue)
            let list = names.dropLast().joined(separator: ", ") + " or " + (names.last ?? "")
            throw PlaykeeperError(kind, "\(field) is \(list), not '\(shown(text))'")
        }
        return value
    }

    /// At most 40 characters of what was given.
    static func shown(_ text: String) -> String { text.count > 40 ? text.prefix(37) + "…" : text }
}

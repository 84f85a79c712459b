/// A change to the unified playlist's settings: what the API's body, the page's form or the CLI's flags name,
/// already checked. Unnamed settings stay as they are.
public struct UnifiedSettingsChange: Sendable, Equatable {
    public var name: String?
    public var include: [String]?
    public var exclude: [String]?
    public var liked: Bool?
    public var includeEpisodes: Bool?
    public var match: MatchLevel?
    public var propagateRemovals: Bool?
    public var appEdits: UnifiedSettings.AppEdits?
    public var isPublic: Bool?
    public var automatic: Bool?

    public init() {}

    public func apply(to settings: inout UnifiedSettings) {
        if let name { settings.name = name }
        if let include { settings.include = include }
        if let exclude { settings.exclude = exclude }
        if let liked { settings.liked = liked }
        if let includeEpisodes { settings.includeEpisodes = includeEpisodes }
        if let match { settings.match = match }
        if let propagateRemovals { settings.propagateRemovals = propagateRemovals }
        if let appEdits { settings.appEdits = appEdits }
        if let isPublic { settings.isPublic = isPublic }
        if let automatic { settings.automatic = automatic }
    }

    /// Refuses source playlists that are not among `known` (the person's own and collaborative playlists).
    public func checkSources(known: Set<String>, field: (String) -> String) throws {
        for (key, list) in [("include", include), ("exclude", exclude)] {
            if let missing = list?.first(where: { !known.contains($0) }) {
                throw PlaykeeperError(.invalid, "\(field(key)) names \(missing), which is not one of your playlists")
            }
        }
    }
}

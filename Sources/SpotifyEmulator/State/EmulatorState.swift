import Foundation
import PlaykeeperJSON

/// The whole emulated Spotify: the library, the Accounts service's grants, the knobs and the request log.
///
/// One actor holds it all, so every request sees a consistent library, as Spotify's own
/// snapshot semantics promise.
public actor EmulatorState {
    // Library
    var users: [String: EmulatorLibrary.User] = [:]
    var userOrder: [String] = []
    var tracks: [String: EmulatorLibrary.Track] = [:] { didSet { forgetRenderedItems() } }
    var episodes: [String: EmulatorLibrary.Episode] = [:] { didSet { forgetRenderedItems() } }
    var playlists: [String: StoredPlaylist] = [:]
    var playlistOrder: [String] = []
    var follows: [String: [String]] = [:]
    var liked: [String: [EmulatorLibrary.Saved]] = [:]
    /// What each user saved through `/me/library` besides songs and playlists: albums, episodes, shows, audiobooks
    /// and followed users, by URI.
    var saved: [String: Set<String>] = [:]
    var plays: [String: [EmulatorLibrary.Play]] = [:]

    // Accounts service
    var apps: [String: RegisteredApp] = [:]
    var codes: [String: AuthorizationCode] = [:]
    var accessTokens: [String: AccessGrant] = [:]
    var refreshTokens: [String: RefreshGrant] = [:]
    /// The user the next `/authorize` approves as; `nil` means the library's first user.
    var approver: String?
    var denyConsent = false

    // Behaviour
    public private(set) var knobs = EmulatorKnobs()
    var clockOffset: Double = 0
    var random: SeededRandom
    var log: [LoggedRequest] = []
    var windowStarts: [Date] = []
    var quotaUsed = 0
    var snapshotCounter = 0
    /// Writes admitted since `hold_writes_after` was set, and the ones held past it (see `EmulatorState+Signals`).
    var writesAdmitted = 0
    var heldWriteContinuations: [CheckedContinuation<Bool, Never>] = []
    /// Writes applied since `withhold_reply_of_write` was set, and the reply withheld from the k-th.
    var writesApplied = 0
    var withheldReplies: [CheckedContinuation<Void, Never>] = []
    /// Callers waiting for a condition on the state, checked after each logged request and held write.
    var waiters: [Waiter] = []

    /// The emulator's public base, e.g. `http://127.0.0.1:9090`, used for absolute `next` links.
    public private(set) var baseURL: String = "http://127.0.0.1:9090" { didSet { forgetRenderedItems() } }

    // Rendering
    /// The JSON text of tracks and episodes as entries carry them, by URI and the options that shape them: a
    /// sync reads most songs in several playlists, and Spotify renders them on its own machines, not on the
    /// one Playkeeper runs on. Forgotten whenever the catalogue or the base URL changes.
    var renderedItems: [RenderedItemKey: [UInt8]] = [:]
    var renderedItemBytes = 0
    /// Past this much text the kept items are dropped and rendered again as asked for.
    static let renderedItemsLimit = 64 << 20
    /// Begins the strings that stand for kept text in a response's tree; random, so that no playlist name or
    /// other string a client sends can be taken for one.
    static let placeholderPrefix = "\u{0}\(UUID().uuidString)\u{0}"

    struct RenderedItemKey: Hashable {
        var uri: String
        var market: Bool
        var episodes: Bool
        var extended: Bool
    }

    func forgetRenderedItems() {
        renderedItems.removeAll()
        renderedItemBytes = 0
    }

    public struct RegisteredApp: Sendable, Codable, Equatable {
        public var clientID: String
        public var clientSecret: String
        /// The redirect URIs registered for the app, matched as Spotify matches them (`RedirectURIs`); none
        /// registered, every login is refused.
        public var redirectURIs: [String]

        public init(clientID: String, clientSecret: String, redirectURIs: [String] = []) {
            self.clientID = clientID
            self.clientSecret = clientSecret
            self.redirectURIs = redirectURIs
        }
    }

    struct StoredPlaylist: Sendable {
        var playlist: EmulatorLibrary.Playlist
        var snapshotID: String
        var followers: Int
    }

    public init(apps: [RegisteredApp] = [.demo], library: EmulatorLibrary = EmulatorLibrary(), seed: UInt64 = 1) {
        random = SeededRandom(seed: seed)
        for app in apps { self.apps[app.clientID] = app }
        let tables = LibraryTables(library)
        (users, userOrder, tracks, episodes) = (tables.users, tables.userOrder, tables.tracks, tables.episodes)
        (playlists, playlistOrder, follows, liked, plays) = (
            tables.playlists, tables.playlistOrder, library.follows, library.liked, library.plays
        )
        for id in playlistOrder {
            snapshotCounter += 1
            playlists[id]?.snapshotID = Self.snapshotID(counter: snapshotCounter, playlist: id, random: &random)
        }
    }

    // MARK: Clock

    /// Wall-clock time, moved forward by the admin API's clock endpoint.
    var now: Date { Date().addingTimeInterval(clockOffset) }

    public func advanceClock(seconds: Double) {
        clockOffset += seconds
    }

    public func setBaseURL(_ url: String) {
        baseURL = url
    }

    public func updateKnobs(_ patch: [String: JSONValue]) throws -> EmulatorKnobs {
        var updated = knobs
        try updated.apply(patch)
        if patch["hold_writes_after"] != nil { writesAdmitted = 0 }
        if patch["withhold_reply_of_write"] != nil { writesApplied = 0 }
        knobs = updated
        if knobs.holdWritesAfter == nil { releaseHeldWrites(apply: false) }
        if knobs.withholdReplyOfWrite == nil { releaseWithheldReplies() }
        return knobs
    }

    public func setKnobs(_ knobs: EmulatorKnobs) {
        self.knobs = knobs
    }

    // MARK: Library

    /// Replaces the library. Grants stay valid as long as their users still exist.
    public func replaceLibrary(_ library: EmulatorLibrary) {
        let tables = LibraryTables(library)
        (users, userOrder, tracks, episodes) = (tables.users, tables.userOrder, tables.tracks, tables.episodes)
        (playlists, playlistOrder, follows, liked, plays) = (
            tables.playlists, tables.playlistOrder, library.follows, library.liked, library.plays
        )
        for id in playlistOrder { bumpSnapshot(id) }
        accessTokens = accessTokens.filter { $0.value.user.map { users[$0] != nil } ?? true }
        refreshTokens = refreshTokens.filter { users[$0.value.user] != nil }
    }

    /// The person plays songs at chosen times (the admin API's `POST /__emulator/plays`), so that tests and the
    /// demo can simulate a week of listening. A track the catalogue does not know, or an unknown person, is refused.
    public func play(user: String, _ played: [EmulatorLibrary.Play]) throws -> Int {
        guard users[user] != nil else { throw EmulatorError.badRequest("no user '\(user)'") }
        for play in played {
            guard play.uri.hasPrefix("spotify:track:"), tracks[String(play.uri.dropFirst("spotify:track:".count))] != nil
            else { throw EmulatorError.badRequest("'\(play.uri)' is not a track of the catalogue") }
        }
        plays[user, default: []].append(contentsOf: played)
        plays[user]?.sort { $0.playedAt > $1.playedAt }
        return plays[user]?.count ?? 0
    }

    /// The library indexed for lookups.
    struct LibraryTables {
        var users: [String: EmulatorLibrary.User] = [:]
        var userOrder: [String] = []
        var tracks: [String: EmulatorLibrary.Track]
        var episodes: [String: EmulatorLibrary.Episode]
        var playlists: [String: StoredPlaylist] = [:]
        var playlistOrder: [String] = []

        init(_ library: EmulatorLibrary) {
            for user in library.users {
                if users[user.id] == nil { userOrder.append(user.id) }
                users[user.id] = user
            }
            tracks = Dictionary(library.tracks.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
            episodes = Dictionary(library.episodes.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
            var followers: [String: Int] = [:]
            for ids in library.follows.values { for id in Set(ids) { followers[id, default: 0] += 1 } }
            for playlist in library.playlists {
                if playlists[playlist.id] == nil { playlistOrder.append(playlist.id) }
                playlists[playlist.id] = StoredPlaylist(
                    playlist: playlist, snapshotID: "", followers: followers[playlist.id] ?? 0)
            }
        }
    }

    /// The library as it stands now.
    public func library() -> EmulatorLibrary {
        EmulatorLibrary(
            users: userOrder.compactMap { users[$0] },
            tracks: tracks.values.sorted { $0.id < $1.id },
            episodes: episodes.values.sorted { $0.id < $1.id },
            playlists: playlistOrder.compactMap { playlists[$0]?.playlist },
            follows: follows,
            liked: liked,
            plays: plays
        )
    }

    /// Gives the playlist a new snapshot id. Spotify's ids are opaque; these are too, and never repeat.
    func bumpSnapshot(_ id: String) {
        snapshotCounter += 1
        playlists[id]?.snapshotID = Self.snapshotID(counter: snapshotCounter, playlist: id, random: &random)
    }

    static func snapshotID(counter: Int, playlist: String, random: inout SeededRandom) -> String {
        Data("\(counter),\(playlist),\(random.next() % 1_000_000_007)".utf8).base64EncodedString()
    }

    public func snapshotID(of playlist: String) -> String? { playlists[playlist]?.snapshotID }

    /// The URIs of a playlist's entries, in order.
    public func uris(of playlist: String) -> [String]? { playlists[playlist]?.playlist.entries.map(\.uri) }

    public func likedURIs(of user: String) -> [String] { (liked[user] ?? []).map(\.uri) }

    /// The dump the admin API serves: every playlist's URIs in order, snapshot ids, Liked Songs.
    public func dump() -> JSONValue {
        let playlistDump: [JSONValue] = playlistOrder.compactMap { id in
            guard let stored = playlists[id] else { return nil }
            let playlist = stored.playlist
            return [
                "id": .string(id), "owner": .string(playlist.owner), "name": .string(playlist.name),
                "snapshot_id": .string(stored.snapshotID), "public": .bool(playlist.isPublic),
                "collaborative": .bool(playlist.collaborative),
                "collaborators": .array(playlist.collaborators.map(JSONValue.string)),
                "uris": .array(playlist.entries.map { .string($0.uri) }),
                "total": JSONValue(playlist.entries.count),
            ]
        }
        var likedDump: [String: JSONValue] = [:]
        for (user, songs) in liked { likedDump[user] = .array(songs.map { .string($0.uri) }) }
        var followDump: [String: JSONValue] = [:]
        for (user, ids) in follows { followDump[user] = .array(ids.map(JSONValue.string)) }
        return [
            "users": .array(userOrder.map(JSONValue.string)),
            "playlists": .array(playlistDump),
            "liked": .object(JSONObject(likedDump)),
            "follows": .object(JSONObject(followDump)),
            "knobs": (try? EmulatorLibrary.encoder().encode(knobs)) ?? .null,
        ]
    }
}

extension EmulatorState.RegisteredApp {
    /// The app every emulator has unless told otherwise.
    /// Its redirect URIs are the loopback literals without a port, with the path `/callback`: any port on this
    /// machine, as Spotify allows for loopback addresses registered without one.
    public static let demo = EmulatorState.RegisteredApp(
        clientID: "playkeeper-demo", clientSecret: "playkeeper-demo-secret",
        redirectURIs: ["http://127.0.0.1/callback", "http://[::1]/callback"])
}

/// A small, fast, seedable generator (SplitMix64), so faults and generated libraries repeat exactly.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in 0..<1.
    public mutating func fraction() -> Double {
        Double(next() >> 11) / Double(1 << 53)
    }
}

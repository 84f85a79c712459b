import Foundation

/// Makes a realistic, messy library, the same for the same seed.
///
/// It holds what trips real clients: duplicates within and across playlists, "same recording" twins
/// (same ISRC and artists, duration within 1 s, another URI), version variants ("Song (Live)"), local files,
/// episodes, unavailable and unplayable entries, relinked tracks, a followed playlist of another owner, a
/// collaborative one, and a Spotify-owned editorial playlist that answers 404.
public struct LibraryGenerator: Sendable {
    public var seed: UInt64
    /// Playlists the main user owns.
    public var playlists: Int
    /// About this many entries per playlist (±20%).
    public var items: Int
    /// The main user's id.
    public var user: String

    public init(seed: UInt64 = 1, playlists: Int = 8, items: Int = 40, user: String = "demo") {
        self.seed = seed
        self.playlists = max(0, playlists)
        self.items = max(0, items)
        self.user = user
    }

    static let friend = "friend"
    static let base = Date(timeIntervalSince1970: 1_704_067_200)  // 2024-01-01T00:00:00Z

    static let words = [
        "Midnight", "Golden", "River", "Echo", "Neon", "Paper", "Silver", "Wild", "Ocean", "Summer", "Electric", "Velvet",
        "Broken", "Crystal", "Falling", "Northern", "Lonely", "Burning", "Quiet", "Dancing", "Highway", "Shadow",
        "Morning", "Heart", "Fire", "Rain", "Stars", "Dreams", "Light", "City", "Garden", "Window", "Horizon", "Storm",
    ]
    static let foreignTitles = ["Corazón", "Sonho Azul", "Nachtzug", "Mon Amour", "사랑해", "夜の街", "Luz de Luna", "Sehnsucht"]
    static let playlistNames = [
        "Road Trip", "Focus", "Running", "Sunday Morning", "Party", "Chill", "Throwbacks", "Workout", "Dinner",
        "Rainy Day", "Late Night", "Discoveries", "Indie Mix", "Favourites", "Study", "Summer 2024",
    ]
    static let variants = [" (Live)", " - Acoustic", " - Remastered 2011", " (Radio Edit)", " - Remix", " (Demo)"]

    public func generate() -> EmulatorLibrary {
        var random = SeededRandom(seed: seed)
        var library = EmulatorLibrary()
        library.users = [
            .init(id: user, displayName: "Demo Listener"),
            .init(id: Self.friend, displayName: "A Friend"),
            .init(id: "spotify", displayName: "Spotify"),
            .init(id: "stranger", displayName: "Not Allow-listed", allowListed: false),
        ]

        func id(_ random: inout SeededRandom) -> String {
            let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
            return String((0..<22).map { _ in alphabet[Int(random.next() % 62)] })
        }
        func pick<T>(_ array: [T], _ random: inout SeededRandom) -> T { array[Int(random.next() % UInt64(array.count))] }

        // Catalogue
        let artistCount = max(8, playlists * items / 12)
        let artists = (0..<artistCount).map { index -> EmulatorLibrary.Artist in
            .init(
                id: id(&random),
                name: "\(pick(Self.words, &random)) \(pick(["Band", "Collective", "Kids", "Project", "Duo"], &random)) \(index)")
        }
        let trackCount = max(60, playlists * items * 6 / 10)
        var tracks: [EmulatorLibrary.Track] = []
        tracks.reserveCapacity(trackCount + trackCount / 5)
        for index in 0..<trackCount {
            let title =
                random.fraction() < 0.05
                ? pick(Self.foreignTitles, &random) + " \(index)"
                : "\(pick(Self.words, &random)) \(pick(Self.words, &random)) \(index)"
            var credited = [pick(artists, &random)]
            if random.fraction() < 0.15 { credited.append(pick(artists, &random)) }
            let album = EmulatorLibrary.Album(
                id: id(&random), name: "\(pick(Self.words, &random)) Album",
                type: random.fraction() < 0.8 ? "album" : "compilation",
                releaseDate: "20\(10 + Int(random.next() % 15))-0\(1 + Int(random.next() % 9))-1\(Int(random.next() % 9))")
            tracks.append(
                .init(
                    id: id(&random), name: title, artists: credited, album: album,
                    durationMS: 120_000 + Int(random.next() % 240_000),
                    isrc: "QZ\(String(format: "%03d", index % 1000))26\(String(format: "%05d", index))",
                    explicit: random.fraction() < 0.1, trackNumber: 1 + Int(random.next() % 12),
                    playable: random.fraction() >= 0.01, unavailable: random.fraction() < 0.01))
        }
        // Twins: the same recording released again (a single, a compilation) under another URI.
        var twins: [String: String] = [:]
        for index in stride(from: 0, to: trackCount, by: 17) {
            let original = tracks[index]
            var twin = original
            twin.id = id(&random)
            twin.album = .init(id: id(&random), name: original.name, type: "single", releaseDate: original.album.releaseDate)
            twin.durationMS = original.durationMS + Int(random.next() % 1001) - 500
            twin.unavailable = false
            twin.playable = true
            tracks.append(twin)
            twins[original.id] = twin.id
        }
        // Versions: same title with a version marker, a different recording.
        var versions: [String: String] = [:]
        for index in stride(from: 5, to: trackCount, by: 29) {
            let original = tracks[index]
            var version = original
            version.id = id(&random)
            version.name = original.name + pick(Self.variants, &random)
            version.isrc = "QZV\(String(format: "%09d", index))"
            version.durationMS = original.durationMS + 15_000
            version.unavailable = false
            tracks.append(version)
            versions[original.id] = version.id
        }
        // Relinking: in the user's market some tracks are served as another release of the same song.
        for index in stride(from: 17 * 3, to: trackCount, by: 17 * 7) {
            tracks[index].relinkedTo = twins[tracks[index].id]
            tracks[index].unavailable = false
        }
        library.tracks = tracks

        let shows = (0..<3).map { index in (id(&random), "\(pick(Self.words, &random)) Podcast \(index)") }
        library.episodes = (0..<max(6, playlists * 2)).map { index in
            let show = shows[index % shows.count]
            return .init(
                id: id(&random), name: "Episode \(index): \(pick(Self.words, &random))", showID: show.0, showName: show.1,
                publisher: "Podcast House", durationMS: 1_200_000 + Int(random.next() % 2_400_000),
                releaseDate: "2025-0\(1 + index % 9)-15",
                description: "An episode about \(pick(Self.words, &random).lowercased()).")
        }

        // Songs are picked with a skew, so that popular ones land in several playlists.
        let catalogue = Array(tracks.prefix(trackCount))
        func song(_ random: inout SeededRandom) -> EmulatorLibrary.Track {
            let skewed = Int(pow(random.fraction(), 1.6) * Double(catalogue.count))
            return catalogue[min(skewed, catalogue.count - 1)]
        }
        var clock = Self.base
        func entries(count: Int, owner: String, _ random: inout SeededRandom) -> [EmulatorLibrary.Entry] {
            var result: [EmulatorLibrary.Entry] = []
            for _ in 0..<count {
                clock = clock.addingTimeInterval(Double(600 + random.next() % 86_400))
                let addedBy: String? = random.fraction() < 0.03 ? nil : owner
                let roll = random.fraction()
                let uri: String
                if roll < 0.03, let earlier = result.randomElement(using: &random), !earlier.uri.hasPrefix("spotify:local:") {
                    uri = earlier.uri  // the same song added twice
                } else if roll < 0.05 {
                    let track = song(&random)
                    uri = "spotify:track:\(twins[track.id] ?? versions[track.id] ?? track.id)"
                } else if roll < 0.06 {
                    let artist = pick(Self.words, &random)
                    uri = "spotify:local:\(artist)+Tapes::\(pick(Self.words, &random))+Demo:\(150 + random.next() % 120)"
                } else if roll < 0.08 {
                    uri = pick(library.episodes, &random).uri
                } else {
                    uri = song(&random).uri
                }
                result.append(.init(uri: uri, addedAt: clock, addedBy: addedBy))
            }
            return result
        }
        func size(_ random: inout SeededRandom) -> Int {
            guard items > 0 else { return 0 }
            let spread = max(1, items / 5)
            return max(1, items - spread + Int(random.next() % UInt64(2 * spread + 1)))
        }

        var owned: [String] = []
        for index in 0..<playlists {
            let name = index < Self.playlistNames.count ? Self.playlistNames[index] : "Mix \(index + 1)"
            let playlist = EmulatorLibrary.Playlist(
                id: id(&random), owner: user, name: name, description: index % 3 == 0 ? "Made by \(user)" : "",
                isPublic: index % 2 == 0, entries: entries(count: size(&random), owner: user, &random))
            library.playlists.append(playlist)
            owned.append(playlist.id)
        }
        let followed = EmulatorLibrary.Playlist(
            id: id(&random), owner: Self.friend, name: "Friend's Favourites", isPublic: true,
            entries: entries(count: max(5, items / 2), owner: Self.friend, &random))
        var collaborativeEntries = entries(count: max(5, items / 2), owner: Self.friend, &random)
        for index in stride(from: 1, to: collaborativeEntries.count, by: 3) { collaborativeEntries[index].addedBy = user }
        let collaborative = EmulatorLibrary.Playlist(
            id: id(&random), owner: Self.friend, name: "Shared Road Trip", collaborative: true, collaborators: [user],
            entries: collaborativeEntries)
        let editorial = EmulatorLibrary.Playlist(
            id: id(&random), owner: "spotify", name: "Today's Top Hits", isPublic: true,
            entries: entries(count: 10, owner: "spotify", &random), editorial: true)
        library.playlists += [followed, collaborative, editorial]
        library.follows = [
            user: owned + [followed.id, collaborative.id, editorial.id],
            Self.friend: [followed.id, collaborative.id],
        ]

        // Liked Songs, newest first, with one recording saved twice under two URIs.
        var liked: [EmulatorLibrary.Saved] = []
        var likedURIs = Set<String>()
        var likedClock = clock
        for _ in 0..<max(10, items * 2) {
            let track = song(&random)
            guard likedURIs.insert(track.uri).inserted else { continue }
            likedClock = likedClock.addingTimeInterval(-Double(3_600 + random.next() % 86_400))
            liked.append(.init(uri: track.uri, addedAt: likedClock))
            if let twin = twins[track.id], likedURIs.insert("spotify:track:\(twin)").inserted {
                likedClock = likedClock.addingTimeInterval(-60)
                liked.append(.init(uri: "spotify:track:\(twin)", addedAt: likedClock))
            }
        }
        library.liked = [user: liked]

        var plays: [EmulatorLibrary.Play] = []
        var playClock = clock
        for _ in 0..<60 {
            playClock = playClock.addingTimeInterval(-Double(180 + random.next() % 600))
            plays.append(
                .init(uri: song(&random).uri, playedAt: playClock, contextURI: owned.first.map { "spotify:playlist:\($0)" }))
        }
        library.plays = [user: plays]
        return library
    }
}

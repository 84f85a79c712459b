/// The help of options that several commands share, worded once. (ConsoleKit finds a signature's options by
/// reflecting on its own properties, so the declarations themselves cannot be shared.)
enum OptionHelp {
    static let user = "The Spotify user id; required when several users are logged in."
    static let json = "Print JSON on standard output."
    static let all = "Every playlist you own."
    static let collaborative = "With --all: collaborative playlists too."
    static let liked = "With --all: Liked Songs too."
    static let match = "exact (default), recording or similar."
    static let keep = "first (default), oldest, newest, playable or album."
}

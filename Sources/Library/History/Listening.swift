import Foundation

/// A period of a person's listening, as the summary and the Listening page show it: the totals, when the history
/// begins, and what only a history beside the mirror can say (each own playlist's songs played in the period,
/// and the songs never played).
public struct Listening: Sendable {
    public var period: ListeningPeriod
    public var summary: ListeningStats.Summary
    public var historyBegins: Date?
    public var coverage: [PlaylistListening.Coverage]
    public var neverPlayed: [PlaylistListening.NeverPlayed]

    public static func read(_ reader: HistoryReader, period: ListeningPeriod) async throws -> Listening {
        // Three reads at once, each on its own connection of the pool.
        async let playlists = reader.playlistListening(in: period)
        async let summary = reader.summary(in: period)
        async let first = reader.firstPlay()
        let (coverage, neverPlayed) = try await playlists
        return Listening(
            period: period, summary: try await summary, historyBegins: try await first, coverage: coverage,
            neverPlayed: neverPlayed)
    }
}

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
        let entries = try await reader.ownPlaylistEntries()
        let everPlayed = try await reader.playedTracks(in: .allTime)
        let played = period == .allTime ? everPlayed : try await reader.playedTracks(in: period)
        return Listening(
            period: period, summary: try await reader.summary(in: period), historyBegins: try await reader.firstPlay(),
            coverage: PlaylistListening.coverage(entries, played: played),
            neverPlayed: PlaylistListening.neverPlayed(entries, everPlayed: everPlayed))
    }
}

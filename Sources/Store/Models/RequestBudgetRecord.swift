import FluentKit
import Foundation
import SpotifyWebAPI

/// What the request budget learned of a Spotify app's rate limit (`RequestBudget`), one row per client id, so that
/// the next process starts from it.
public final class RequestBudgetRecord: Model, @unchecked Sendable {
    public static let schema = "request_budgets"

    @ID(key: .id) public var id: UUID?
    /// The Spotify app's client id: the limit is Spotify's per app.
    @Field(key: "client_id") public var clientID: String
    /// Requests per 30 s the budget allows now.
    @Field(key: "request_limit") public var limit: Int
    /// What Spotify had accepted in the window at the last 429; nil until one.
    @OptionalField(key: "observed_limit") public var observed: Int?
    @Field(key: "updated_at") public var updatedAt: Date

    public init() {}

    public var learned: LearnedRate { LearnedRate(limit: limit, observed: observed, updatedAt: updatedAt) }

    public static func find(clientID: String, on database: any Database) async throws -> RequestBudgetRecord? {
        try await query(on: database).filter(\.$clientID == clientID).first()
    }
}

/// The store's side of `LearnedRateStore`: the row of one app.
public struct DatabaseLearnedRateStore: LearnedRateStore {
    let database: any Database
    let clientID: String

    public init(database: any Database, clientID: String) {
        self.database = database
        self.clientID = clientID
    }

    public func load() async throws -> LearnedRate? {
        try await RequestBudgetRecord.find(clientID: clientID, on: database)?.learned
    }

    public func save(_ rate: LearnedRate) async throws {
        func write(_ rate: LearnedRate, into record: RequestBudgetRecord) async throws {
            (record.clientID, record.limit, record.observed, record.updatedAt) = (
                clientID, rate.limit, rate.observed, rate.updatedAt
            )
            try await record.save(on: database)
        }
        let record = try await RequestBudgetRecord.find(clientID: clientID, on: database) ?? RequestBudgetRecord()
        do {
            try await write(rate, into: record)
        } catch  where record.id == nil {
            // Another process inserted the app's row first: update that one.
            guard let existing = try await RequestBudgetRecord.find(clientID: clientID, on: database) else { throw error }
            try await write(rate, into: existing)
        }
    }
}

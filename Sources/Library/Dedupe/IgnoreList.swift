import FluentKit
import Foundation
import SpotifyWebAPI
import Store

/// A user's "not a duplicate" pairs.
public struct IgnoreList: Sendable {
    public let database: any Database
    public let user: UserRecord
    public let clock: any WallClock

    public init(database: any Database, user: UserRecord, clock: any WallClock = SystemClock()) {
        self.database = database
        self.user = user
        self.clock = clock
    }

    public func pairs() async throws -> [IgnoredPair] {
        try await IgnoredPairRecord.query(on: database).filter(\.$user.$id == user.requireID()).sort(\.$firstURI).all()
            .map { IgnoredPair($0.firstURI, $0.secondURI) }
    }

    public func add(_ a: String, _ b: String) async throws {
        let pair = IgnoredPair(a, b)
        guard !(try await pairs()).contains(pair) else { return }
        let record = IgnoredPairRecord()
        record.$user.id = try user.requireID()
        record.firstURI = pair.first
        record.secondURI = pair.second
        record.createdAt = clock.now
        try await record.create(on: database)
    }

    public func remove(_ a: String, _ b: String) async throws {
        let pair = IgnoredPair(a, b)
        try await IgnoredPairRecord.query(on: database).filter(\.$user.$id == user.requireID())
            .filter(\.$firstURI == pair.first).filter(\.$secondURI == pair.second).delete()
    }

    /// Replaces the whole list (the API's PUT).
    public func replace(with pairs: [IgnoredPair]) async throws {
        try await database.transaction { db in
            try await IgnoredPairRecord.query(on: db).filter(\.$user.$id == user.requireID()).delete()
            for pair in Set(pairs) {
                let record = IgnoredPairRecord()
                record.$user.id = try user.requireID()
                record.firstURI = pair.first
                record.secondURI = pair.second
                record.createdAt = clock.now
                try await record.create(on: db)
            }
        }
    }
}

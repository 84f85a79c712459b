import App
import Foundation
import SpotifyWebAPI
import Store
import FluentKit
import Testing

/// The request budget's learned rate in the store, on SQLite and PostgreSQL: one row per app, read by the next
/// budget, updated in place, and a second writer (another process) updates the same row.
struct LearnedRateTests {
    @Test(arguments: StoreKind.available)
    func aLearnedRateOutlivesItsProcess(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind) { mirror in
            let store = DatabaseLearnedRateStore(database: mirror.database, clientID: "app-1")
            #expect(try await store.load() == nil)
            let first = RequestBudget(limit: 40, store: store)
            for _ in 0..<40 { try await first.acquire() }
            await first.rateLimited(retryAfter: 0)
            await first.saved()
            #expect(try await store.load()?.limit == 33)
            #expect(try await store.load()?.observed == 39)

            // The next process starts from it, not from SPOTIFY_REQUEST_BUDGET.
            let next = RequestBudget(limit: 150, store: DatabaseLearnedRateStore(database: mirror.database, clientID: "app-1"))
            let (limit, observed) = (await next.learned.limit, await next.observed)
            #expect(limit == 33 && observed == 39)
            // Another app's rate is its own.
            let other = RequestBudget(limit: 150, store: DatabaseLearnedRateStore(database: mirror.database, clientID: "app-2"))
            #expect(await other.learned.limit == 150)

            // Two writers of one app keep one row, the last write winning.
            let later = LearnedRate(limit: 70, observed: 80, updatedAt: Date())
            try await DatabaseLearnedRateStore(database: mirror.database, clientID: "app-1").save(later)
            #expect(try await RequestBudgetRecord.query(on: mirror.database).filter(\.$clientID == "app-1").count() == 1)
            #expect(try await store.load()?.limit == 70)
        }
    }
}

import EmulatorTestSupport
import Foundation
import SpotifyWebAPI
import Synchronization
import Testing

struct RequestBudgetTests {
    /// `count` requests through the budget, as fast as it lets them go.
    static func send(_ count: Int, through budget: RequestBudget) async throws {
        for _ in 0..<count { try await budget.acquire() }
    }

    @Test func aFullWindowWaitsUntilItsOldestRequestLeaves() async throws {
        let clock = TestClock()
        let budget = RequestBudget(limit: 3, ceiling: 3, window: 30, clock: clock)
        try await Self.send(3, through: budget)
        #expect(clock.totalSlept == 0, "three requests fit the window")
        clock.advance(10)
        try await budget.acquire()
        #expect(abs(clock.totalSlept - 20.5) < 0.001, "the fourth waits until the first is 30 s old, and half a second")
        try await Self.send(2, through: budget)
        #expect(abs(clock.totalSlept - 20.5) < 0.001, "the two others left at the same moment")
        #expect(await budget.limit == 3, "the ceiling holds it")
    }

    @Test func untilA429ItDoublesWheneverTheWindowIsFullUpToTheCeiling() async throws {
        let clock = TestClock()
        let budget = RequestBudget(limit: 10, ceiling: 35, window: 30, clock: clock)
        try await Self.send(10, through: budget)
        #expect(await budget.limit == 10, "ten fit: nothing says more are needed")
        try await budget.acquire()
        #expect(await budget.limit == 20 && clock.totalSlept == 0, "the eleventh found it full: it doubled at once")
        try await Self.send(24, through: budget)
        #expect(await budget.limit == 35 && clock.totalSlept == 0, "the ceiling caps it")
        try await budget.acquire()
        #expect(clock.totalSlept > 30, "at the ceiling a full window waits")
    }

    @Test func a429CutsItBelowWhatSpotifyAcceptedAndPausesEveryone() async throws {
        let clock = TestClock()
        let budget = RequestBudget(limit: 150, window: 30, clock: clock)
        try await Self.send(91, through: budget)  // Spotify took 90; the 91st came back 429
        await budget.rateLimited(retryAfter: 12)
        await budget.rateLimited(retryAfter: 12)  // another request that was in flight
        #expect(await budget.observed == 90)
        #expect(await budget.limit == 76, "85 % of 90")
        #expect(await budget.cuts == 1, "requests in flight during the pause do not cut it again")
        let before = clock.totalSlept
        try await budget.acquire()
        #expect(clock.totalSlept - before >= 12, "every caller waits out Retry-After, then for the window")
        #expect(await budget.rateLimitWait == 12, "the two overlapping pauses were one")
    }

    @Test func afterA429ItGrowsByOneAWindow() async throws {
        let clock = TestClock()
        let budget = RequestBudget(limit: 40, window: 30, clock: clock)
        try await Self.send(40, through: budget)
        await budget.rateLimited(retryAfter: 1)
        #expect(await budget.limit == 33, "85 % of the 39 Spotify took")
        try await Self.send(33 * 3 + 3, through: budget)
        let limit = await budget.limit
        #expect((35...37).contains(limit), "one a window, not doubled: \(limit)")
    }

    @Test func theLearnedRateIsReadFirstAndWrittenWhenItChanges() async throws {
        let store = MemoryRateStore(LearnedRate(limit: 60, observed: 70, updatedAt: Date(timeIntervalSince1970: 0)))
        let clock = TestClock()
        let budget = RequestBudget(limit: 150, ceiling: 500, window: 30, clock: clock, store: store)
        #expect(await budget.learned.limit == 60, "an earlier process's rate comes before SPOTIFY_REQUEST_BUDGET")
        try await Self.send(60, through: budget)
        await budget.rateLimited(retryAfter: 1)
        await budget.saved()
        #expect(store.rate?.limit == 50 && store.rate?.observed == 59)
        try await Self.send(51, through: budget)
        #expect(await budget.limit == 51, "it knew a 429 already: it grows gently")
        await budget.saved()
        #expect(store.rate?.limit == 51)
        let capped = RequestBudget(limit: 10, ceiling: 20, window: 30, clock: clock, store: store)
        #expect(await capped.learned.limit == 20, "a stored rate above SPOTIFY_REQUEST_BUDGET_MAX is capped")
    }
}

private final class MemoryRateStore: LearnedRateStore {
    private let stored: Mutex<LearnedRate?>
    init(_ rate: LearnedRate?) { stored = Mutex(rate) }
    var rate: LearnedRate? { stored.withLock { $0 } }
    func load() async throws -> LearnedRate? { rate }
    func save(_ rate: LearnedRate) async throws { stored.withLock { $0 = rate } }
}

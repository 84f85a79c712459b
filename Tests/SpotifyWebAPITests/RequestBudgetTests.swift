import EmulatorTestSupport
import Foundation
import SpotifyWebAPI
import Testing

struct RequestBudgetTests {
    @Test func aFullWindowWaitsUntilItsOldestRequestLeaves() async throws {
        let clock = TestClock()
        let budget = RequestBudget(limit: 3, window: 30, clock: clock)
        for _ in 0..<3 { try await budget.acquire() }
        #expect(clock.totalSlept == 0, "three requests fit the window")
        clock.advance(10)
        try await budget.acquire()
        #expect(abs(clock.totalSlept - 20) < 0.001, "the fourth waits until the first is 30 s old")
        try await budget.acquire()
        try await budget.acquire()
        #expect(abs(clock.totalSlept - 20) < 0.001, "the two others left at the same moment")
    }

    @Test func aPauseHoldsEveryCaller() async throws {
        let clock = TestClock()
        let budget = RequestBudget(limit: 100, window: 30, clock: clock)
        await budget.pause(seconds: 7)
        try await budget.acquire()
        #expect(abs(clock.totalSlept - 7) < 0.001)
        #expect(await budget.rateLimitWait == 7)
        try await budget.acquire()
        #expect(abs(clock.totalSlept - 7) < 0.001, "the pause is over")
    }
}

import App
import EmulatorTestSupport
import Foundation
import Library
import SpotifyEmulator
import SpotifyWebAPI
import Testing

@Suite(.serialized)
struct LoginFlowTests {
    func temporaryDirectory() -> DataDirectory {
        DataDirectory(
            url: FileManager.default.temporaryDirectory.appendingPathComponent("playkeeper-test-\(UUID().uuidString)/data"))
    }

    @Test(arguments: [nil, "playkeeper-demo-secret"])
    func aLoginStoresTokensUnderTheSpotifyUser(secret: String?) async throws {
        let harness = try await EmulatorHarness.start()
        let directory = temporaryDirectory()
        try directory.ensureExists()
        let store = FileTokenStore(directory: directory)
        let flow = LoginFlow(configuration: try harness.configuration(secret: secret), transport: harness.transport, store: store)
        let authorization = flow.start()
        #expect((authorization.pkce != nil) == (secret == nil))
        let loggedIn = try await flow.complete(redirect: try await harness.approve(authorization), authorization: authorization)
        #expect(loggedIn.userID == "demo")
        #expect(loggedIn.user.displayName == "Demo Listener")
        let stored = try #require(try await store.token(for: "demo"))
        #expect(stored == loggedIn.token)
        #expect(abs(stored.loginExpiresAt.timeIntervalSince(stored.authorizedAt) - 183 * 86_400) < 3 * 86_400, "about 6 months")

        let attributes = try FileManager.default.attributesOfItem(atPath: directory.file("tokens.json").path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let directoryAttributes = try FileManager.default.attributesOfItem(atPath: directory.url.path)
        #expect((directoryAttributes[.posixPermissions] as? Int) == 0o700)
        let text = try String(contentsOf: directory.file("tokens.json"), encoding: .utf8)
        #expect(text.contains(stored.refreshToken), "the file store is plain until the encrypted database store lands")
        await harness.shutdown()
    }

    @Test func aForeignStateIsRefused() async throws {
        let harness = try await EmulatorHarness.start()
        let flow = LoginFlow(
            configuration: try harness.configuration(), transport: harness.transport, store: InMemoryTokenStore())
        let first = flow.start()
        let second = flow.start()
        let redirect = try await harness.approve(first)
        do {
            _ = try await flow.complete(redirect: redirect, authorization: second)
            Issue.record("accepted a redirect for another login")
        } catch let failure as PlaykeeperError {
            #expect(failure.message.contains("state mismatch"))
        }
        await harness.shutdown()
    }

    @Test func aDeniedConsentSaysSo() async throws {
        let harness = try await EmulatorHarness.start()
        try await harness.state.setApprover(user: nil, deny: true)
        let flow = LoginFlow(
            configuration: try harness.configuration(), transport: harness.transport, store: InMemoryTokenStore())
        let authorization = flow.start()
        do {
            _ = try await flow.complete(redirect: try await harness.approve(authorization), authorization: authorization)
            Issue.record("no error")
        } catch let failure as PlaykeeperError {
            #expect(failure.message.contains("declined"))
        }
        await harness.shutdown()
    }

    @Test func aUserOutsideTheAllowListIsToldExactlyThat() async throws {
        let harness = try await EmulatorHarness.start()
        try await harness.state.setApprover(user: "stranger", deny: false)
        let store = InMemoryTokenStore()
        let flow = LoginFlow(configuration: try harness.configuration(), transport: harness.transport, store: store)
        let authorization = flow.start()
        do {
            _ = try await flow.complete(redirect: try await harness.approve(authorization), authorization: authorization)
            Issue.record("no error")
        } catch let refusal as LoginFlow.NotAllowListed {
            #expect(refusal.description.contains("allow-list"))
            #expect(refusal.description.contains("User Management"))
        }
        #expect(try await store.token(for: "stranger") == nil, "nothing is stored")
        await harness.shutdown()
    }

    // A signal that never comes fails the test instead of hanging the run.
    @Test(.timeLimit(.minutes(2))) func theRefreshLockSerializesRefreshes() async throws {
        let directory = temporaryDirectory()
        try directory.ensureExists()
        let first = FileTokenStore(directory: directory)
        let second = FileTokenStore(directory: directory)
        let events = EventLog()
        let (started, isStarted) = AsyncStream<Void>.makeStream()
        let (release, letGo) = AsyncStream<Void>.makeStream()
        async let a: Void = first.withRefreshLock(for: "u") {
            await events.add("a-start")
            isStarted.yield()
            for await _ in release { break }
            await events.add("a-end")
        }
        for await _ in started { break }
        // While `a` holds it, the lock is exclusive: another descriptor cannot take it.
        let probe = open(directory.file("tokens.lock").path, O_RDWR)
        #expect(flock(probe, LOCK_EX | LOCK_NB) != 0, "the lock is held")
        close(probe)
        async let b: Void = second.withRefreshLock(for: "u") {
            await events.add("b-start")
            await events.add("b-end")
        }
        letGo.yield()
        _ = try await (a, b)
        #expect(await events.all == ["a-start", "a-end", "b-start", "b-end"])
    }

    @Test func theDataDirectoryComesFromTheEnvironment() {
        #expect(DataDirectory(environment: ["PLAYKEEPER_DATA_DIR": "/tmp/pk"]).url.path == "/tmp/pk")
        #expect(DataDirectory(environment: ["HOME": "/home/x"]).url.path == "/home/x/.local/share/playkeeper")
    }

    @Test func errorsMapToTheDocumentedExitCodes() {
        #expect(PlaykeeperError.from(SpotifyError.notLoggedIn(user: "u")).kind.exitCode == .needsLogin)
        #expect(PlaykeeperError.from(SpotifyError.reauthorizationRequired(user: "u", detail: nil)).kind.exitCode == .needsLogin)
        #expect(PlaykeeperError.from(SpotifyError.rateLimited(endpoint: "e", retryAfter: 3)).kind.exitCode == .rateLimited)
        #expect(PlaykeeperError.from(SpotifyError.quotaExceeded(endpoint: "e")).kind.exitCode == .rateLimited)
        #expect(PlaykeeperError.from(SpotifyError.transport(endpoint: "e", detail: "d")).kind.exitCode == .error)
        #expect(ExitCode.conflict.rawValue == 5 && ExitCode.usage.rawValue == 2)
    }
}

actor EventLog {
    private(set) var all: [String] = []
    func add(_ event: String) { all.append(event) }
}

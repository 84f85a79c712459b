import EmulatorTestSupport
import Foundation
import Testing

/// spotipy 2.26 (from PyPI), the most used Spotify client, drives `playkeeper emulator` through logins, reads,
/// playlist edits, the library, follows, recently played and the errors (Tests/Conformance/spotipy_conformance.py):
/// what Spotify answers successfully must succeed, and every error must have Spotify's status and shape.
///
/// scripts/test installs spotipy under CI, where the test is required; elsewhere a machine without it skips it, and
/// says why.
struct SpotipyConformanceTests {
    @Test(.enabled(if: BrowserTests.isCI || BrowserTests.python("spotipy"), "needs spotipy 2.26 from PyPI (installed under CI)"))
    func spotipyDrivesTheEmulatorAsItDrivesSpotify() async throws {
        let result = try await BrowserTests.run([
            "python3", "Tests/Conformance/spotipy_conformance.py", ExecutableTests.binary.path,
        ])
        #expect(result.status == 0, "\(result.output)")
        let summary = try #require(result.output.split(separator: "\n").last { $0.hasSuffix(" failed") }, "\(result.output)")
        #expect(summary.hasSuffix(" 0 failed") && !summary.hasPrefix("0 passed"), "\(result.output)")
    }
}

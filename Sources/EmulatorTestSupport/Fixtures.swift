import Foundation
import PlaykeeperJSON

/// The shared Spotify fixtures, read from `../shared/fixtures/spotify` (or `SPOTIFY_FIXTURES_DIR`), never copied.
public enum Fixtures {
    /// The repository's root, found from this file's path.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static var directory: URL {
        if let path = ProcessInfo.processInfo.environment["SPOTIFY_FIXTURES_DIR"], !path.isEmpty {
            return URL(fileURLWithPath: path, isDirectory: true)
        }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/fixtures/spotify", isDirectory: true)
    }

    public static var openAPIFile: URL {
        if let path = ProcessInfo.processInfo.environment["SPOTIFY_OPENAPI_FILE"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent(
            "shared/spotify-openapi/official-spotify-open-api.yml")
    }

    public static var available: Bool { FileManager.default.fileExists(atPath: directory.path) }

    /// Under CI the shared folder must be there: a missing folder fails the run instead of skipping.
    public static var required: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    public static func data(_ name: String) throws -> Data {
        try Data(contentsOf: directory.appendingPathComponent(name))
    }

    public static func json(_ name: String) throws -> JSONValue {
        try JSONValue(parsing: data(name))
    }

    /// Every `.json` file in the folder.
    public static func names() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
    }
}

import Foundation
import Library

/// Where Playkeeper keeps its files: `PLAYKEEPER_DATA_DIR`, by default `~/.local/share/playkeeper`.
public struct DataDirectory: Sendable {
    public let url: URL

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let path = environment["PLAYKEEPER_DATA_DIR"], !path.isEmpty {
            url = URL(fileURLWithPath: (path as NSString).expandingTildeInPath, isDirectory: true)
        } else {
            let home =
                environment["HOME"].map { URL(fileURLWithPath: $0, isDirectory: true) }
                ?? FileManager.default.homeDirectoryForCurrentUser
            url = home.appendingPathComponent(".local/share/playkeeper", isDirectory: true)
        }
    }

    public init(url: URL) { self.url = url }

    /// Creates the directory with mode 0700 when it is missing; it holds credentials.
    @discardableResult
    public func ensureExists() throws -> URL {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw PlaykeeperError(.failed, "\(url.path) exists and is not a directory") }
            return url
        }
        do {
            try FileManager.default.createDirectory(
                at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw PlaykeeperError(.failed, "cannot create the data directory \(url.path): \(error.localizedDescription)")
        }
        return url
    }

    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// The directory, and each file in it, that others than its owner can read (or, for the directory, enter),
    /// with its mode. What `doctor` warns about: the folder holds the key, the tokens and the library.
    public func exposed() -> [(path: String, mode: Int)] {
        let manager = FileManager.default
        func mode(_ path: String) -> Int? { (try? manager.attributesOfItem(atPath: path))?[.posixPermissions] as? Int }
        var found: [(path: String, mode: Int)] = []
        if let mode = mode(url.path), mode & 0o077 != 0 { found.append((url.path, mode)) }
        for name in ((try? manager.contentsOfDirectory(atPath: url.path)) ?? []).sorted() {
            let path = url.appendingPathComponent(name).path
            if let mode = mode(path), mode & 0o044 != 0 { found.append((path, mode)) }
        }
        return found
    }
}

/// Files only their owner may read, whatever the umask: the SQLite store and its `-wal` and `-shm` files.
public enum PrivateFile {
    /// Creates `path` with mode 0600 when it is missing, and narrows it and its `-wal`/`-shm` files to 0600
    /// when they exist. SQLite creates `-wal` and `-shm` with the database file's own mode, so a store that
    /// starts at 0600 stays so.
    public static func secureSQLite(at path: String) throws {
        let descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw PlaykeeperError(.failed, "cannot create the database file \(path): \(String(cString: strerror(errno)))")
        }
        fchmod(descriptor, 0o600)
        close(descriptor)
        for companion in [path + "-wal", path + "-shm", path + "-journal"] where FileManager.default.fileExists(atPath: companion)
        {
            chmod(companion, 0o600)
        }
    }
}

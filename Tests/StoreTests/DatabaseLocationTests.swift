import Crypto
import Foundation
import Store
import Testing

struct DatabaseLocationTests {
    let data = URL(fileURLWithPath: "/data")

    @Test func unsetMeansASQLiteFileInTheDataDirectory() throws {
        #expect(try DatabaseLocation.parse(nil, dataDirectory: data) == .sqlite(path: "/data/playkeeper.sqlite"))
        #expect(try DatabaseLocation.parse("  ", dataDirectory: data) == .sqlite(path: "/data/playkeeper.sqlite"))
    }

    @Test func sqliteURLs() throws {
        #expect(
            try DatabaseLocation.parse("sqlite:///var/lib/pk/db.sqlite", dataDirectory: data)
                == .sqlite(path: "/var/lib/pk/db.sqlite"))
        #expect(throws: StoreError.self) { try DatabaseLocation.parse("sqlite://", dataDirectory: data) }
    }

    @Test func postgresURLsKeepTheirPasswordOutOfMessages() throws {
        let location = try DatabaseLocation.parse("postgres://pk:s3cret@db.example.org:5433/playkeeper", dataDirectory: data)
        guard case .postgres(let url, let redacted) = location else {
            Issue.record("not postgres")
            return
        }
        #expect(url.port == 5433)
        #expect(!redacted.contains("s3cret"))
        #expect(!location.description.contains("s3cret"))
        #expect(location.description.contains("db.example.org"))
    }

    @Test(arguments: [
        "mysql://x@h/db", "postgres://h/db", "postgres://u@/db", "postgres://u@h", "postgres://u@h/", "not a url at all",
    ])
    func malformedURLsAreClearErrors(_ text: String) {
        do {
            _ = try DatabaseLocation.parse(text, dataDirectory: data)
            Issue.record("accepted \(text)")
        } catch let error as StoreError {
            #expect(error.description.hasPrefix("DATABASE_URL is invalid"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}

struct SecretBoxTests {
    func temporary() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pk-key-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func sealAndOpenRoundTripAndDifferEachTime() throws {
        let box = SecretBox(key: SymmetricKey(size: .bits256))
        let first = try box.seal("BQ-token")
        #expect(first != (try box.seal("BQ-token")), "a fresh nonce every time")
        #expect(!first.contains("BQ-token"))
        #expect(try box.open(first) == "BQ-token")
        #expect(throws: (any Error).self) { try SecretBox(key: SymmetricKey(size: .bits256)).open(first) }
    }

    @Test func theKeyComesFromTheEnvironmentOrAPrivateFile() throws {
        let directory = try temporary()
        let key = Data((0..<32).map { UInt8($0) }).base64EncodedString()
        let fromEnvironment = try SecretBox.load(environment: ["PLAYKEEPER_SECRET_KEY": key], dataDirectory: directory)
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("secret.key").path))
        let sealed = try fromEnvironment.seal("x")

        let created = try SecretBox.load(environment: [:], dataDirectory: directory)
        let file = directory.appendingPathComponent("secret.key")
        #expect((try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int) == 0o600)
        let again = try SecretBox.load(environment: [:], dataDirectory: directory)
        #expect(try again.open(try created.seal("y")) == "y", "the file's key is reused")
        #expect(throws: (any Error).self) { try created.open(sealed) }
    }

    @Test(arguments: ["not base64!", Data(repeating: 1, count: 16).base64EncodedString()])
    func aBadKeyIsAStartUpError(_ key: String) throws {
        #expect(throws: StoreError.self) {
            try SecretBox.load(environment: ["PLAYKEEPER_SECRET_KEY": key], dataDirectory: try temporary())
        }
    }
}

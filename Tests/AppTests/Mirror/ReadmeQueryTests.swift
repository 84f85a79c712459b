import App
import EmulatorTestSupport
import FluentKit
import PlaykeeperJSON
import SpotifyEmulator
import Foundation
import SQLKit
import Store
import Testing

/// The SQL examples of the README run against a synced store of each kind, so they stay true.
@Suite(.serialized)
struct ReadmeQueryTests {
    /// The README's ```sql blocks, with the stores their first comment names.
    static func examples() throws -> [(stores: Set<StoreKind>, sql: String)] {
        let readme = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        return readme.components(separatedBy: "```sql\n").dropFirst().map { block in
            let sql = block.components(separatedBy: "```")[0]
            let header = sql.split(separator: "\n").first.map(String.init) ?? ""
            var stores = Set<StoreKind>()
            if header.contains("SQLite") { stores.insert(.sqlite) }
            if header.contains("PostgreSQL") { stores.insert(.postgres) }
            return (
                stores,
                sql.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: ";"))
            )
        }
    }

    @Test func everyExampleNamesItsStores() throws {
        let examples = try Self.examples()
        #expect(examples.count >= 4)
        #expect(examples.allSatisfy { !$0.stores.isEmpty })
    }

    @Test(arguments: StoreKind.available)
    func theExamplesRunAndReturnRows(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind) { mirror in
            _ = try await mirror.sync()
            let target = try #require(await mirror.readablePlaylists().first { $0.owner == "demo" })
            _ = try await mirror.state.applyAppEdit([
                "op": "add", "playlist": .string(target.id), "uris": [.string(target.entries[0].uri)],
            ])
            _ = try await mirror.sync()
            let sql = try mirror.database.sql()
            for example in try Self.examples() where example.stores.contains(kind) {
                let rows = try await sql.raw(SQLQueryString(example.sql)).all()
                #expect(!rows.isEmpty, "no rows from:\n\(example.sql)")
            }
        }
    }
}

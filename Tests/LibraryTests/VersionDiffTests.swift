import Foundation
import Library
import PlaykeeperJSON
import SpotifyWebAPI
import Testing

struct VersionDiffTests {
    @Test func addedAndRemovedAreMultisets() {
        let diff = VersionDiff(old: ["a", "b", "a", "c"], new: ["a", "c", "d", "d"])
        #expect(diff.added == ["d", "d"])
        #expect(diff.removed == ["b", "a"])
        #expect(VersionDiff(old: ["a", "b"], new: ["b", "a"]).isEmpty, "a reorder adds and removes nothing")
        #expect(VersionDiff(old: [], new: ["x"]).added == ["x"])
    }

    @Test func entryRowsOfAllFourKinds() throws {
        let page = try Page<PlaylistEntry>(
            json: JSONValue(
                parsing: """
                    {"items": [
                      {"added_at": "2026-01-02T03:04:05Z", "added_by": {"id": "me"}, "is_local": false,
                       "item": {"type": "track", "id": "b", "uri": "spotify:track:b", "name": "Song", "duration_ms": 1000,
                                "artists": [{"id": "ar", "name": "Artist"}], "album": {"name": "Album", "album_type": "single"},
                                "external_ids": {"isrc": "QZ1"}, "is_playable": true, "linked_from": {"id": "a", "uri": "spotify:track:a"}}},
                      {"added_at": null, "is_local": false, "item": {"type": "episode", "id": "e", "uri": "spotify:episode:e", "show": {"name": "Show"}}},
                      {"added_at": "2026-01-02T03:04:05Z", "is_local": true, "item": {"type": "track", "id": null, "uri": "spotify:local:x:y:z:10", "name": "z"}},
                      {"added_at": "2026-01-02T03:04:05Z", "is_local": false, "item": null},
                      null
                    ]}
                    """))
        let rows = page.items.enumerated().map { EntryRow(entry: $0.element, position: $0.offset) }
        #expect(rows.map(\.kind) == [.track, .episode, .local, .unavailable, .unavailable])
        #expect(rows[0].uri == "spotify:track:a", "a relinked track is stored by the URI the playlist holds")
        #expect(rows[0].linkedFromURI == "spotify:track:a")
        #expect(rows[0].catalog?.isrc == "QZ1")
        #expect(rows[0].catalog?.artists == "Artist")
        #expect(rows[0].addedBy == "me")
        #expect(rows[1].catalog?.kind == "episode")
        #expect(rows[2].isLocal && rows[2].uri == "spotify:local:x:y:z:10")
        #expect(rows[3].uri == nil && rows[3].catalog == nil)
        #expect(rows[4].raw == "null")
        #expect(
            try JSONValue(parsing: rows[0].catalog!.raw)["external_ids"]?["isrc"]?.stringValue == "QZ1",
            "the item's raw JSON is kept")
        #expect(try JSONValue(parsing: rows[0].raw)["item"] == nil, "once, in the catalogue")
        #expect(try JSONValue(parsing: rows[0].raw)["added_by"]?["id"]?.stringValue == "me", "the entry's own raw JSON")
        #expect(
            try JSONValue(parsing: rows[3].raw)["item"]?.isNull == true, "a null item stays: it says the entry is unavailable")
        #expect(rows.map(\.position) == [0, 1, 2, 3, 4])
    }
}

import Foundation

/// Text as both stores can keep it. PostgreSQL refuses a NUL in text, and SQLite's driver reads text up to the
/// first NUL, so a name from Spotify that holds one would fail a write or come back cut short. It is kept with
/// U+FFFD (�) in the NUL's place: visible, the rest intact; the entry's raw JSON keeps the exact text (escaped).
/// Names people give Playkeeper are refused at the edge instead (`DisplayName`).
public enum StoredText {
    public static func storable(_ text: String) -> String {
        let hasNUL = text.utf8.withContiguousStorageIfAvailable { bytes in
            bytes.baseAddress.map { memchr($0, 0, bytes.count) != nil } ?? false
        }
        guard hasNUL ?? text.utf8.contains(0) else { return text }
        return text.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}")
    }

    public static func storable(_ text: String?) -> String? { text.map(storable) }
}

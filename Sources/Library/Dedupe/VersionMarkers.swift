import Foundation

/// Words that mark a different version of a song: "Song (Live)" is never a duplicate of "Song".
///
/// One table, in English, Spanish, German, French, Portuguese, Korean and Japanese. A title's markers are
/// compared as a set: two titles match only when they carry the same markers.
public enum VersionMarkers {
    /// Each marker, with the spellings that mean it. Matching is on whole words of the lower-cased title.
    public static let table: [String: [String]] = [
        "live": [
            "live", "en vivo", "ao vivo", "en directo", "en concierto", "en public", "en concert", "live-version", "라이브", "ライブ",
        ],
        "acoustic": [
            "acoustic", "acústico", "acustico", "acústica", "akustik", "akustisch", "acoustique", "어쿠스틱", "アコースティック", "unplugged",
        ],
        "remix": ["remix", "mix", "rmx", "remezcla", "리믹스", "リミックス"],
        "demo": ["demo", "데모", "デモ"],
        "instrumental": ["instrumental", "inst.", "inst", "instrumentale", "인스트루멘탈", "インストゥルメンタル", "off vocal"],
        "karaoke": ["karaoke", "karaokê", "노래방", "カラオケ"],
        "sped up": ["sped up", "speed up", "sped-up", "nightcore"],
        "slowed": ["slowed", "slowed down", "slowed + reverb", "slowed and reverb"],
        "radio edit": ["radio edit", "radio version", "radio mix", "single edit", "versión radio", "radio-edit"],
        "extended": ["extended", "extended mix", "extended version", "versión extendida", "version longue", "versão estendida"],
        "remaster": [
            "remaster", "remastered", "remasterizado", "remasterisé", "remasterizada", "remasterisiert", "리마스터", "リマスター",
        ],
        "orchestral": ["orchestral", "symphonic", "sinfónico", "orchestra version"],
        "cover": ["cover", "커버", "カバー"],
    ]

    /// The markers a title carries. A remaster keeps its year ("remaster 2011"), since two remasters of
    /// different years are different versions too.
    public static func markers(in title: String) -> Set<String> {
        let text = " " + normalizedWords(title).joined(separator: " ") + " "
        var found = Set<String>()
        for (marker, spellings) in table {
            for spelling in spellings {
                let needle = " " + normalizedWords(spelling).joined(separator: " ") + " "
                guard needle.trimmingCharacters(in: .whitespaces).isEmpty == false, text.contains(needle) else { continue }
                if marker == "remaster", let year = year(near: needle, in: text) {
                    found.insert("remaster \(year)")
                } else {
                    found.insert(marker)
                }
            }
        }
        return found
    }

    /// The title without its version parts, punctuation and featured artists, for comparing titles.
    public static func baseTitle(_ title: String) -> String {
        var text = title.lowercased()
        // Parts in brackets, and after " - ", hold versions and featured artists; markers are compared apart.
        for (open, close) in [("(", ")"), ("[", "]"), ("{", "}"), ("（", "）"), ("【", "】")] {
            while let start = text.range(of: open), let end = text.range(of: close, range: start.upperBound..<text.endIndex) {
                text.removeSubrange(start.lowerBound..<end.upperBound)
            }
        }
        if let dash = text.range(of: " - ") { text = String(text[..<dash.lowerBound]) }
        for feature in [" feat. ", " feat ", " ft. ", " featuring "] {
            if let range = text.range(of: feature) { text = String(text[..<range.lowerBound]) }
        }
        return normalizedWords(text).joined(separator: " ")
    }

    /// Lower-cased words, without diacritics on Latin letters and without punctuation. Hangul and kana stay as they are.
    static func normalizedWords(_ text: String) -> [String] {
        let folded = text.lowercased().folding(
            options: [.diacriticInsensitive, .widthInsensitive], locale: Locale(identifier: "en_US_POSIX"))
        var words: [String] = []
        var current = ""
        for scalar in folded.unicodeScalars {
            if CharacterSet.alphanumerics.contains(scalar) || scalar == "+" || scalar == "." {
                current.unicodeScalars.append(scalar)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ".")) }.filter { !$0.isEmpty }
    }

    private static func year(near needle: String, in text: String) -> String? {
        let words = text.split(separator: " ").map(String.init)
        return words.first { $0.count == 4 && Int($0).map { (1900...2100).contains($0) } == true }
    }
}

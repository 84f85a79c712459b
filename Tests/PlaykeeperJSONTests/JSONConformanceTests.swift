import Foundation
import PlaykeeperJSON
import Testing

/// The parser against RFC 8259, in the manner of JSONTestSuite: texts it must accept (y), texts it must refuse
/// (n), round trips compared with Foundation's `JSONSerialization`, and a fuzz run. The cases are our own,
/// written from the RFC's grammar.
struct JSONConformanceTests {
    /// Texts RFC 8259 allows, each with what it must read as.
    static let accepted: [(String, JSONValue)] = [
        ("[]", []), ("{}", [:]), (" [ ] ", []), ("\t\n\r {\n} \r\n\t", [:]),
        ("0", 0), ("-0", 0), ("1", 1), ("-1", -1), ("10", 10), ("0.5", 0.5), ("-0.0", 0), ("1e2", 100),
        ("1E2", 100), ("1e+2", 100), ("1e-2", 0.01), ("1.5e3", 1500), ("0e0", 0), ("-12.25E-1", -1.225),
        ("1.7976931348623157e308", .number(1.797_693_134_862_315_7e308)), ("5e-324", .number(.leastNonzeroMagnitude)),
        ("true", true), ("false", false), ("null", nil), ("\"\"", ""), ("\"a\"", "a"),
        (#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{08}\u{0C}\n\r\t"), (#""\u0000""#, "\u{00}"), (#""\u001F""#, "\u{1F}"),
        (#""\u00e9\u00E9""#, "éé"), (#""\uD834\uDD1E""#, "𝄞"), ("\"é😀中\"", "é😀中"), ("\"\u{7F}\"", "\u{7F}"),
        (#"[1,"a",true,false,null,{},[]]"#, [1, "a", true, false, nil, [:], []]),
        (#"{"a":{"b":{"c":[[[]]]}}}"#, ["a": ["b": ["c": [[[]]]]]]), (#"{"":0}"#, ["": 0]),
        (#"{"a" : 1 , "b" : [ 2 , 3 ] }"#, ["a": 1, "b": [2, 3]]), (#"{"a":1,"a":2}"#, ["a": 2]),
        (#"["\u0061\u0062"]"#, ["ab"]), (#"{"\u00e9":"x"}"#, ["é": "x"]),
    ]

    /// Texts RFC 8259 does not allow.
    static let refused: [String] = [
        "", " ", "01", "-01", "00", "+1", ".5", "1.", "1.e2", "-", "--1", "1e", "1e+", "1E-", "0x10", "1_000",
        "Infinity", "-Infinity", "NaN", "nan", "tru", "True", "nul", "NULL", "falsey", "truex",
        "[", "]", "[1", "[1,]", "[,1]", "[,]", "[1 2]", "[1,,2]", "{", "}", #"{"a"}"#, #"{"a":}"#, #"{"a" 1}"#,
        #"{"a":1,}"#, #"{,"a":1}"#, "{a:1}", "{'a':1}", "{1:2}", #"{"a":1 "b":2}"#, "['a']",
        #""abc"#, #""\x41""#, #""\u12""#, #""\u12G4""#, #""\U0041""#, #""\'""#, #""\""#,
        "\"a\u{00}b\"", "\"line\nbreak\"", "\"tab\there\"", "\"\u{1F}\"", #""\uD834""#, #""\uDD1E""#,
        #""\uD834\u0041""#, "[1] 2", "{} {}", "1 2", "[]x", "/* c */ 1", "1 // c", "\u{FEFF}1",
        "1e309", "-1e309", "[1e400]",
    ]

    @Test(arguments: accepted.indices)
    func acceptsWhatTheRFCAllows(_ index: Int) throws {
        let (text, expected) = Self.accepted[index]
        #expect(try JSONValue(parsing: text) == expected, "\(text)")
        #expect(Self.foundationAccepts(Array(text.utf8)), "Foundation agrees that \(text) is JSON")
    }

    @Test(arguments: refused)
    func refusesWhatTheRFCDoesNot(_ text: String) {
        #expect(throws: JSONValue.ParseError.self, "\(text.debugDescription)") { try JSONValue(parsing: text) }
    }

    @Test func refusesBytesThatAreNotUTF8() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0xFF]] {
            #expect(throws: JSONValue.ParseError.self, "\(bytes)") { try JSONValue(parsing: bytes) }
        }
    }

    /// Each accepted text, serialized by us, reads in Foundation as the original does, and back in ours as the
    /// same value.
    @Test func roundTripsAgreeWithFoundation() throws {
        for (text, _) in Self.accepted {
            let value = try JSONValue(parsing: text)
            let written = value.serialized()
            #expect(try JSONValue(parsing: written) == value, "\(text) → \(written)")
            let original = try Self.foundation(Array(text.utf8))
            let rewritten = try Self.foundation(Array(written.utf8))
            #expect(original.isEqual(rewritten), "\(text) → \(written)")
        }
    }

    /// Random values: what we write, Foundation reads as the same tree, and what Foundation writes, we read as
    /// the value. Then random damage to valid texts: the parser never traps, and it accepts exactly what
    /// Foundation accepts (both refuse a number past Double's range, as RFC 8259 allows).
    @Test func fuzz() throws {
        var random = SplitMix64(seed: 0x5EED)
        for _ in 0..<2_000 {
            let value = Self.randomValue(&random, depth: 0)
            let written = value.serialized()
            let foundation = try Self.foundation(Array(written.utf8))
            #expect(try JSONValue(parsing: written) == value, "\(written)")
            let rewritten = try JSONSerialization.data(withJSONObject: foundation, options: [.fragmentsAllowed])
            #expect(try JSONValue(parsing: rewritten) == value, "\(String(decoding: rewritten, as: UTF8.self))")

            var damaged = Array(written.utf8)
            for _ in 0...Int.random(in: 0...2, using: &random) where !damaged.isEmpty {
                let at = Int.random(in: 0..<damaged.count, using: &random)
                switch Int.random(in: 0...2, using: &random) {
                case 0: damaged.remove(at: at)
                case 1: damaged.insert(Self.alphabet.randomElement(using: &random)!, at: at)
                default: damaged[at] = Self.alphabet.randomElement(using: &random)!
                }
            }
            let ours = (try? JSONValue(parsing: damaged)) != nil
            #expect(ours == Self.foundationAccepts(damaged), "\(String(decoding: damaged, as: UTF8.self).debugDescription)")
        }
    }

    // MARK: - Helpers

    /// The bytes damage draws from: JSON's own punctuation, digits and letters, a control character, non-ASCII.
    static let alphabet = Array(#"{}[],:"\ -+.eE0123456789truefalsn/bu"#.utf8) + [0x00, 0x0A, 0x7F, 0xC3, 0xA9]

    static func foundation(_ bytes: [UInt8]) throws -> NSObject {
        try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) as! NSObject
    }

    static func foundationAccepts(_ bytes: [UInt8]) -> Bool { (try? foundation(bytes)) != nil }

    static func randomValue(_ random: inout SplitMix64, depth: Int) -> JSONValue {
        switch Int.random(in: 0...(depth < 4 ? 7 : 5), using: &random) {
        case 0: return nil
        case 1: return .bool(Bool.random(using: &random))
        case 2: return .number(Double(Int.random(in: -1_000_000...1_000_000, using: &random)))
        case 3: return .number(Double(Int.random(in: -99_999...99_999, using: &random)) / 64)
        case 4, 5: return .string(randomString(&random))
        case 6:
            return .array((0..<Int.random(in: 0...4, using: &random)).map { _ in randomValue(&random, depth: depth + 1) })
        default:
            var object = JSONObject()
            for _ in 0..<Int.random(in: 0...4, using: &random) {
                object[randomString(&random)] = randomValue(&random, depth: depth + 1)
            }
            return .object(object)
        }
    }

    static func randomString(_ random: inout SplitMix64) -> String {
        let pieces: [String] = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{01}", "\u{1F}", "é", "中", "😀", "\u{7F}"]
        return (0..<Int.random(in: 0...8, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
    }
}

/// A small seeded generator, so a fuzz failure can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

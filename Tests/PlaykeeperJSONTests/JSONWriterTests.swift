import PlaykeeperJSON
import Testing

struct JSONWriterTests {
    @Test func writesWhatTheEquivalentTreeSerializesTo() throws {
        let strings = ["", "plain", "quote \" and \\ backslash", "line\nbreak\ttab\r", "\u{01}\u{1f}", "é😀", "</script>"]
        var json = JSONWriter()
        json.beginObject()
        json.key("strings")
        json.beginArray()
        for string in strings { json.value(string) }
        json.value(nil as String?)
        json.endArray()
        json.member("int", -42)
        json.member("none", nil as Int?)
        json.member("yes", true)
        json.member("maybe", nil as Bool?)
        json.key("empty")
        json.beginObject()
        json.endObject()
        json.key("nested")
        json.beginArray()
        json.beginObject()
        json.member("a", "b")
        json.endObject()
        json.beginArray()
        json.endArray()
        json.value(["k": 1.5] as JSONValue)
        json.endArray()
        json.member("last", Int.min)
        json.endObject()
        let expected: JSONValue = [
            "strings": .array(strings.map(JSONValue.string) + [.null]), "int": -42, "none": .null, "yes": true,
            "maybe": .null, "empty": [:], "nested": [["a": "b"], [], ["k": 1.5]], "last": .number(Double(Int.min)),
        ]
        let text = String(decoding: json.bytes, as: UTF8.self)
        #expect(text.hasSuffix(#","last":-9223372036854775808}"#), "an Int is written exactly, not through a Double")
        let parsed = try JSONValue(parsing: json.bytes)
        #expect(parsed["last"] != nil)
        var withoutLast = parsed.objectValue ?? [:]
        withoutLast["last"] = nil
        var expectedWithoutLast = expected.objectValue ?? [:]
        expectedWithoutLast["last"] = nil
        #expect(JSONValue.object(withoutLast) == .object(expectedWithoutLast))
        #expect(
            text.hasPrefix(JSONValue.object(expectedWithoutLast).serialized().dropLast()),
            "the same text as the tree, member for member")
    }

    @Test func aTopLevelValueNeedsNoContainer() {
        var json = JSONWriter()
        json.value("alone")
        #expect(String(decoding: json.bytes, as: UTF8.self) == #""alone""#)
    }
}

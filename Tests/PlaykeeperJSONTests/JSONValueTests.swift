import Foundation
import PlaykeeperJSON
import Testing

struct JSONValueTests {
    @Test func parsesAndSerializesRoundTrip() throws {
        let text = #"{"a":[1,2.5,-3e2,true,false,null],"b":{"c":"d\"e\\f\n\u0001é😀"},"e":""}"#
        let value = try JSONValue(parsing: text)
        #expect(value["a"]?[1]?.doubleValue == 2.5)
        #expect(value["a"]?[2]?.intValue == -300)
        #expect(value["b"]?["c"]?.stringValue == "d\"e\\f\n\u{01}é😀")
        #expect(try JSONValue(parsing: value.serialized()) == value)
        #expect(value.serialized() == #"{"a":[1,2.5,-300,true,false,null],"b":{"c":"d\"e\\f\n\u0001é😀"},"e":""}"#)
    }

    @Test func surrogatePairsAndEscapes() throws {
        #expect(try JSONValue(parsing: #""\ud83d\ude00 \/""#) == .string("😀 /"))
        #expect(try JSONValue(parsing: #""\b\f\n\r\t\"\\\/\u00e9""#) == .string("\u{08}\u{0C}\n\r\t\"\\/é"))
        #expect(
            try JSONValue(parsing: Data(#"{"skip":"\b\f\n\r\t\"\\\/\u00e9\ud83d\ude00","a":1}"#.utf8), selecting: ["a"]) == [
                "a": 1
            ],
            "a skipped string's escapes are checked and passed over")
        #expect(throws: JSONValue.ParseError.self) { try JSONValue(parsing: #""\ud83d""#) }
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01x", "\"unterminated", "nul", "[1] 2", "{\"a\":1,}", "\"tab\there\""])
    func malformedTextIsAnError(_ text: String) {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue(parsing: text) }
    }

    @Test func deepNestingIsRefusedNotACrash() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONValue.ParseError.self) { try JSONValue(parsing: deep) }
    }

    @Test func lenientAccessors() throws {
        let value = try JSONValue(parsing: #"{"n": "42", "x": null}"#)
        #expect(value["n"]?.intValue == 42, "a string holding an integer is read as one")
        #expect(value.nonNull("x") == nil)
        #expect(value["missing"] == nil)
        #expect(value[0] == nil)
    }

    @Test func objectsKeepTheirOrderAndCompareAsJSON() throws {
        let text = #"{"z":1,"a":{"y":true,"b":null},"m":[{"k":"v","c":2}]}"#
        let value = try JSONValue(parsing: text)
        #expect(value.serialized() == text, "members come out in the order they came in")
        #expect(value.objectValue?.keys == ["z", "a", "m"])
        let reordered = try JSONValue(parsing: #"{"m":[{"c":2,"k":"v"}],"a":{"b":null,"y":true},"z":1}"#)
        #expect(value == reordered, "member order does not make two objects different")
        #expect(Set([value, reordered]).count == 1)
        #expect(value != (try JSONValue(parsing: #"{"z":1,"a":{"y":true},"m":[{"k":"v","c":2}]}"#)))
        let fromDictionary = JSONValue.object(JSONObject(["b": 2, "a": 1, "c": 3]))
        #expect(fromDictionary.serialized() == #"{"a":1,"b":2,"c":3}"#, "a dictionary's members are sorted")
    }

    @Test func aRepeatedKeyReadsAsItsLastValue() throws {
        var object = try #require(try JSONValue(parsing: #"{"a":1,"b":2,"a":3}"#).objectValue)
        #expect(object["a"] == 3)
        #expect(object.dictionary == ["a": 3, "b": 2])
        object["a"] = 4
        #expect(object["a"] == 4)
        #expect(try JSONValue(parsing: JSONValue.object(object).serialized())["a"] == 4)
        object["a"] = nil
        #expect(object["a"] == nil)
        #expect(object.keys == ["b"])
        object["c"] = "new"
        #expect(JSONValue.object(object).serialized() == #"{"b":2,"c":"new"}"#, "a new member goes last")
    }

    @Test(arguments: [
        ("0", 0.0), ("-0", 0.0), ("7", 7.0), ("-42", -42.0), ("123456789012345", 123_456_789_012_345.0),
        ("1234567890123456789", 1_234_567_890_123_456_789.0), ("2.5", 2.5), ("-1e3", -1000.0), ("1E-2", 0.01),
    ])
    func numbers(_ text: String, _ expected: Double) throws {
        #expect(try JSONValue(parsing: text) == .number(expected))
    }

    @Test func fragmentsAreWrittenWherePlaceholderStringsStandAndNowhereElse() throws {
        let fragment = Array(#"{"b":[1,2],"c":"\u00e9"}"#.utf8)
        let tree: JSONValue = ["a": "\u{0}one", "list": ["\u{0}one", "two", ["\u{0}one": "\u{0}one"]], "n": 1]
        let text = String(decoding: tree.serializedBytes(fragments: ["\u{0}one": fragment]), as: UTF8.self)
        #expect(
            text
                == #"{"a":{"b":[1,2],"c":"\u00e9"},"list":[{"b":[1,2],"c":"\u00e9"},"two",{"\u0000one":{"b":[1,2],"c":"\u00e9"}}],"n":1}"#,
            "keys stay keys; only string values are replaced")
        #expect(tree.serializedBytes(fragments: [:]) == tree.serializedBytes())
    }
}

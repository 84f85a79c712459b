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
}

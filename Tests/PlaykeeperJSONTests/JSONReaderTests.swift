import Foundation
import PlaykeeperJSON
import Testing

struct JSONReaderTests {
    static let document = """
        {
          "id" : "p1",
          "owner" : { "id" : "me", "images" : [ { "url" : "https:\\/\\/x" } ] },
          "items" : [
            { "name" : "A \\"quoted\\" name", "n" : 1, "skip" : { "deep" : [ 1, 2, { "x" : null } ] } },
            { "name" : "back\\\\slash", "n" : 2.5 },
            7,
            null
          ]
        }
        """

    @Test func aSelectionBuildsOnlyTheMembersItNames() throws {
        let selection: JSONSelection = ["id": .everything, "owner": ["id"], "items": ["name", "n"]]
        let selected = try JSONValue(parsing: Data(Self.document.utf8), selecting: selection)
        let expected = try JSONValue(
            parsing:
                #"{"id":"p1","owner":{"id":"me"},"items":[{"name":"A \"quoted\" name","n":1},{"name":"back\\slash","n":2.5},7,null]}"#
        )
        #expect(selected == expected, "array elements are selected alike; numbers and null stay as they are")
        #expect(selected.serialized() == expected.serialized(), "members keep their order")
        let escapedKey = try JSONValue(parsing: Data(#"{"n\u0061me":"x","other":1}"#.utf8), selecting: ["name"])
        #expect(escapedKey == ["name": "x"], "a key is compared by what it says, not how it is written")
        let everything = try JSONValue(parsing: Data(Self.document.utf8), selecting: .everything)
        #expect(everything == (try JSONValue(parsing: Self.document)))
    }

    @Test(arguments: [
        #"{"a":1,"skip":[1,]}"#, #"{"a":1,"skip":"\x"}"#, #"{"a":1,"skip":"\ud83d"}"#, #"{"a":1,"skip":"\udc00"}"#,
        #"{"a":1,"skip":{"k" 1}}"#, #"{"a":1,"skip":tru}"#, #"{"a":1,"skip":01x}"#, #"{"a":1,"skip":"tab\#there"}"#,
        #"{"a":1,"skip":"unterminated}"#, #"{"a":1,"skip":{"k":1,}}"#, #"{"a":1} x"#, #"{"a":1,"skip":-}"#,
    ])
    func malformedTextIsAnErrorWhereTheSelectionLeavesItOutToo(_ text: String) {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue(parsing: text) }
        #expect(throws: JSONValue.ParseError.self) { try JSONValue(parsing: Data(text.utf8), selecting: ["a"]) }
    }

    @Test func theReaderSaysWhereEachValueLiesAndGivesItsCompactText() throws {
        var names: [String] = []
        var texts: [String: String] = [:]
        var keys: [String] = []
        _ = try JSONReader.read(Data(Self.document.utf8)) { reader in
            try reader.readObject { key, reader in
                switch key {
                case "owner":
                    let (value, span) = try reader.readValueKeepingSpan()
                    #expect(value["id"] == "me")
                    texts[key] = reader.text(span)
                case "items":
                    try reader.readArray { reader in
                        guard reader.nextIsObject else { return }  // left unread: passed over
                        try reader.readObject { key, reader in
                            keys.append(reader.text(reader.keySpan))
                            if key == "name" { names.append(try reader.readValue().stringValue ?? "") }
                            if key == "skip" { texts[key] = reader.text(try reader.skipValueKeepingSpan()) }
                        }
                    }
                default:
                    break
                }
            }
        }
        #expect(names == [#"A "quoted" name"#, #"back\slash"#])
        #expect(keys == [#""name""#, #""n""#, #""skip""#, #""name""#, #""n""#])
        #expect(texts["owner"] == #"{"id":"me","images":[{"url":"https:\/\/x"}]}"#, "escapes stay as they arrived")
        #expect(texts["skip"] == #"{"deep":[1,2,{"x":null}]}"#)
    }

    @Test func compactTextIsCopiedAsItIsAndWhitespaceInsideStringsStays() throws {
        let compact = #"{"a":"x y","b":[1,{"c":"\" }"}]}"#
        let spaced = " { \"a\" : \"x y\" ,\n\t\"b\" : [ 1 , { \"c\" : \"\\\" }\" } ] } "
        for text in [compact, spaced] {
            let copied = try JSONReader.read(Data(text.utf8)) { reader in
                reader.text(try reader.readValueKeepingSpan().span)
            }
            #expect(copied == compact, "\(text)")
        }
    }

    @Test func whatIsNotTheExpectedKindIsPassedOver() throws {
        let read = try JSONReader.read(Data(#"[{"a":1}, "text", [2]]"#.utf8)) { reader in
            var kinds: [Bool] = []
            try reader.readArray { reader in kinds.append(try reader.readObject { _, _ in }) }
            return kinds
        }
        #expect(read == [true, false, false])
        #expect(throws: JSONValue.ParseError.self) { try JSONReader.read(Data()) { _ in } }
        #expect(throws: JSONValue.ParseError.self) {
            try JSONReader.read(Data(#"{"a":1} {"#.utf8)) { reader in try reader.readObject { _, _ in } }
        }
    }
}

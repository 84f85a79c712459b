import Foundation

/// The part of a JSON text to build: all of it, or some members of each object, each with its own selection.
/// An array's elements are all selected alike; a number, string, boolean or `null` is taken as it is.
///
/// A reader that needs a few fields of a large response builds only those: the rest is checked and passed over,
/// never turned into a tree.
public struct JSONSelection: Sendable {
    /// The members kept, or `nil` for everything.
    let members: [Member]?

    struct Member: Sendable {
        let key: String
        let utf8: [UInt8]
        let selection: JSONSelection
    }

    /// The whole value.
    public static let everything = JSONSelection(members: nil)

    /// The members named, each with its own selection.
    public static func members(_ members: [String: JSONSelection]) -> JSONSelection {
        JSONSelection(
            members: members.sorted { $0.key < $1.key }.map { Member(key: $0.key, utf8: Array($0.key.utf8), selection: $0.value) }
        )
    }

    /// The selection of the member `key`, or `nil` when the member is left out.
    public subscript(key: String) -> JSONSelection? {
        guard let members else { return .everything }
        return members.first { $0.key == key }?.selection
    }

    /// The member whose key's UTF-8 is `key`. An object's keys are compared as bytes, a few at most per member:
    /// cheaper than making each key a string and hashing it.
    func member(utf8 key: UnsafeBufferPointer<UInt8>) -> Member? {
        members?.first { $0.utf8.count == key.count && $0.utf8.elementsEqual(key) }
    }
}

extension JSONSelection: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONSelection)...) {
        self = .members(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension JSONSelection: ExpressibleByArrayLiteral {
    /// Members taken whole: `["id", "name"]`.
    public init(arrayLiteral keys: String...) {
        self = .members(Dictionary(keys.map { ($0, JSONSelection.everything) }, uniquingKeysWith: { _, last in last }))
    }
}

extension JSONValue {
    /// Parses a JSON text, building only `selection` of it. The whole text is still checked: malformed JSON is
    /// an error even where it lies in a part left out.
    public init(parsing data: Data, selecting selection: JSONSelection) throws {
        self = try JSONReader.read(data) { try $0.readValue(selection) }
    }
}

extension JSONParser {
    mutating func parseValue(_ selection: JSONSelection) throws -> JSONValue {
        guard selection.members != nil, index < bytes.count else { return try parseValue() }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            var members: [JSONObject.Element] = []
            try walkObject(decodingKeys: false) { parser, _, keyRange in
                if let member = try parser.member(of: selection, keyRange: keyRange) {
                    members.append((key: member.key, value: try parser.parseValue(member.selection)))
                } else {
                    try parser.skipValue()
                }
            }
            return .object(JSONObject(unchecked: members))
        case UInt8(ascii: "["):
            var elements: [JSONValue] = []
            try walkArray { parser in elements.append(try parser.parseValue(selection)) }
            return .array(elements)
        default:
            return try parseValue()
        }
    }

    /// The member of `selection` whose key lies at `keyRange` (quotes included).
    private func member(of selection: JSONSelection, keyRange: Range<Int>) throws -> JSONSelection.Member? {
        let key = UnsafeBufferPointer(rebasing: bytes[keyRange.lowerBound + 1..<keyRange.upperBound - 1])
        guard key.contains(UInt8(ascii: "\\")) else { return selection.member(utf8: key) }
        // An escaped key: compare what it says, not how it is written.
        var keyParser = JSONParser(bytes: bytes)
        keyParser.index = keyRange.lowerBound
        let decoded = try keyParser.parseString()
        return selection.members?.first { $0.key == decoded }
    }

    /// Reads past the value at `index`, checking it as `parseValue` would, without building anything.
    mutating func skipValue() throws {
        guard index < bytes.count else { throw error("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): try walkObject(decodingKeys: false) { parser, _, _ in try parser.skipValue() }
        case UInt8(ascii: "["): try walkArray { parser in try parser.skipValue() }
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"): try expect("true")
        case UInt8(ascii: "f"): try expect("false")
        case UInt8(ascii: "n"): try expect("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try parseNumber()
        default: throw error("unexpected character")
        }
    }

    /// Reads past the string at `index`, checking its escapes as `parseString` does.
    mutating func skipString() throws {
        index += 1  // opening quote
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return
            }
            if byte < 0x20 { throw error("control character in string") }
            index += 1
            if byte == UInt8(ascii: "\\") { _ = try parseEscape() }
        }
        throw error("unterminated string")
    }
}

import Foundation

/// How `Date` values are written and read by `JSONValueEncoder` and `JSONValueDecoder`.
public enum JSONDateStrategy: Sendable {
    /// ISO 8601 text in UTC, to the second (`2026-12-04T18:30:56Z`); reading also takes fractional seconds.
    case iso8601
    /// As `Date` encodes itself: seconds since 2001-01-01.
    case deferredToDate
}

/// Encodes an `Encodable` value straight into a `JSONValue` tree: the Codable side of the one JSON stack
/// (parser, tree, serializer and this bridge), with no round trip through Foundation's JSON.
public struct JSONValueEncoder: Sendable {
    public var dates: JSONDateStrategy = .iso8601
    /// `personRemoved` becomes `person_removed`, as the API and `--json` spell keys.
    public var snakeCaseKeys = false
    /// Members of encoded objects in key order, so that stored text is stable whatever the type's layout.
    public var sortedKeys = true

    public init() {}

    public func encode(_ value: some Encodable) throws -> JSONValue {
        try TreeEncoder(options: self, codingPath: []).box(value).value(sorted: sortedKeys)
    }
}

/// A value being built: objects and arrays are shared by the containers that fill them.
private indirect enum Node {
    case value(JSONValue)
    case object(ObjectNode)
    case array(ArrayNode)

    func value(sorted: Bool) -> JSONValue {
        switch self {
        case .value(let value): return value
        case .array(let array): return .array(array.items.map { $0.value(sorted: sorted) })
        case .object(let object):
            var members = JSONObject()
            let keys = sorted ? object.order.sorted() : object.order
            for key in keys { members[key] = object.members[key]?.value(sorted: sorted) }
            return .object(members)
        }
    }
}

private final class ObjectNode {
    var members: [String: Node] = [:]
    var order: [String] = []

    func set(_ key: String, _ node: Node) {
        if members.updateValue(node, forKey: key) == nil { order.append(key) }
    }
}

private final class ArrayNode {
    var items: [Node] = []
}

private final class TreeEncoder: Encoder {
    let options: JSONValueEncoder
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    var node: Node?

    init(options: JSONValueEncoder, codingPath: [any CodingKey]) {
        self.options = options
        self.codingPath = codingPath
    }

    /// The tree of `value`: dates and URLs as text, everything else as it encodes itself.
    func box(_ value: some Encodable) throws -> Node {
        if let date = value as? Date, options.dates == .iso8601 { return .value(.string(date.formatted(.iso8601))) }
        if let url = value as? URL { return .value(.string(url.absoluteString)) }
        // A dictionary's keys are data, not names: they keep their spelling under `snakeCaseKeys`, as in Foundation.
        if let dictionary = value as? any StringKeyedDictionary { return try dictionary.members(self) }
        let encoder = TreeEncoder(options: options, codingPath: codingPath)
        try value.encode(to: encoder)
        // A type that encodes nothing is an empty object, as with Foundation.
        return encoder.node ?? .object(ObjectNode())
    }

    func key(_ key: any CodingKey) -> String {
        options.snakeCaseKeys ? SnakeCase.convert(key.stringValue) : key.stringValue
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let object: ObjectNode
        if case .object(let existing) = node {
            object = existing
        } else {
            object = ObjectNode()
            node = .object(object)
        }
        return KeyedEncodingContainer(KeyedContainer<Key>(encoder: self, object: object, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let array: ArrayNode
        if case .array(let existing) = node {
            array = existing
        } else {
            array = ArrayNode()
            node = .array(array)
        }
        return UnkeyedContainer(encoder: self, array: array, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleContainer(encoder: self) }

    static func number<T: BinaryInteger>(_ value: T) -> JSONValue { .number(Double(value)) }

    static func number(_ value: Double, _ path: [any CodingKey]) throws -> JSONValue {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, .init(codingPath: path, debugDescription: "JSON has no \(value)"))
        }
        return .number(value)
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: TreeEncoder
    let object: ObjectNode
    let codingPath: [any CodingKey]

    func child(_ key: Key) -> TreeEncoder { TreeEncoder(options: encoder.options, codingPath: codingPath + [key]) }
    func set(_ value: JSONValue, _ key: Key) { object.set(encoder.key(key), .value(value)) }

    mutating func encodeNil(forKey key: Key) throws { set(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        set(try TreeEncoder.number(value, codingPath + [key]), key)
    }
    mutating func encode(_ value: Float, forKey key: Key) throws {
        set(try TreeEncoder.number(Double(value), codingPath + [key]), key)
    }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(TreeEncoder.number(value), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { set(TreeEncoder.number(value), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { set(TreeEncoder.number(value), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { set(TreeEncoder.number(value), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(TreeEncoder.number(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { set(TreeEncoder.number(value), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { set(TreeEncoder.number(value), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { set(TreeEncoder.number(value), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { set(TreeEncoder.number(value), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { set(TreeEncoder.number(value), key) }
    mutating func encode(_ value: some Encodable, forKey key: Key) throws {
        object.set(encoder.key(key), try child(key).box(value))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        let nested = ObjectNode()
        object.set(encoder.key(key), .object(nested))
        return KeyedEncodingContainer(
            KeyedContainer<NestedKey>(encoder: child(key), object: nested, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = ArrayNode()
        object.set(encoder.key(key), .array(nested))
        return UnkeyedContainer(encoder: child(key), array: nested, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder { superEncoder(forKey: Key(stringValue: "super")!) }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let nested = ObjectNode()
        object.set(encoder.key(key), .object(nested))
        let child = child(key)
        child.node = .object(nested)
        return child
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let encoder: TreeEncoder
    let array: ArrayNode
    let codingPath: [any CodingKey]
    var count: Int { array.items.count }

    var indexKey: any CodingKey { IndexKey(count) }
    func child() -> TreeEncoder { TreeEncoder(options: encoder.options, codingPath: codingPath + [indexKey]) }
    func append(_ value: JSONValue) { array.items.append(.value(value)) }

    mutating func encodeNil() throws { append(.null) }
    mutating func encode(_ value: Bool) throws { append(.bool(value)) }
    mutating func encode(_ value: String) throws { append(.string(value)) }
    mutating func encode(_ value: Double) throws { append(try TreeEncoder.number(value, codingPath + [indexKey])) }
    mutating func encode(_ value: Float) throws { append(try TreeEncoder.number(Double(value), codingPath + [indexKey])) }
    mutating func encode(_ value: Int) throws { append(TreeEncoder.number(value)) }
    mutating func encode(_ value: Int8) throws { append(TreeEncoder.number(value)) }
    mutating func encode(_ value: Int16) throws { append(TreeEncoder.number(value)) }
    mutating func encode(_ value: Int32) throws { append(TreeEncoder.number(value)) }
    mutating func encode(_ value: Int64) throws { append(TreeEncoder.number(value)) }
    mutating func encode(_ value: UInt) throws { append(TreeEncoder.number(value)) }
    mutating func encode(_ value: UInt8) throws { append(TreeEncoder.number(value)) }
    mutating func encode(_ value: UInt16) throws { append(TreeEncoder.number(value)) }
    mutating func encode(_ value: UInt32) throws { append(TreeEncoder.number(value)) }
    mutating func encode(_ value: UInt64) throws { append(TreeEncoder.number(value)) }
    mutating func encode(_ value: some Encodable) throws { array.items.append(try child().box(value)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let nested = ObjectNode()
        let child = child()
        array.items.append(.object(nested))
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(encoder: child, object: nested, codingPath: child.codingPath))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = ArrayNode()
        let child = child()
        array.items.append(.array(nested))
        return UnkeyedContainer(encoder: child, array: nested, codingPath: child.codingPath)
    }

    mutating func superEncoder() -> any Encoder {
        let nested = ObjectNode()
        let child = child()
        array.items.append(.object(nested))
        child.node = .object(nested)
        return child
    }
}

private struct SingleContainer: SingleValueEncodingContainer {
    let encoder: TreeEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    func set(_ value: JSONValue) { encoder.node = .value(value) }

    mutating func encodeNil() throws { set(.null) }
    mutating func encode(_ value: Bool) throws { set(.bool(value)) }
    mutating func encode(_ value: String) throws { set(.string(value)) }
    mutating func encode(_ value: Double) throws { set(try TreeEncoder.number(value, codingPath)) }
    mutating func encode(_ value: Float) throws { set(try TreeEncoder.number(Double(value), codingPath)) }
    mutating func encode(_ value: Int) throws { set(TreeEncoder.number(value)) }
    mutating func encode(_ value: Int8) throws { set(TreeEncoder.number(value)) }
    mutating func encode(_ value: Int16) throws { set(TreeEncoder.number(value)) }
    mutating func encode(_ value: Int32) throws { set(TreeEncoder.number(value)) }
    mutating func encode(_ value: Int64) throws { set(TreeEncoder.number(value)) }
    mutating func encode(_ value: UInt) throws { set(TreeEncoder.number(value)) }
    mutating func encode(_ value: UInt8) throws { set(TreeEncoder.number(value)) }
    mutating func encode(_ value: UInt16) throws { set(TreeEncoder.number(value)) }
    mutating func encode(_ value: UInt32) throws { set(TreeEncoder.number(value)) }
    mutating func encode(_ value: UInt64) throws { set(TreeEncoder.number(value)) }
    mutating func encode(_ value: some Encodable) throws { encoder.node = try encoder.box(value) }
}

private protocol StringKeyedDictionary {
    func members(_ encoder: TreeEncoder) throws -> Node
}

extension Dictionary: StringKeyedDictionary where Key == String, Value: Encodable {
    fileprivate func members(_ encoder: TreeEncoder) throws -> Node {
        let object = ObjectNode()
        for (key, value) in self {
            let child = TreeEncoder(options: encoder.options, codingPath: encoder.codingPath + [MemberKey(key)])
            object.set(key, try child.box(value))
        }
        return .object(object)
    }
}

/// A dictionary's key in a coding path.
struct MemberKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ key: String) { stringValue = key }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// The key of an array element in a coding path.
struct IndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { "\(intValue ?? 0)" }
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

/// Foundation's rule for snake case: words split where a lowercase letter or digit meets an uppercase one, and
/// before the last capital of a run of capitals that a lowercase letter follows (`spotifyID` → `spotify_id`,
/// `myURLValue` → `my_url_value`).
enum SnakeCase {
    static func convert(_ key: String) -> String {
        let characters = Array(key)
        guard !characters.isEmpty else { return key }
        var words: [String] = []
        var current = ""
        for (index, character) in characters.enumerated() {
            if character.isUppercase, !current.isEmpty {
                let previous = characters[index - 1]
                let next = index + 1 < characters.count ? characters[index + 1] : nil
                if !previous.isUppercase || (next?.isLowercase ?? false) {
                    words.append(current)
                    current = ""
                }
            }
            current.append(character)
        }
        words.append(current)
        return words.map { $0.lowercased() }.joined(separator: "_")
    }
}

import Foundation

/// A JSON document kept as a tree, so that every Spotify object can carry the exact fields it arrived with.
///
/// Spotify's payloads change shape between API generations (`track` became `item`, fields turn null or
/// vanish), so the client decodes into this tree once and reads typed values out of it leniently.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

extension JSONValue {
    /// The member `key` of an object, or `nil` for any other value.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The element at `index` of an array, or `nil` when out of range or not an array.
    public subscript(index: Int) -> JSONValue? {
        if case .array(let elements) = self, elements.indices.contains(index) { return elements[index] }
        return nil
    }

    /// This object with `members` added (replacing same-named ones); any other value is returned unchanged.
    public func merging(_ members: JSONObject) -> JSONValue {
        guard case .object(let own) = self else { return self }
        return .object(own.merging(members))
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var doubleValue: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// An integral number. Lenient: a string holding an integer is accepted too.
    public var intValue: Int? {
        switch self {
        case .number(let value) where value.rounded() == value && abs(value) < 9.0e15: return Int(value)
        case .string(let value): return Int(value)
        default: return nil
        }
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// An object's member when it is present and not `null`.
    public func nonNull(_ key: String) -> JSONValue? {
        guard let value = self[key], !value.isNull else { return nil }
        return value
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        // A literal names each key once; its members keep the order written.
        self = .object(JSONObject(unchecked: elements.map { (key: $0.0, value: $0.1) }))
    }
}

extension JSONValue {
    /// Wraps an optional string, mapping `nil` to JSON `null`.
    public init(_ value: String?) { self = value.map(JSONValue.string) ?? .null }
    /// Wraps an optional integer, mapping `nil` to JSON `null`.
    public init(_ value: Int?) { self = value.map { .number(Double($0)) } ?? .null }
    /// Wraps an optional boolean, mapping `nil` to JSON `null`.
    public init(_ value: Bool?) { self = value.map(JSONValue.bool) ?? .null }
}

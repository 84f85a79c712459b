import Foundation

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(JSONObject(try container.decode([String: JSONValue].self)))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        if case .object(let members) = self {
            // Members in the object's own order.
            var container = encoder.container(keyedBy: MemberKey.self)
            for (key, value) in members { try container.encode(value, forKey: MemberKey(stringValue: key)) }
            return
        }
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object: break
        }
    }

    private struct MemberKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

extension JSONValue {
    /// The tree of any `Encodable` value (`JSONValueEncoder`, keys in order); `snakeCase` turns `personRemoved`
    /// into `person_removed`, as the API and `--json` spell keys.
    public init(encoding value: some Encodable, snakeCase: Bool = false) throws {
        var encoder = JSONValueEncoder()
        encoder.snakeCaseKeys = snakeCase
        self = try encoder.encode(value)
    }

    /// The value as a `Decodable` type (`JSONValueDecoder`).
    public func decoded<T: Decodable>(as type: T.Type) throws -> T { try JSONValueDecoder().decode(type, from: self) }

    /// The compact text of any `Encodable` value, keys in order: how the store keeps plans, settings and journals.
    public static func text(encoding value: some Encodable) throws -> String { try JSONValue(encoding: value).serialized() }
}

import Foundation
import Library
import PlaykeeperJSON
import Vapor

/// A typed JSON request body. Its fields are read by our parser (with its size and depth limits), then decoded;
/// a field of the wrong type is named in a 422.
protocol RequestBody: Decodable {
    /// The fields the body may have, when others are refused rather than ignored.
    static var fields: [String]? { get }
}

extension RequestBody {
    static var fields: [String]? { nil }
}

extension Request {
    func body<Body: RequestBody>(_ type: Body.Type, emptyIsObject: Bool = false) throws -> Body {
        let value = try jsonBody(emptyIsObject: emptyIsObject)
        if let fields = Body.fields, let unknown = value.objectValue?.keys.first(where: { !fields.contains($0) }) {
            throw PlaykeeperError(
                .invalid, "'\(unknown)' is not a field of this request (\(fields.map { "'\($0)'" }.joined(separator: ", ")))")
        }
        do {
            return try value.decoded(as: Body.self)
        } catch let error as DecodingError {
            throw PlaykeeperError(.invalid, Self.explain(error))
        }
    }

    private static func explain(_ error: DecodingError) -> String {
        func field(_ path: [any CodingKey]) -> String {
            "'" + path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".") + "'"
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(field(context.codingPath + [key])) is missing"
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return "\(field(context.codingPath)) must be \(describe(type))"
        case .dataCorrupted(let context): return "\(field(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "the body is not what this route takes"
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Bool.Type: "true or false"
        case is String.Type: "a string"
        case is [String].Type: "a list of strings"
        case is [[String]].Type: "a list of lists of strings"
        case is Int.Type, is Double.Type: "a number"
        default: "of another type"
        }
    }
}

import Foundation
import NIOCore
import PlaykeeperJSON
import Vapor

extension Response {
    /// A JSON response from a tree.
    static func json(_ value: JSONValue, status: HTTPResponseStatus = .ok) -> Response {
        json(JSONBody(value: value), status: status)
    }

    /// A JSON response from a tree and the kept text of its placeholders.
    static func json(_ body: JSONBody, status: HTTPResponseStatus = .ok) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: status, headers: headers, body: .init(buffer: ByteBuffer(bytes: body.serializedBytes())))
    }

    /// Spotify's Web API error body.
    static func webAPIError(_ failure: WebAPIFailure, retryAfter: Int? = nil) -> Response {
        var error: JSONObject = ["status": JSONValue(failure.status), "message": .string(failure.message)]
        if let reason = failure.reason { error["reason"] = .string(reason) }
        let response = Response.json(["error": .object(error)], status: HTTPResponseStatus(statusCode: failure.status))
        if let retryAfter { response.headers.replaceOrAdd(name: "Retry-After", value: String(retryAfter)) }
        if failure.status == 401 {
            response.headers.replaceOrAdd(name: .wwwAuthenticate, value: "Bearer realm=\"spotify\", error=\"invalid_token\"")
        }
        return response
    }

    /// The Accounts service's error body.
    static func accountsError(_ failure: AccountsFailure) -> Response {
        .json(
            ["error": .string(failure.error), "error_description": .string(failure.description)],
            status: HTTPResponseStatus(statusCode: failure.status))
    }
}

extension Request {
    /// Query parameters, the last one winning, percent-decoded.
    var queryDictionary: [String: String] {
        var result: [String: String] = [:]
        for item in URLComponents(string: url.string)?.queryItems ?? [] { result[item.name] = item.value ?? "" }
        return result
    }

    /// The body as JSON; an absent body is `null`.
    func jsonBody() throws -> JSONValue {
        guard let buffer = body.data, buffer.readableBytes > 0 else { return .null }
        do {
            return try JSONValue(parsing: Array(buffer.readableBytesView))
        } catch {
            throw WebAPIFailure.badRequest("Error parsing JSON.")
        }
    }

    /// An `application/x-www-form-urlencoded` body.
    func formBody() -> [String: String] {
        guard let buffer = body.data else { return [:] }
        var result: [String: String] = [:]
        for pair in String(decoding: buffer.readableBytesView, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
            }
            result[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return result
    }

    /// The endpoint's template for the request log, e.g. `GET /v1/playlists/{id}/items`.
    var endpointTemplate: String {
        guard let route else { return "\(method.rawValue) \(url.path)" }
        let path = route.path.map { component -> String in
            switch component {
            case .constant(let text): text
            case .parameter(let name): "{\(name)}"
            case .anything: "*"
            case .catchall: "**"
            }
        }.joined(separator: "/")
        return "\(method.rawValue) /\(path)"
    }
}

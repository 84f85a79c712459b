import FluentKit
import Foundation
import Leaf
import Library
import PlaykeeperJSON
import Store
import Vapor

/// Rendering helpers shared by the pages.
enum Pages {
    /// The signed-in person as the pages show them.
    struct User: Encodable {
        var id: String
        var name: String
        var needsLogin: Bool
        var endingSoon: Bool
        var loginExpires: String
    }

    /// What every page's layout needs, plus the page's own fields.
    struct Context<Page: Encodable>: Encodable {
        var title: String
        var user: User?
        var csrf: String?
        var notice: String?
        var page: Page

        enum CodingKeys: String, CodingKey { case title, user, csrf, notice }

        func encode(to encoder: any Encoder) throws {
            // The page's fields sit beside the layout's, so templates read `#(playlists)`, not `#(page.playlists)`.
            try page.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(title, forKey: .title)
            try container.encodeIfPresent(user, forKey: .user)
            try container.encodeIfPresent(csrf, forKey: .csrf)
            try container.encodeIfPresent(notice, forKey: .notice)
        }
    }

    struct Empty: Encodable {}

    static func user(_ request: Request) -> User? {
        guard let caller = request.caller else { return nil }
        let expiry = LoginExpiry(caller.user, now: request.service.now())
        return User(
            id: caller.user.spotifyID, name: caller.user.displayName ?? caller.user.spotifyID, needsLogin: expiry.needsLogin,
            endingSoon: expiry.endingSoon, loginExpires: expiry.expiresAt.map(day) ?? "unknown")
    }

    static func render<Page: Encodable>(
        _ request: Request, _ template: String, title: String, _ page: Page, status: HTTPResponseStatus = .ok
    ) async throws -> Response {
        let notice = noticeCookie.value(String.self, in: request, box: request.service.mirror.tokens.box)
        let context = Context(
            title: title, user: user(request), csrf: request.caller?.session?.csrfToken, notice: notice, page: page)
        let json = try JSONValue(encoding: context)
        guard let data = leafData(json).dictionary else {
            throw PlaykeeperError(.internal, "a page context is not an object")
        }
        let body = try await request.leaf.render(path: template, context: data).get()
        var headers = HTTPHeaders()
        headers.contentType = .html
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        let response = Response(status: status, headers: headers, body: .init(buffer: body))
        // A notice is shown once.
        if notice != nil {
            response.cookies[noticeCookie.name] = noticeCookie.clearing(secure: request.service.settings.secureCookies)
        }
        return response
    }

    /// Leaf's data from JSON: whole numbers become integers, so templates print `12`, not `12.0`.
    static func leafData(_ value: JSONValue) -> LeafData {
        switch value {
        case .null: .trueNil
        case .bool(let flag): .bool(flag)
        case .number(let number): number == number.rounded() && abs(number) < 1e15 ? .int(Int(number)) : .double(number)
        case .string(let text): .string(text)
        case .array(let items): .array(items.map(leafData))
        case .object(let members): .dictionary(members.dictionary.mapValues(leafData))
        }
    }

    /// A friendly error page; Leaf escapes the message.
    static func error(_ request: Request, status: HTTPResponseStatus, message: String) async throws -> Response {
        struct Page: Encodable { var message: String }
        do {
            return try await render(request, "error", title: status.reasonPhrase, Page(message: message), status: status)
        } catch {
            let escaped = message.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;")
            return Response(status: status, body: .init(string: "<!doctype html><title>Error</title><p>\(escaped)</p>"))
        }
    }

    /// The notice the next page shows once. It travels in a sealed cookie, never in the address: text in a link
    /// is whatever whoever wrote the link wants it to say.
    static let noticeCookie = SealedCookie(name: "playkeeper_notice", purpose: "notice", path: "/", maxAge: 120)

    /// Redirects to `path` (a path of this service), with a notice shown once at the top of that page.
    static func redirect(_ request: Request, to path: String, notice: String) throws -> Response {
        let response = request.redirect(to: path, redirectType: .normal)
        response.cookies[noticeCookie.name] = try noticeCookie.cookie(
            String(notice.prefix(1000)), box: request.service.mirror.tokens.box, secure: request.service.settings.secureCookies)
        return response
    }

    static func time(_ date: Date?) -> String {
        guard let date else { return "never" }
        return date.formatted(
            Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day().dateTimeSeparator(.space).time(
                includingFractionalSeconds: false)) + " UTC"
    }

    static func day(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day())
    }
}

import Foundation
import PlaykeeperJSON
import SpotifyWebAPI
import Store
import Vapor

/// A value the browser keeps for the service, sealed with the service's key (AES-GCM, bound to its purpose):
/// the browser holds it and sends it back, but can neither read nor forge it. Used where storing a row for
/// every visitor would let strangers fill the database: a login that was started, a notice to show once.
struct SealedCookie {
    let name: String
    /// Authenticated with the value, so that one kind of cookie never opens as another.
    let purpose: String
    let path: String
    let maxAge: Int

    /// The cookie that carries `value`, HttpOnly and SameSite=Lax.
    func cookie(_ value: some Encodable, box: SecretBox, secure: Bool) throws -> HTTPCookies.Value {
        let plaintext = Data(try JSONValue.text(encoding: value).utf8)
        let sealed = try box.seal(plaintext, purpose: purpose)
        return HTTPCookies.Value(
            string: Base64URL.encode(sealed), maxAge: maxAge, path: path, isSecure: secure, isHTTPOnly: true,
            sameSite: .lax)
    }

    /// What the request's cookie carries, or nil when it has none or one this service did not seal.
    func value<Value: Decodable>(_ type: Value.Type, in request: Request, box: SecretBox) -> Value? {
        guard let text = request.cookies[name]?.string, !text.isEmpty, text.count <= 4096,
            let sealed = Base64URL.decode(text), let plaintext = box.open(sealed, purpose: purpose)
        else { return nil }
        return try? JSONValueDecoder().decode(Value.self, from: plaintext)
    }

    /// Tells the browser to forget the cookie.
    func clearing(secure: Bool) -> HTTPCookies.Value {
        HTTPCookies.Value(
            string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, path: path, isSecure: secure, isHTTPOnly: true,
            sameSite: .lax)
    }
}

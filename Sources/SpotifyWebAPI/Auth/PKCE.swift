import Crypto
import Foundation

/// A PKCE pair (RFC 7636), S256 method.
public struct PKCE: Sendable, Equatable {
    /// 43 to 128 characters from the unreserved set.
    public let verifier: String
    /// base64url(SHA-256(verifier)), without padding.
    public let challenge: String

    public init(verifier: String) throws {
        guard (43...128).contains(verifier.count),
            verifier.unicodeScalars.allSatisfy({ Self.unreserved.unicodeScalars.contains($0) })
        else { throw ConfigurationError.invalid("code_verifier", "must be 43 to 128 unreserved characters") }
        self.verifier = verifier
        self.challenge = Self.challenge(for: verifier)
    }

    /// A fresh pair with a 64-character verifier.
    public static func generate() -> PKCE {
        // A generated verifier is always valid, so this cannot throw.
        try! PKCE(verifier: randomString(length: 64))
    }

    public static func challenge(for verifier: String) -> String {
        Base64URL.encode(Data(SHA256.hash(data: Data(verifier.utf8))))
    }

    static let unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"

    /// Random unreserved characters from the system's secure generator.
    public static func randomString(length: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}

public enum Base64URL {
    public static func encode(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The bytes of base64url text, with or without padding; nil for anything else.
    public static func decode(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}

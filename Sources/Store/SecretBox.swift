import Crypto
import Foundation

/// Encrypts tokens at rest with AES-GCM under one 32-byte key.
public struct SecretBox: Sendable {
    // Kept as bytes: `SymmetricKey` is not `Sendable`.
    private let keyBytes: Data

    public init(key: SymmetricKey) { keyBytes = key.withUnsafeBytes { Data($0) } }

    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    /// The key from `PLAYKEEPER_SECRET_KEY` (base64 of 32 bytes), or from `secret.key` in the data directory,
    /// created with mode 0600 on first run. A lost key only means that users log in again.
    public static func load(environment: [String: String], dataDirectory: URL) throws -> SecretBox {
        if let text = environment["PLAYKEEPER_SECRET_KEY"] {
            guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw StoreError.invalidSecretKey("it is not base64 (make one with: openssl rand -base64 32)")
            }
            guard data.count == 32 else {
                throw StoreError.invalidSecretKey("it decodes to \(data.count) bytes; it must be 32 (openssl rand -base64 32)")
            }
            return SecretBox(key: SymmetricKey(data: data))
        }
        let file = dataDirectory.appendingPathComponent("secret.key")
        if let text = try? String(contentsOf: file, encoding: .utf8) {
            guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), data.count == 32 else {
                throw StoreError.invalidSecretKey("\(file.path) does not hold base64 of 32 bytes")
            }
            return SecretBox(key: SymmetricKey(data: data))
        }
        let key = SymmetricKey(size: .bits256)
        let text = key.withUnsafeBytes { Data($0).base64EncodedString() } + "\n"
        guard FileManager.default.createFile(atPath: file.path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        else {
            throw StoreError.invalidSecretKey("cannot create \(file.path)")
        }
        return SecretBox(key: key)
    }

    /// base64(nonce ‖ ciphertext ‖ tag).
    public func seal(_ plaintext: String) throws -> String {
        try AES.GCM.seal(Data(plaintext.utf8), using: key).combined!.base64EncodedString()
    }

    public func open(_ sealed: String) throws -> String {
        guard let data = Data(base64Encoded: sealed) else { throw CryptoKitError.incorrectParameterSize }
        let box = try AES.GCM.SealedBox(combined: data)
        return String(decoding: try AES.GCM.open(box, using: key), as: UTF8.self)
    }

    /// Sealed for one purpose (the purpose is authenticated, not stored), as raw bytes: what a cookie carries.
    /// A value sealed for one purpose does not open for another, so one kind of cookie cannot stand in for another.
    public func seal(_ plaintext: Data, purpose: String) throws -> Data {
        try AES.GCM.seal(plaintext, using: key, authenticating: Data(purpose.utf8)).combined!
    }

    /// The plaintext, or nil when `sealed` was not made by this key for this purpose.
    public func open(_ sealed: Data, purpose: String) -> Data? {
        guard let box = try? AES.GCM.SealedBox(combined: sealed) else { return nil }
        return try? AES.GCM.open(box, using: key, authenticating: Data(purpose.utf8))
    }
}

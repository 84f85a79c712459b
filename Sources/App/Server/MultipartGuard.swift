import Foundation
import Library
import Vapor

/// Vapor's multipart/form-data decoder (MultipartKit's parser) traps on a byte above 127 in a part's header name:
/// it looks each byte up in a 128-entry table. One such request stopped the whole service (found by schemathesis:
/// `Content-Disposition` replaced by a non-ASCII name). This decoder checks every header section the parser
/// could read, refuses a body with such a byte as malformed, and hands the rest to the decoder it wraps.
struct GuardedFormDataDecoder: ContentDecoder {
    let wrapped: any ContentDecoder

    /// Installs the guard in front of the multipart/form-data decoder every request's `content` uses (a process-wide
    /// setting of Vapor's), once however many services a process configures.
    static func install() throws { try installed.get() }

    private static let installed = Result<Void, any Error> {
        let current = try ContentConfiguration.global.requireDecoder(for: .formData)
        ContentConfiguration.global.use(decoder: GuardedFormDataDecoder(wrapped: current), for: .formData)
    }

    func decode<D: Decodable>(_ decodable: D.Type, from body: ByteBuffer, headers: HTTPHeaders) throws -> D {
        try check(body, headers)
        return try wrapped.decode(D.self, from: body, headers: headers)
    }

    func decode<D: Decodable>(
        _ decodable: D.Type, from body: ByteBuffer, headers: HTTPHeaders, userInfo: [CodingUserInfoKey: any Sendable]
    ) throws -> D {
        try check(body, headers)
        return try wrapped.decode(D.self, from: body, headers: headers, userInfo: userInfo)
    }

    private func check(_ body: ByteBuffer, _ headers: HTTPHeaders) throws {
        guard let boundary = headers.contentType?.parameters["boundary"], !boundary.isEmpty else { return }
        // Read in place: an upload may be 200 MB.
        let delimiter = Array(("--" + boundary).utf8)
        if body.withUnsafeReadableBytes({ MultipartHeaderNames.haveNonASCIIByte($0, boundary: delimiter) }) {
            throw PlaykeeperError(.malformed, "a part's header name in the multipart body is not ASCII")
        }
    }
}

/// The header names of a multipart body, as a parser can meet them: each header section starts right after an
/// occurrence of `--BOUNDARY` and a CRLF, and each name runs from a line's start to its colon. Every occurrence of
/// the delimiter is looked at, wherever it lies, so that no section a parser reads is missed (a file that happens
/// to contain the delimiter can only make this stricter).
enum MultipartHeaderNames {
    static func haveNonASCIIByte(_ body: UnsafeRawBufferPointer, boundary delimiter: [UInt8]) -> Bool {
        let (cr, lf, colon): (UInt8, UInt8, UInt8) = (13, 10, 58)
        guard !delimiter.isEmpty, body.count >= delimiter.count else { return false }
        var start = 0
        while let found = firstIndex(of: delimiter, in: body, from: start) {
            start = found + 1
            var index = found + delimiter.count
            guard index + 1 < body.count, body[index] == cr, body[index + 1] == lf else { continue }
            index += 2
            // Header lines until the empty line: a name up to its colon, a value up to CR LF.
            lines: while index < body.count {
                var nameLength = 0
                while index < body.count, body[index] != colon, body[index] != cr {
                    if body[index] > 127 { return true }
                    nameLength += 1
                    index += 1
                }
                guard index < body.count, body[index] == colon, nameLength > 0 else { break lines }
                while index < body.count, body[index] != cr { index += 1 }
                guard index + 1 < body.count, body[index + 1] == lf else { break lines }
                index += 2
            }
        }
        return false
    }

    private static func firstIndex(of needle: [UInt8], in haystack: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard start <= haystack.count - needle.count else { return nil }
        var index = start
        while index <= haystack.count - needle.count {
            if haystack[index] == needle[0], haystack[index..<index + needle.count].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}

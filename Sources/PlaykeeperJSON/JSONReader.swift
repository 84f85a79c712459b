import Foundation

/// Reads one JSON text in the order it is written: the members of an object, the elements of an array, a value
/// built as a tree (all of it or a `JSONSelection`), or passed over. It also says where each value's text lies,
/// so that a reader can keep parts of the text as they arrived instead of building them and writing them again.
///
/// A reader lives only inside `JSONReader.read`, which holds the bytes.
public struct JSONReader {
    var parser: JSONParser
    /// Inside `readObject`'s closure: where the key of the member being read lies.
    public private(set) var keySpan = JSONSpan(range: 0..<0, compact: true)

    /// Reads `data`, which must hold one JSON value, through `body`.
    public static func read<Result>(_ data: Data, _ body: (inout JSONReader) throws -> Result) throws -> Result {
        try data.withUnsafeBytes { raw in
            var reader = JSONReader(parser: JSONParser(bytes: raw.bindMemory(to: UInt8.self)))
            reader.parser.skipWhitespace()
            let start = reader.parser.index
            let result = try body(&reader)
            if reader.parser.index == start { try reader.parser.skipValue() }
            reader.parser.skipWhitespace()
            guard reader.parser.index == reader.parser.bytes.count else {
                throw reader.parser.error("unexpected trailing characters")
            }
            return result
        }
    }

    /// Whether the next value is `null`.
    public var nextIsNull: Bool { next(is: "n") }
    /// Whether the next value is an object.
    public var nextIsObject: Bool { next(is: "{") }
    /// Whether the next value is an array.
    public var nextIsArray: Bool { next(is: "[") }

    private func next(is first: Unicode.Scalar) -> Bool {
        parser.index < parser.bytes.count && parser.bytes[parser.index] == UInt8(ascii: first)
    }

    /// Calls `member` with each member's key and the reader at its value, for the object that comes next. A value
    /// that `member` does not read is passed over. When the next value is not an object, it is passed over and
    /// the answer is `false`.
    @discardableResult
    public mutating func readObject(_ member: (_ key: String, _ reader: inout JSONReader) throws -> Void) throws -> Bool {
        guard nextIsObject else {
            try parser.skipValue()
            return false
        }
        var walker = parser
        try walker.walkObject { inner, key, keyRange in
            var reader = JSONReader(parser: inner, keySpan: JSONSpan(range: keyRange, compact: true))
            try reader.readNext { reader in try member(key, &reader) }
            inner = reader.parser
        }
        parser = walker
        return true
    }

    /// Calls `element` with the reader at each element of the array that comes next; an element it does not read
    /// is passed over. When the next value is not an array, it is passed over and the answer is `false`.
    @discardableResult
    public mutating func readArray(_ element: (inout JSONReader) throws -> Void) throws -> Bool {
        guard nextIsArray else {
            try parser.skipValue()
            return false
        }
        var walker = parser
        try walker.walkArray { inner in
            var reader = JSONReader(parser: inner)
            try reader.readNext(element)
            inner = reader.parser
        }
        parser = walker
        return true
    }

    private mutating func readNext(_ body: (inout JSONReader) throws -> Void) throws {
        let start = parser.index
        try body(&self)
        if parser.index == start { try parser.skipValue() }
    }

    /// The next value as a tree, or the part of it that `selection` names.
    public mutating func readValue(_ selection: JSONSelection = .everything) throws -> JSONValue {
        try parser.parseValue(selection)
    }

    /// The next value, and where its text lies.
    public mutating func readValueKeepingSpan(_ selection: JSONSelection = .everything) throws -> (
        value: JSONValue, span: JSONSpan
    ) {
        try spanning { try $0.parseValue(selection) }
    }

    /// Passes over the next value, checking that it is well formed.
    public mutating func skipValue() throws {
        try parser.skipValue()
    }

    /// Passes over the next value, as `skipValue`, and says where its text lies.
    public mutating func skipValueKeepingSpan() throws -> JSONSpan {
        try spanning { try $0.skipValue() }.span
    }

    /// What `read` gives for the next value, and where that value's text lies.
    private mutating func spanning<Value>(_ read: (inout JSONParser) throws -> Value) throws -> (value: Value, span: JSONSpan) {
        let start = parser.index
        let whitespace = parser.whitespaceSkipped
        let value = try read(&parser)
        return (value, JSONSpan(range: start..<parser.index, compact: parser.whitespaceSkipped == whitespace))
    }

    /// Appends the text of `span` without whitespace between tokens: as compact as `JSONValue.serialized()`,
    /// with strings and numbers written as they arrived.
    public func appendText(_ span: JSONSpan, to output: inout [UInt8]) {
        let bytes = UnsafeBufferPointer(rebasing: parser.bytes[span.range])
        guard !span.compact else {
            output.append(contentsOf: bytes)
            return
        }
        var inString = false
        var escaped = false
        for byte in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
            } else if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                continue
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            }
            output.append(byte)
        }
    }

    /// The text of `span`, as `appendText` writes it.
    public func text(_ span: JSONSpan) -> String {
        if span.compact {
            return String(decoding: UnsafeBufferPointer(rebasing: parser.bytes[span.range]), as: UTF8.self)
        }
        var output: [UInt8] = []
        output.reserveCapacity(span.range.count)
        appendText(span, to: &output)
        return String(decoding: output, as: UTF8.self)
    }
}

/// Where a value or a key lies in the text a `JSONReader` reads.
public struct JSONSpan: Sendable, Equatable {
    public let range: Range<Int>
    /// No whitespace between its tokens: its bytes are its compact text.
    let compact: Bool
}

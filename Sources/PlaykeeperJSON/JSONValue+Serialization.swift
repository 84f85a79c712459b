import Foundation

extension JSONValue {
    /// Compact JSON text, each object's members in the order the object holds them: as parsed, as written in a
    /// literal, or sorted when the object was made from a dictionary.
    public func serialized() -> String {
        String(decoding: serializedBytes(), as: UTF8.self)
    }

    public func serializedData() -> Data { Data(serializedBytes()) }

    /// The UTF-8 bytes of `serialized()`. Writing bytes, not characters, keeps a sync's hot path cheap.
    public func serializedBytes() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(512)
        write(into: &output, fragments: nil)
        return output
    }

    /// Like `serializedBytes()`, except that a string value found among the keys of `fragments` is written as
    /// that fragment, which must be JSON text. A server that sends the same objects again and again keeps their
    /// text, and puts a placeholder string in the tree where each goes.
    public func serializedBytes(fragments: [String: [UInt8]]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(512 + fragments.values.reduce(0) { $0 + $1.count })
        write(into: &output, fragments: fragments.isEmpty ? nil : fragments)
        return output
    }

    private func write(into output: inout [UInt8], fragments: [String: [UInt8]]?) {
        switch self {
        case .null: output.append(contentsOf: Self.nullBytes)
        case .bool(let value): output.append(contentsOf: value ? Self.trueBytes : Self.falseBytes)
        case .number(let value): output.append(contentsOf: Self.format(value).utf8)
        case .string(let value):
            if let fragment = fragments?[value] {
                output.append(contentsOf: fragment)
            } else {
                Self.writeString(value, into: &output)
            }
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                element.write(into: &output, fragments: fragments)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            var first = true
            for (key, value) in members {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                Self.writeString(key, into: &output)
                output.append(UInt8(ascii: ":"))
                value.write(into: &output, fragments: fragments)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    static let nullBytes = Array("null".utf8)
    static let trueBytes = Array("true".utf8)
    static let falseBytes = Array("false".utf8)

    private static func format(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value.rounded() == value, abs(value) < 9.0e15 { return String(Int64(value)) }
        return String(value)
    }

    static func writeString(_ value: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { bytes in
            // Most strings need no escaping: copy them whole.
            if !bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                output.append(contentsOf: bytes)
                return
            }
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case 0x0A: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case 0x0D: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case 0x09: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case let control where control < 0x20:
                    let hex = Array("0123456789abcdef".utf8)
                    output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                    output.append(hex[Int(control >> 4)])
                    output.append(hex[Int(control & 0xF)])
                default: output.append(byte)
                }
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}

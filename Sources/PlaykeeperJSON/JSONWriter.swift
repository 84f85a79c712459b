/// JSON text written straight from typed values, for answers sent so often that building a `JSONValue` tree
/// first costs more than the rest of the request (a page of 50 playlists: 750 values).
///
/// Members and elements are separated by commas as they come; keys are literals of plain ASCII that need no
/// escaping, strings are escaped as `JSONValue` escapes them. The caller opens and closes what it writes.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    /// Whether a value ended last at this level (a value, or a closed object or array), so that the next one
    /// needs a comma. Opening a container clears it, closing one sets it: no stack of levels is needed.
    private var needsComma = false

    public init(capacity: Int = 1024) { bytes.reserveCapacity(capacity) }

    public mutating func beginObject() { open(UInt8(ascii: "{")) }
    public mutating func endObject() { close(UInt8(ascii: "}")) }
    public mutating func beginArray() { open(UInt8(ascii: "[")) }
    public mutating func endArray() { close(UInt8(ascii: "]")) }

    /// A member's key, for a value written next (an object or an array).
    public mutating func key(_ key: StaticString) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    public mutating func member(_ key: StaticString, _ value: String?) {
        self.key(key)
        self.value(value)
    }

    public mutating func member(_ key: StaticString, _ value: Int?) {
        self.key(key)
        self.value(value)
    }

    public mutating func member(_ key: StaticString, _ value: Bool?) {
        self.key(key)
        self.value(value)
    }

    public mutating func value(_ value: String?) {
        separate()
        guard let value else { return bytes.append(contentsOf: JSONValue.nullBytes) }
        JSONValue.writeString(value, into: &bytes)
    }

    public mutating func value(_ value: Int?) {
        separate()
        guard let value else { return bytes.append(contentsOf: JSONValue.nullBytes) }
        bytes.append(contentsOf: String(value).utf8)
    }

    public mutating func value(_ value: Bool?) {
        separate()
        guard let value else { return bytes.append(contentsOf: JSONValue.nullBytes) }
        bytes.append(contentsOf: value ? JSONValue.trueBytes : JSONValue.falseBytes)
    }

    /// A value already written as JSON text elsewhere.
    public mutating func value(_ value: JSONValue) {
        separate()
        bytes.append(contentsOf: value.serializedBytes())
    }

    private mutating func open(_ bracket: UInt8) {
        separate()
        bytes.append(bracket)
        needsComma = false
    }

    private mutating func close(_ bracket: UInt8) {
        bytes.append(bracket)
        needsComma = true
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = true
    }
}

/// A JSON object's members, in the order they were parsed or written.
///
/// Spotify's objects are small (a handful to a few dozen members), so a flat array serves them better than a
/// hash table: parsing appends without hashing, a lookup compares a few short keys, and serialization keeps
/// the order the object arrived in. A key that appears twice reads as JSON parsers usually read it: the last
/// one wins.
public struct JSONObject: Sendable {
    public typealias Element = (key: String, value: JSONValue)

    private var members: [Element]

    public init() { members = [] }

    /// The members of a dictionary, sorted by key: a dictionary has no order of its own, and sorting makes equal
    /// dictionaries give equal text.
    public init(_ dictionary: [String: JSONValue]) {
        members = dictionary.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
    }

    /// Members taken as they are, in order; used by the parser, which appends without looking for repeats.
    init(unchecked members: [Element]) { self.members = members }

    public subscript(key: String) -> JSONValue? {
        get { lastIndex(of: key).map { members[$0].value } }
        set {
            guard let newValue else {
                members.removeAll { $0.key == key }
                return
            }
            if let index = lastIndex(of: key) {
                members[index].value = newValue
            } else {
                members.append((key: key, value: newValue))
            }
        }
    }

    private func lastIndex(of key: String) -> Int? {
        var index = members.count
        while index > 0 {
            index -= 1
            if members[index].key == key { return index }
        }
        return nil
    }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }
    public var keys: [String] { members.map(\.key) }
    public var values: [JSONValue] { members.map(\.value) }

    /// The members as a dictionary (a repeated key keeps its last value).
    public var dictionary: [String: JSONValue] {
        Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
    }

    public func mapValues(_ transform: (JSONValue) throws -> JSONValue) rethrows -> JSONObject {
        JSONObject(unchecked: try members.map { (key: $0.key, value: try transform($0.value)) })
    }

    public func filter(_ isIncluded: (Element) throws -> Bool) rethrows -> JSONObject {
        JSONObject(unchecked: try members.filter(isIncluded))
    }

    /// This object with `other`'s members added, replacing same-named ones in place.
    public func merging(_ other: JSONObject) -> JSONObject {
        var merged = self
        for (key, value) in other { merged[key] = value }
        return merged
    }
}

extension JSONObject: Sequence {
    public func makeIterator() -> IndexingIterator<[Element]> { members.makeIterator() }
    public var underestimatedCount: Int { members.count }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        // A literal names each key once; its members are taken in the order written.
        members = elements.map { (key: $0.0, value: $0.1) }
    }
}

extension JSONObject: Hashable {
    /// Two objects are equal when they hold the same keys with equal values, in any order, as in JSON.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        let left = lhs.dictionary
        let right = rhs.dictionary
        return left == right
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(dictionary) }
}

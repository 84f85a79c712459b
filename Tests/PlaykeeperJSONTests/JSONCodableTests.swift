import Foundation
import PlaykeeperJSON
import Testing

/// The Codable bridge of the one JSON stack writes what Foundation's `JSONEncoder` writes (sorted keys, ISO 8601
/// dates, snake case), so text stored by earlier versions reads back, and it reads it back to the same values.
struct JSONCodableTests {
    enum Kind: String, Codable, Equatable { case track, episode }

    struct Inner: Codable, Equatable {
        var uri: String?
        var position: Int
        var ratio: Double
    }

    struct Sample: Codable, Equatable {
        var name: String
        var kind: Kind
        var spotifyID: String
        var personRemoved: [String]
        var inners: [Inner]
        var byUser: [String: Int]
        var nested: [[Int]]
        var optionalMissing: String?
        var flag: Bool
        var at: Date
        var big: Int64
        var negative: Int
    }

    static let samples: [Sample] = [
        Sample(
            name: "Road \"Trip\" / é😀", kind: .track, spotifyID: "37i9dQ", personRemoved: ["a", "b"],
            inners: [Inner(uri: "spotify:track:1", position: 0, ratio: 0.25), Inner(uri: nil, position: 7, ratio: -1.5)],
            byUser: ["zed": 1, "Anna": 2, "bob": 3], nested: [[], [1, 2], [3]], optionalMissing: nil, flag: true,
            at: Date(timeIntervalSince1970: 1_764_000_000), big: 1_764_000_000_123, negative: -42),
        Sample(
            name: "", kind: .episode, spotifyID: "", personRemoved: [], inners: [], byUser: [:], nested: [],
            optionalMissing: "here", flag: false, at: Date(timeIntervalSince1970: 0), big: 0, negative: 0),
    ]

    static func foundationText(_ value: some Encodable, snakeCase: Bool = false) throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        if snakeCase { encoder.keyEncodingStrategy = .convertToSnakeCase }
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test(arguments: [false, true])
    func writesWhatFoundationWrites(snakeCase: Bool) throws {
        for sample in Self.samples {
            let ours = try JSONValue(encoding: sample, snakeCase: snakeCase)
            let theirs = try JSONValue(parsing: try Self.foundationText(sample, snakeCase: snakeCase))
            #expect(ours.serialized() == theirs.serialized())
        }
    }

    @Test func readsBackWhatEitherWrote() throws {
        for sample in Self.samples {
            #expect(try JSONValueDecoder().decode(Sample.self, from: try JSONValue.text(encoding: sample)) == sample)
            #expect(try JSONValueDecoder().decode(Sample.self, from: try Self.foundationText(sample)) == sample)
        }
    }

    @Test func datesAsDateEncodesItselfWhenAsked() throws {
        var encoder = JSONValueEncoder()
        encoder.dates = .deferredToDate
        let date = Date(timeIntervalSinceReferenceDate: 12.5)
        #expect(try encoder.encode(["at": date]) == ["at": 12.5])
        var decoder = JSONValueDecoder()
        decoder.dates = .deferredToDate
        #expect(try decoder.decode([String: Date].self, from: ["at": 12.5]) == ["at": date])
    }

    @Test func errorsNameThePath() throws {
        let wrongType = #"{"uri":"x","position":"seven","ratio":1}"#
        let error = #expect(throws: DecodingError.self) { try JSONValueDecoder().decode(Inner.self, from: wrongType) }
        if case .typeMismatch(_, let context) = error {
            #expect(context.codingPath.map(\.stringValue) == ["position"])
        } else {
            Issue.record("expected a type mismatch, got \(String(describing: error))")
        }
        let missing = #"{"uri":"x","ratio":1}"#
        #expect(throws: DecodingError.self) { try JSONValueDecoder().decode(Inner.self, from: missing) }
        let fraction = #"{"position":1.5,"ratio":1}"#
        #expect(throws: DecodingError.self) { try JSONValueDecoder().decode(Inner.self, from: fraction) }
        #expect(throws: EncodingError.self) { try JSONValue(encoding: [Double.infinity]) }
    }
}

import Foundation
import PlaykeeperJSON

/// Spotify's `fields` parameter: `name,owner(!href),items(total,items(added_at,item(name)))`, dots for paths.
///
/// Listed fields are kept; a list with a `!` excludes its fields and keeps everything else. On an array
/// the selection applies to each element.
enum FieldsFilter {
    indirect enum Selection {
        case all
        case fields(include: [String: Selection], exclude: Set<String>)
    }

    static func apply(_ fields: String?, to value: JSONValue) throws -> JSONValue {
        guard let fields, !fields.isEmpty else { return value }
        var parser = Parser(text: Array(fields))
        let selection = try parser.parseList()
        guard parser.index == parser.text.count else { throw WebAPIFailure.badRequest("Invalid fields") }
        return filter(value, selection)
    }

    static func filter(_ value: JSONValue, _ selection: Selection) -> JSONValue {
        guard case .fields(let include, let exclude) = selection else { return value }
        switch value {
        case .array(let elements):
            return .array(elements.map { filter($0, selection) })
        case .object(let members):
            var kept: JSONObject = [:]
            if include.isEmpty {
                for (key, member) in members where !exclude.contains(key) { kept[key] = member }
            } else {
                for (key, sub) in include { if let member = members[key] { kept[key] = filter(member, sub) } }
            }
            return .object(kept)
        default:
            return value
        }
    }

    struct Parser {
        let text: [Character]
        var index = 0

        mutating func parseList() throws -> Selection {
            var include: [String: Selection] = [:]
            var anyNegated = false
            repeat {
                if index < text.count, text[index] == "," { index += 1 }
                var negated = false
                if index < text.count, text[index] == "!" {
                    negated = true
                    index += 1
                }
                let name = try parseName()
                let sub = try parseSubselection()
                if negated { anyNegated = true }
                include[name] = merge(include[name], sub)
            } while index < text.count && text[index] == ","
            // As Spotify reads it (see the captured `owner(!href,external_urls)` answer): a `!` turns the
            // whole list into exclusions.
            if anyNegated { return .fields(include: [:], exclude: Set(include.keys)) }
            return .fields(include: include, exclude: [])
        }

        /// What follows a name: `(list)`, `.path`, or nothing (the whole field).
        private mutating func parseSubselection() throws -> Selection {
            if index < text.count, text[index] == "(" {
                index += 1
                let list = try parseList()
                guard index < text.count, text[index] == ")" else { throw WebAPIFailure.badRequest("Invalid fields") }
                index += 1
                return list
            }
            if index < text.count, text[index] == "." {
                index += 1
                let name = try parseName()
                return .fields(include: [name: try parseSubselection()], exclude: [])
            }
            return .all
        }

        private mutating func parseName() throws -> String {
            let start = index
            while index < text.count, !"(),.!".contains(text[index]) { index += 1 }
            let name = String(text[start..<index]).trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { throw WebAPIFailure.badRequest("Invalid fields") }
            return name
        }

        private func merge(_ existing: Selection?, _ new: Selection) -> Selection {
            guard let existing else { return new }
            switch (existing, new) {
            case (.all, _), (_, .all): return .all
            case (.fields(let a, let ae), .fields(let b, let be)):
                return .fields(include: a.merging(b) { x, y in merge(x, y) }, exclude: ae.union(be))
            }
        }
    }
}

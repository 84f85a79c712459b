import Foundation
import PlaykeeperJSON

/// The pages of a paged endpoint, fetched lazily.
///
/// It follows `next` links, except on `/me/playlists`, whose `next` links have pointed at
/// `/v1/users/{id}/playlists`, a path Development Mode refuses: there it steps the offset itself.
/// It ends with an error, never loops forever, on a repeated `next`, a `limit` of 0, more pages than
/// `total` implies, or a `next` that leaves the API's host (it would carry the user's token elsewhere).
public struct PageSequence<Item: SpotifyObject>: AsyncSequence, Sendable {
    public typealias Element = Page<Item>

    enum Mode: Sendable {
        case followNext
        case stepOffset
    }

    let client: SpotifyClient
    let first: SpotifyRequest
    let mode: Mode
    let limit: Int

    public func makeAsyncIterator() -> Iterator {
        Iterator(sequence: self)
    }

    public struct Iterator: AsyncIteratorProtocol {
        let sequence: PageSequence
        private var nextRequest: SpotifyRequest?
        private var seenNext: Set<String> = []
        private var pagesRead = 0
        private var impliedPages: Int?

        init(sequence: PageSequence) {
            self.sequence = sequence
            self.nextRequest = sequence.first
        }

        public mutating func next() async throws -> Page<Item>? {
            guard let request = nextRequest else { return nil }
            let endpoint = sequence.first.endpoint
            if let impliedPages, pagesRead >= impliedPages {
                nextRequest = nil
                throw SpotifyError.paging(
                    endpoint: endpoint, detail: "more pages than total implies (\(impliedPages))")
            }
            let page: Page<Item> = try await sequence.client.send(request)
            pagesRead += 1
            nextRequest = nil

            let limit = page.limit ?? sequence.limit
            guard limit > 0 else { throw SpotifyError.paging(endpoint: endpoint, detail: "the page has limit 0") }
            if let total = page.total { impliedPages = Swift.max(1, (total + limit - 1) / limit) }

            switch sequence.mode {
            case .followNext:
                if let next = page.next {
                    guard seenNext.insert(next).inserted else {
                        throw SpotifyError.paging(endpoint: endpoint, detail: "Spotify repeated a next link")
                    }
                    let base = sequence.client.api.configuration.apiURL.absoluteString + "/"
                    guard next.hasPrefix(base), let url = URL(string: next) else {
                        throw SpotifyError.paging(endpoint: endpoint, detail: "a next link points outside the API")
                    }
                    nextRequest = SpotifyRequest(method: "GET", target: .url(url), endpoint: endpoint, body: nil)
                }
            case .stepOffset:
                let offset = (page.offset ?? 0) + page.items.count
                if !page.items.isEmpty, let total = page.total, offset < total,
                    case .path(let path, var query) = sequence.first.target
                {
                    query.removeAll { $0.0 == "offset" }
                    query.append(("offset", String(offset)))
                    nextRequest = SpotifyRequest(
                        method: "GET", target: .path(path, query: query), endpoint: endpoint, body: nil)
                }
            }
            return page
        }
    }

    /// Reads every page and returns their items in order; `nil` stands for a `null` item.
    public func allItems() async throws -> [Item?] {
        var items: [Item?] = []
        for try await page in self { items.append(contentsOf: page.items) }
        return items
    }
}

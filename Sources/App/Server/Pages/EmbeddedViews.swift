import Foundation
import Leaf
import LeafKit
import NIOCore

/// The page templates, compiled into the binary (see Package.swift) and served to Leaf from memory.
struct EmbeddedViews: LeafSource {
    static let templates: [String: [UInt8]] = [
        "base": PackageResources.base_leaf, "home": PackageResources.home_leaf, "playlist": PackageResources.playlist_leaf,
        "unified": PackageResources.unified_leaf, "journal": PackageResources.journal_leaf,
        "account": PackageResources.account_leaf, "error": PackageResources.error_leaf,
        "listening": PackageResources.listening_leaf, "smart": PackageResources.smart_leaf,
        "smart-playlist": PackageResources.smart_playlist_leaf,
    ]

    func file(template: String, escape: Bool, on eventLoop: any EventLoop) throws -> EventLoopFuture<ByteBuffer> {
        let name = template.hasSuffix(".leaf") ? String(template.dropLast(5)) : template
        guard let bytes = Self.templates[name] else {
            return eventLoop.makeFailedFuture(LeafError(.noTemplateExists(template)))
        }
        return eventLoop.makeSucceededFuture(ByteBuffer(bytes: bytes))
    }
}

import Foundation
import Library
import ZIPFoundation

/// The history files of an export, read one at a time (so a ten-year export needs the memory of one file): a
/// `.zip` as Spotify sends it, a folder (searched recursively), or single `.json` files.
struct ExportSources {
    /// The files that hold history, in name order, and how many other files were passed over.
    private(set) var files: [HistoryFileSource] = []
    private(set) var others = 0

    /// The largest history file read: Spotify's are about 12 MB; this bounds memory whatever the input says.
    static let largestFile = 256 << 20

    init(paths: [String]) throws {
        for path in paths { try add(URL(fileURLWithPath: (path as NSString).expandingTildeInPath)) }
        guard !files.isEmpty else {
            throw PlaykeeperError(
                .invalid,
                "\(paths.joined(separator: ", ")) holds no Spotify history files (Streaming_History_Audio_*.json, "
                    + "endsong_*.json or StreamingHistory*.json)")
        }
        files.sort { $0.name < $1.name }
    }

    private mutating func add(_ url: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw PlaykeeperError(.invalid, "\(url.path) does not exist")
        }
        if isDirectory.boolValue {
            let children = try FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)
            for child in children.sorted(by: { $0.path < $1.path }) { try add(child) }
        } else if url.pathExtension.lowercased() == "zip" {
            try addArchive(url)
        } else if let format = StreamingHistoryFile.format(ofName: url.lastPathComponent) {
            files.append(
                HistoryFileSource(name: url.lastPathComponent, format: format) {
                    let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
                    guard size <= Self.largestFile else { throw Self.tooLarge(url.lastPathComponent) }
                    return try Data(contentsOf: url)
                })
        } else {
            others += 1
        }
    }

    private mutating func addArchive(_ url: URL) throws {
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw PlaykeeperError(.invalid, "\(url.lastPathComponent) is not a zip file Spotify sent: \(error)")
        }
        for entry in archive where entry.type == .file {
            guard let format = StreamingHistoryFile.format(ofName: entry.path) else {
                others += 1
                continue
            }
            let name = "\(url.lastPathComponent):\(entry.path)"
            files.append(
                HistoryFileSource(name: name, format: format) { [shared = SharedArchive(archive: archive, entry: entry)] in
                    let (archive, entry) = (shared.archive, shared.entry)
                    guard entry.uncompressedSize <= UInt64(Self.largestFile) else { throw Self.tooLarge(name) }
                    var data = Data()
                    do {
                        _ = try archive.extract(entry) { chunk in
                            data.append(chunk)
                            guard data.count <= Self.largestFile else { throw Self.tooLarge(name) }
                        }
                    } catch let error as PlaykeeperError {
                        throw error
                    } catch {
                        throw PlaykeeperError(.invalid, "\(name) cannot be read from the zip: \(error)")
                    }
                    return data
                })
        }
    }

    static func tooLarge(_ name: String) -> PlaykeeperError {
        PlaykeeperError(.invalid, "\(name) is larger than \(largestFile >> 20) MB; Spotify's history files are about 12 MB")
    }
}

/// A zip shared by the readers of its entries. An import reads its files one after another (the next while the
/// last is written), never two at once, so the archive is never used by two tasks at the same time.
private struct SharedArchive: @unchecked Sendable {
    let archive: Archive
    let entry: Entry
}

import Foundation

/// Charts drawn on the server as SVG: no JavaScript, a `<title>` and a description for assistive technology, and
/// colours through presentation attributes (the Content-Security-Policy allows no inline style). Each chart has a
/// table beside it on the page, which screen readers read instead of the drawing.
enum SVGChart {
    /// A bar.
    struct Bar: Equatable {
        var label: String
        var value: Int
    }

    static let accent = "#1a7f4b"
    static let muted = "#5c6670"

    /// Vertical bars, one per label, with the largest value and a few labels on the axis.
    static func bars(id: String, title: String, summary: String, bars: [Bar], width: Int = 720, height: Int = 200) -> String {
        let (left, bottom, top) = (44, 22, 10)
        let plot = (width: width - left - 6, height: height - bottom - top)
        let largest = max(1, bars.map(\.value).max() ?? 0)
        let step = Double(plot.width) / Double(max(1, bars.count))
        var svg = open(id: id, title: title, summary: summary, width: width, height: height)
        svg += line(x1: left, y1: top + plot.height, x2: width - 6, y2: top + plot.height)
        svg += text(x: left - 6, y: top + 10, anchor: "end", String(largest))
        svg += text(x: left - 6, y: top + plot.height, anchor: "end", "0")
        for (index, bar) in bars.enumerated() where bar.value > 0 {
            let barHeight = Double(plot.height) * Double(bar.value) / Double(largest)
            svg += rect(
                x: Double(left) + Double(index) * step + step * 0.1, y: Double(top) + Double(plot.height) - barHeight,
                width: max(1, step * 0.8), height: barHeight, fill: accent, tip: "\(bar.label): \(bar.value)")
        }
        // The first, the middle and the last label, so that the axis reads at any width.
        let marks = Set([0, bars.count / 2, bars.count - 1].filter { $0 >= 0 && $0 < bars.count })
        for index in marks.sorted() {
            let x = Double(left) + (Double(index) + 0.5) * step
            let anchor = index == 0 ? "start" : index == bars.count - 1 ? "end" : "middle"
            let position = index == 0 ? Double(left) : index == bars.count - 1 ? Double(width - 6) : x
            svg += text(x: position, y: Double(height - 4), anchor: anchor, bars[index].label)
        }
        return svg + "</svg>"
    }

    static let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    /// Seven rows of 24 hours; the darker a cell, the more plays began in that hour.
    static func heatMap(id: String, title: String, summary: String, grid: [[Int]], width: Int = 720) -> String {
        let (left, top, bottom) = (40, 4, 20)
        let cell = (width: Double(width - left - 4) / 24, height: 22.0)
        let height = top + Int(cell.height * 7) + bottom
        let largest = max(1, grid.joined().max() ?? 0)
        var svg = open(id: id, title: title, summary: summary, width: width, height: height)
        for (day, hours) in grid.prefix(7).enumerated() {
            let y = Double(top) + Double(day) * cell.height
            svg += text(x: Double(left - 6), y: y + cell.height - 6, anchor: "end", weekdays[day])
            for (hour, count) in hours.prefix(24).enumerated() {
                let opacity = count == 0 ? 0.06 : 0.15 + 0.85 * Double(count) / Double(largest)
                svg += rect(
                    x: Double(left) + Double(hour) * cell.width + 1, y: y + 1, width: cell.width - 2, height: cell.height - 2,
                    fill: accent, opacity: opacity, tip: "\(weekdays[day]) \(hour):00: \(count)")
            }
        }
        for hour in stride(from: 0, to: 24, by: 6) {
            svg += text(x: Double(left) + Double(hour) * cell.width + 2, y: Double(height - 4), anchor: "start", "\(hour):00")
        }
        return svg + "</svg>"
    }

    /// One bar split into parts, each labelled with its share.
    static func split(id: String, title: String, summary: String, parts: [Bar], width: Int = 720) -> String {
        let height = 46
        let total = max(1, parts.map(\.value).reduce(0, +))
        var svg = open(id: id, title: title, summary: summary, width: width, height: height)
        var x = 0.0
        let fills = [accent, "#9bd3b4", muted]
        for (index, part) in parts.enumerated() where part.value > 0 {
            let share = Double(part.value) / Double(total)
            let partWidth = Double(width) * share
            svg += rect(
                x: x, y: 0, width: partWidth, height: 24, fill: fills[index % fills.count],
                tip: "\(part.label): \(part.value)")
            svg += text(
                x: x + 2, y: 40, anchor: "start", partWidth > 120 ? "\(part.label) \(Int((share * 100).rounded())) %" : "")
            x += partWidth
        }
        return svg + "</svg>"
    }

    /// A small bar for a table's row, out of `largest`; hidden from assistive technology (the row says it).
    static func meter(_ value: Int, of largest: Int) -> String {
        let width = 100.0 * Double(value) / Double(max(1, largest))
        return #"<svg class="meter" viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true" focusable="false">"#
            + rect(x: 0, y: 0, width: max(0.5, width), height: 8, fill: accent, tip: nil) + "</svg>"
    }

    // MARK: Pieces

    private static func open(id: String, title: String, summary: String, width: Int, height: Int) -> String {
        #"<svg class="chart" id="\#(id)" viewBox="0 0 \#(width) \#(height)" role="img" aria-labelledby="\#(id)-title \#(id)-desc" focusable="false" xmlns="http://www.w3.org/2000/svg">"#
            + #"<title id="\#(id)-title">\#(escape(title))</title><desc id="\#(id)-desc">\#(escape(summary))</desc>"#
    }

    private static func rect(
        x: Double, y: Double, width: Double, height: Double, fill: String, opacity: Double = 1, tip: String?
    ) -> String {
        let body = tip.map { "<title>\(escape($0))</title>" } ?? ""
        let attributes =
            #"x="\#(number(x))" y="\#(number(y))" width="\#(number(width))" height="\#(number(height))" fill="\#(fill)""#
            + (opacity < 1 ? #" fill-opacity="\#(number(opacity))""# : "")
        return body.isEmpty ? "<rect \(attributes)/>" : "<rect \(attributes)>\(body)</rect>"
    }

    private static func text(x: Double, y: Double, anchor: String, _ content: String) -> String {
        #"<text x="\#(number(x))" y="\#(number(y))" text-anchor="\#(anchor)" font-size="13" fill="\#(muted)">\#(escape(content))</text>"#
    }

    private static func text(x: Int, y: Int, anchor: String, _ content: String) -> String {
        text(x: Double(x), y: Double(y), anchor: anchor, content)
    }

    private static func line(x1: Int, y1: Int, x2: Int, y2: Int) -> String {
        #"<line x1="\#(x1)" y1="\#(y1)" x2="\#(x2)" y2="\#(y2)" stroke="\#(muted)" stroke-width="1"/>"#
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    /// Text as XML character data and attribute values take it.
    static func escape(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            default: output.append(character)
            }
        }
        return output
    }
}

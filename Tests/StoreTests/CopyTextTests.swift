import Foundation
import NIOCore
import Testing

@testable import Store

struct CopyTextTests {
    func text(_ build: (inout CopyText) -> Void) -> String {
        var text = CopyText()
        build(&text)
        var buffer = text.take()
        return buffer.readString(length: buffer.readableBytes) ?? ""
    }

    @Test func fieldsAreTabSeparatedAndNullIsBackslashN() {
        let row = text {
            $0.field("a")
            $0.field(nil as String?)
            $0.field(42)
            $0.field(true)
            $0.field(false as Bool?)
            $0.field(nil as Int?)
            $0.endRow()
        }
        #expect(row == "a\t\\N\t42\tt\tf\t\\N\n")
    }

    @Test func backslashesTabsAndLineBreaksAreEscaped() {
        let row = text {
            $0.field(#"{"name":"a\"b\\c"}"# + "\tx\ny\rz")
            $0.endRow()
        }
        #expect(row == #"{"name":"a\\"b\\\\c"}\tx\ny\rz"# + "\n")
    }

    @Test func datesAreUTCWithMicroseconds() {
        let row = text {
            $0.field(Date(timeIntervalSince1970: 1_767_268_800.25))
            $0.field(Date(timeIntervalSince1970: 0))
            $0.endRow()
        }
        #expect(row == "2026-01-01 12:00:00.250000+00\t1970-01-01 00:00:00.000000+00\n")
    }

    @Test func microsecondsThatRoundUpCarryIntoTheSecondAndEarlyYearsArePadded() {
        let row = text {
            $0.field(Date(timeIntervalSince1970: 1_767_268_799.999_999_9))
            $0.field(Date(timeIntervalSince1970: -59_011_459_200))
            $0.endRow()
        }
        #expect(row == "2026-01-01 12:00:00.000000+00\t0100-01-01 00:00:00.000000+00\n")
    }

    @Test func integersOfEverySignAndSize() {
        let row = text {
            $0.field(0)
            $0.field(-7)
            $0.field(Int.max)
            $0.field(Int.min)
            $0.endRow()
        }
        #expect(row == "0\t-7\t\(Int.max)\t\(Int.min)\n")
    }
}

import Testing

@testable import ChisoPresentation

/// How a render finds the previous text's lines to copy (`PrometheusText.PreviousLines`): every
/// line of a family's range, its line feed included, the last one too. A line missed makes the
/// counts disagree and the render writes the unit's lines again: the same text, so only this
/// test sees it.
@Suite struct PreviousLinesTests {
    @Test func everyLineOfAFamilysRangeWithItsLineFeed() {
        let text = Array("a 1\nbb 22\nccc 3\nd 4\n".utf8)
        text.withUnsafeBytes { bytes in
            // Families: the first two lines, the last two, nothing, and a range cut inside a line.
            let previous = PrometheusText.PreviousLines(results: [], estimates: [], ranges: [0..<10, 10..<20, 10..<10, 4..<12], text: bytes)
            #expect(previous.lines(0) == [0..<4, 4..<10])
            #expect(previous.lines(1) == [10..<16, 16..<20])
            #expect(previous.lines(2).isEmpty)
            #expect(previous.lines(3) == [4..<10], "a line without its line feed in the range is not one")
            #expect(previous.lines(4).isEmpty, "a family the text does not have")
        }
    }
}

import XCTest

@testable import Log

final class LogConfigTests: XCTestCase {
    func testKafkaDefaults() {
        let config = LogConfig()
        XCTAssertEqual(config.segmentBytes, 1_073_741_824)
        XCTAssertEqual(config.segmentMs, 604_800_000)
        XCTAssertEqual(config.retentionBytes, -1)
        XCTAssertEqual(config.retentionMs, 604_800_000)
        XCTAssertEqual(config.maxMessageBytes, 1_048_588)
        XCTAssertEqual(config.flushMessages, Int64.max)
        XCTAssertEqual(config.flushMs, Int64.max)
        XCTAssertEqual(config.indexIntervalBytes, 4096)
    }

    func testParsingOverridesAndIgnoresOthers() throws {
        let config = try LogConfig([
            "segment.bytes": "1048576", "retention.ms": "-1", "flush.messages": "1", "cleanup.policy": "delete",
        ])
        XCTAssertEqual(config.segmentBytes, 1_048_576)
        XCTAssertEqual(config.retentionMs, -1)
        XCTAssertEqual(config.flushMessages, 1)
        XCTAssertEqual(try LogConfig(config.settings), config)
    }

    func testBadValuesAreClearErrors() {
        XCTAssertThrowsError(try LogConfig(["segment.bytes": "lots"])) { error in
            XCTAssertEqual((error as? LogConfigError)?.key, "segment.bytes")
            XCTAssertTrue("\(error)".contains("not an integer"))
        }
        XCTAssertThrowsError(try LogConfig(["segment.bytes": "3000000000"]))
        XCTAssertThrowsError(try LogConfig(["retention.ms": "-2"]))
        XCTAssertThrowsError(try LogConfig(["flush.messages": "0"]))
    }
}

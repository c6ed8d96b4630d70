import BatchCompression
import Primitives
import Records
import XCTest

/// Kafka's four codecs.
let allCodecs: [CompressionCodec] = [.gzip, .snappy, .lz4, .zstd]

/// `count` bytes that do not compress.
func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var rng = SeededRandom(seed: seed)
    return (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
}

/// `count` bytes with a short period: they compress well and span several codec blocks when large.
func patternedBytes(_ count: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: ($0 &* 7) % 251) }
}

/// Runs `body` and returns the `CompressionError` it threw; fails the test when it threw nothing or something else.
@discardableResult
func compressionError<T>(
    _ body: @autoclosure () throws -> T,
    _ message: String = "",
    file: StaticString = #filePath,
    line: UInt = #line
) -> CompressionError? {
    do {
        _ = try body()
        XCTFail("expected a CompressionError \(message)", file: file, line: line)
    } catch let error as CompressionError {
        return error
    } catch {
        XCTFail("expected a CompressionError, got \(error) \(message)", file: file, line: line)
    }
    return nil
}

import BatchCompression
import Records
import XCTest

/// Kafka's four codecs.
let allCodecs: [CompressionCodec] = [.gzip, .snappy, .lz4, .zstd]

/// Tiny deterministic RNG so random inputs are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// `count` bytes that do not compress.
func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var rng = SplitMix64(seed: seed)
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

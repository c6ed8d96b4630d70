import Foundation
import Records
import XCTest

@testable import Log

/// A client batch with one record per value, timestamps `timestamp`, `timestamp + 1`, ...
func clientBatch(_ values: [String], timestamp: Int64 = 1_000, keyPrefix: String? = "k") -> [UInt8] {
    var builder = RecordBatchBuilder()
    for (index, value) in values.enumerated() {
        builder.append(
            key: keyPrefix.map { Array("\($0)\(index)".utf8) },
            value: Array(value.utf8),
            timestamp: timestamp + Int64(index)
        )
    }
    return builder.build()
}

/// A batch of `count` records of `size`-byte values.
func sizedBatch(count: Int, size: Int, timestamp: Int64 = 1_000) -> [UInt8] {
    clientBatch(
        (0..<count).map { String(repeating: Character(UnicodeScalar(UInt8(97 + $0 % 26))), count: size) },
        timestamp: timestamp
    )
}

/// Decodes every record in a slice of the log.
func records(
    in log: PartitionLog,
    from offset: Int64,
    maxBytes: Int = 1 << 30,
    upTo limit: Int64? = nil
) throws
    -> [Record]
{
    guard let slice = try log.read(from: offset, maxBytes: maxBytes, upTo: limit ?? log.logEndOffset) else { return [] }
    var reader = RecordBatchReader(try slice.readBytes(), allowPartialTrailing: false)
    return try reader.allRecords().records
}

/// Values of all records from `offset` to the end, following reads across segments.
func allValues(_ log: PartitionLog, from start: Int64? = nil) throws -> [String] {
    var offset = start ?? log.logStartOffset
    var values: [String] = []
    while offset < log.logEndOffset {
        let found = try records(in: log, from: offset)
        guard let last = found.last else { break }
        values += found.filter { $0.offset >= offset }.map { String(decoding: $0.value ?? [], as: UTF8.self) }
        offset = last.offset + 1
    }
    return values
}

/// A fresh temporary directory, removed when the test ends.
func temporaryDirectory(_ test: XCTestCase) throws -> String {
    let path = NSTemporaryDirectory() + "peer-log-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
}

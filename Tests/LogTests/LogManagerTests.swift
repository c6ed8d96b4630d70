import Foundation
import XCTest

@testable import Log

final class LogManagerTests: XCTestCase {
    func testCreateReopenAndDeleteOnRealFiles() throws {
        let root = try temporaryDirectory(self) + "/logs"
        let storage = POSIXLogStorage()
        let manager = try LogManager(storage: storage, root: root, now: 0)
        XCTAssertEqual(manager.partitions, [])
        let log = try manager.createLog(topic: "orders-eu", partition: 2, now: 0)
        try log.append(validatedBatches: clientBatch(["a", "b"]), leaderEpoch: 1, now: 0)
        try manager.createLog(topic: "x", partition: 0, now: 0)
        XCTAssertTrue(try manager.createLog(topic: "orders-eu", partition: 2, now: 0) === log)
        XCTAssertThrowsError(try manager.createLog(topic: "bad/name", partition: 0, now: 0))
        XCTAssertThrowsError(try manager.createLog(topic: "ok", partition: -1, now: 0))
        try manager.close(now: 0)

        let reopened = try LogManager(storage: storage, root: root, now: 0)
        XCTAssertEqual(
            reopened.partitions,
            [TopicPartition(topic: "orders-eu", partition: 2), TopicPartition(topic: "x", partition: 0)]
        )
        let again = try XCTUnwrap(reopened.log(topic: "orders-eu", partition: 2))
        XCTAssertEqual(again.logEndOffset, 2)
        XCTAssertEqual(try allValues(again), ["a", "b"])
        // The slice's descriptor reads the same bytes as the slice (what sendfile would send).
        let slice = try XCTUnwrap(try again.read(from: 0, maxBytes: 1 << 20, upTo: 2))
        let descriptor = try XCTUnwrap(slice.fileDescriptor)
        var viaDescriptor = [UInt8](repeating: 0, count: slice.length)
        let got = viaDescriptor.withUnsafeMutableBytes {
            pread(descriptor, $0.baseAddress, slice.length, off_t(slice.position))
        }
        XCTAssertEqual(got, slice.length)
        XCTAssertEqual(viaDescriptor, try slice.readBytes())
        XCTAssertTrue(slice.path.hasSuffix("/orders-eu-2/00000000000000000000.log"))
        try reopened.deleteLog(topic: "orders-eu", partition: 2)
        XCTAssertFalse(storage.exists(root + "/orders-eu-2"))
        XCTAssertEqual(
            try LogManager(storage: storage, root: root, now: 0).partitions,
            [TopicPartition(topic: "x", partition: 0)]
        )
    }

    func testDirectoryNames() {
        XCTAssertEqual(TopicPartition(directoryName: "a-b-12"), TopicPartition(topic: "a-b", partition: 12))
        XCTAssertNil(TopicPartition(directoryName: "nodash"))
        XCTAssertNil(TopicPartition(directoryName: "t-"))
        XCTAssertNil(TopicPartition(directoryName: "-3"))
    }
}

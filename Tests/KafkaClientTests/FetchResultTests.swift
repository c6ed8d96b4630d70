import KafkaClient
import KafkaProtocol
import Records
import Testing

@Suite struct FetchResultTests {
    private func batch(baseOffset: Int64, values: [String]) -> [UInt8] {
        var builder = RecordBatchBuilder()
        builder.baseOffset = baseOffset
        for (i, value) in values.enumerated() {
            builder.append(key: nil, value: Array(value.utf8), timestamp: 1000 + Int64(i))
        }
        return builder.build()
    }

    @Test func recordsBeforeTheFetchOffsetAreDroppedAndAPartialTailIgnored() throws {
        let first = batch(baseOffset: 0, values: ["a", "b", "c"])
        let second = batch(baseOffset: 3, values: ["d", "e"])
        let third = batch(baseOffset: 5, values: ["f"])
        let bytes = first + second + Array(third.prefix(third.count - 3))
        let partition = FetchResponse.Topic.Partition(
            partitionIndex: 0,
            highWatermark: 6,
            lastStableOffset: 6,
            logStartOffset: 0,
            records: .bytes(bytes)
        )
        let result = try FetchResult(fetchOffset: 1, partition: partition)
        let records = try result.records().records
        #expect(records.map(\.offset) == [1, 2, 3, 4])
        #expect(records.map { String(decoding: $0.value ?? [], as: UTF8.self) } == ["b", "c", "d", "e"])
        #expect(result.batchCount == 2)
        #expect(result.nextOffset == 5)
        #expect(result.highWatermark == 6)

        let empty = try FetchResult(fetchOffset: 6, partition: .init(highWatermark: 6, records: .bytes([])))
        #expect(try empty.records().records.isEmpty)
        #expect(empty.nextOffset == 6)
    }

    /// Sets a batch's attributes and recomputes its CRC, as a producer would have written it.
    private func withAttributes(_ attributes: Int16, _ batch: [UInt8]) -> [UInt8] {
        var bytes = batch
        bytes[21] = UInt8(truncatingIfNeeded: attributes >> 8)
        bytes[22] = UInt8(truncatingIfNeeded: attributes)
        let crc = CRC32C.checksum(bytes[21...])
        for i in 0..<4 { bytes[17 + i] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * i)) }
        return bytes
    }

    @Test func controlBatchesAreSkippedAndCompressedOnesReported() throws {
        let plain = batch(baseOffset: 0, values: ["a"])
        let marker = withAttributes(0x30, batch(baseOffset: 1, values: ["m"]))  // transactional control batch
        let gzip = withAttributes(0x01, batch(baseOffset: 2, values: ["z", "z"]))
        let result = try FetchResult(fetchOffset: 0, partition: .init(records: .bytes(plain + marker + gzip)))
        let (records, compressed) = try result.records()
        #expect(records.map(\.offset) == [0])
        #expect(compressed.map(\.baseOffset) == [2])
        #expect(result.nextOffset == 4)
        #expect(result.batchCount == 3)
    }

    @Test func corruptBatchesAreErrors() {
        var bytes = batch(baseOffset: 0, values: ["a", "b"])
        bytes[bytes.count - 1] ^= 0xff
        #expect(throws: (any Error).self) {
            try FetchResult(fetchOffset: 0, partition: .init(records: .bytes(bytes))).records()
        }
    }

    @Test func metadataFindsLeaders() {
        let response = MetadataResponse(
            brokers: [.init(nodeId: 1, host: "a", port: 9092), .init(nodeId: 2, host: "b", port: 9093)],
            controllerId: 2,
            topics: [
                .init(
                    name: "t",
                    partitions: [
                        .init(partitionIndex: 1, leaderId: -1, replicaNodes: [1], isrNodes: []),
                        .init(partitionIndex: 0, leaderId: 2, replicaNodes: [2, 1], isrNodes: [2]),
                    ]
                )
            ]
        )
        let metadata = ClusterMetadata(response)
        #expect(metadata.leader(topic: "t", partition: 0)?.host == "b")
        #expect(metadata.leader(topic: "t", partition: 1) == nil)
        #expect(metadata.topics["t"]?.partitionCount == 2)
        #expect(metadata.topics["t"]?.available == [0])
        #expect(metadata.controllerId == 2)
    }
}

import KafkaProtocol
import Records
import Testing

@testable import KafkaClient

@Suite struct ClientEndToEndTests {
    @Test func produceWithSeveralBatchesInFlightThenConsumeFromTheMiddle() async throws {
        let broker = FakeBroker()
        try await broker.start()
        let client = KafkaClient(bootstrap: "127.0.0.1:\(broker.port)")
        let producer = KafkaProducer(client: client, acks: 1, batchBytes: 200, maxInFlight: 4)
        for i in 0..<100 {
            try await producer.send(
                topic: "t",
                key: i % 2 == 0 ? nil : Array("k\(i)".utf8),
                value: Array("value-\(i)".utf8),
                headers: [RecordHeader(key: "h", value: [UInt8(i)])],
                timestamp: 1_700_000_000_000 + Int64(i)
            )
        }
        var prebuilt = RecordBatchBuilder()
        for i in 100..<103 { prebuilt.append(key: nil, value: Array("value-\(i)".utf8), timestamp: 1) }
        try await producer.send(batch: prebuilt.build(), recordCount: 3, topic: "t", partition: 0)
        try await producer.flush()
        let statistics = await producer.statistics
        #expect(statistics.records == 103)
        #expect(statistics.batches > 5)

        #expect(try await client.listOffset(topic: "t", partition: 0, timestamp: KafkaClient.latest) == 103)
        #expect(try await client.listOffset(topic: "t", partition: 0, timestamp: KafkaClient.earliest) == 0)

        var offset: Int64 = 37
        var values: [String] = []
        while offset < 103 {
            let result = try await client.fetch(topic: "t", partition: 0, offset: offset)
            #expect(result.error == .noError)
            #expect(result.highWatermark == 103)
            values += try result.records().records.map { String(decoding: $0.value ?? [], as: UTF8.self) }
            #expect(result.nextOffset > offset)
            offset = result.nextOffset
        }
        // Pipelined batches to one partition arrive in the order they were sent.
        #expect(values == (37..<103).map { "value-\($0)" })
        await client.close()
        try await broker.stop()
    }

    @Test func notLeaderRefreshesMetadataAndRetries() async throws {
        let broker = FakeBroker()
        try await broker.start()
        try await broker.onLoop { $0.notLeaderAnswers = 2 }
        var configuration = KafkaClient.Configuration(bootstrap: ["127.0.0.1:\(broker.port)"])
        configuration.retryBackoff = .milliseconds(1)
        let client = KafkaClient(configuration: configuration)
        var builder = RecordBatchBuilder()
        builder.append(key: nil, value: [1, 2, 3], timestamp: 5)
        let result = try await client.produce(topic: "t", partition: 0, records: builder.build(), acks: -1)
        #expect(result?.baseOffset == 0)
        #expect(try await broker.onLoop { $0.metadataRequests } >= 3)
        #expect(try await broker.onLoop { $0.producedBatches } == 1)

        await #expect(throws: KafkaClientError.self) {
            try await client.produce(topic: "missing", partition: 0, records: builder.build())
        }
        try await client.createTopic("new", partitions: 1, replicationFactor: 1)
        #expect(try await client.topic("new").partitionCount == 1)
        await client.close()
        try await broker.stop()
    }

    @Test func producerResendsAfterNotLeaderAndReportsOtherErrors() async throws {
        let broker = FakeBroker()
        try await broker.start()
        try await broker.onLoop { $0.notLeaderAnswers = 1 }
        var configuration = KafkaClient.Configuration(bootstrap: ["127.0.0.1:\(broker.port)"])
        configuration.retryBackoff = .milliseconds(1)
        let client = KafkaClient(configuration: configuration)
        let producer = KafkaProducer(client: client, acks: -1, batchBytes: 100, maxInFlight: 3)
        for i in 0..<30 {
            try await producer.send(topic: "t", partition: 0, key: nil, value: Array("v\(i)".utf8), timestamp: 1)
        }
        try await producer.flush()
        #expect(try await client.listOffset(topic: "t", partition: 0, timestamp: KafkaClient.latest) == 30)

        try await broker.onLoop { $0.produceError = .corruptMessage }
        try await producer.send(topic: "t", partition: 0, key: nil, value: [1], timestamp: 1)
        await #expect(throws: KafkaClientError.self) { try await producer.flush() }
        await client.close()
        try await broker.stop()
    }

    @Test func unreachableBrokerIsATypedError() async throws {
        var configuration = KafkaClient.Configuration(bootstrap: ["127.0.0.1:1"])
        configuration.retries = 0
        let client = KafkaClient(configuration: configuration)
        await #expect(throws: KafkaClientError.self) { try await client.refreshMetadata() }
    }
}

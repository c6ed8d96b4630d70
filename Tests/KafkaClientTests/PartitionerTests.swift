import KafkaClient
import Primitives
import Testing

@Suite struct PartitionerTests {
    /// Vectors from Kafka's own tests of its Java murmur2 (UtilsTest.testMurmur2).
    @Test func murmur2MatchesKafkasJavaClient() {
        let vectors: [(String, Int32)] = [
            ("21", -973_932_308),
            ("foobar", -790_332_482),
            ("a-little-bit-long-string", -985_981_536),
            ("a-little-bit-longer-string", -1_486_304_829),
            ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971),
            ("abc", 479_470_107),
        ]
        for (key, expected) in vectors {
            #expect(Murmur2.hash(Array(key.utf8)) == expected, "\(key)")
        }
    }

    @Test func keyedRecordsGoToThePositiveHashModuloPartitions() {
        // murmur2("foobar") = -790332482; & 0x7fffffff = 1357151166; % 7 = 1357151166 - 7 * 193878738 = 0
        #expect(KafkaPartitioner.partition(forKey: Array("foobar".utf8), partitionCount: 7) == 0)
        // murmur2("abc") = 479470107 (positive); % 10 = 7
        #expect(KafkaPartitioner.partition(forKey: Array("abc".utf8), partitionCount: 10) == 7)
        var partitioner = KafkaPartitioner()
        var rng = SeededRandom(seed: 1)
        for _ in 0..<5 {
            let p = partitioner.partition(
                topic: "t",
                key: Array("abc".utf8),
                partitionCount: 10,
                recordBytes: 100,
                using: &rng
            )
            #expect(p == 7)
        }
    }

    @Test func keylessRecordsStickForABatchThenMove() {
        var partitioner = KafkaPartitioner(stickyBatchBytes: 100)
        var rng = SeededRandom(seed: 7)
        var runs: [(partition: Int32, count: Int)] = []
        for _ in 0..<400 {
            let p = partitioner.partition(topic: "t", key: nil, partitionCount: 8, recordBytes: 10, using: &rng)
            if let last = runs.last, last.partition == p {
                runs[runs.count - 1].count += 1
            } else {
                runs.append((p, 1))
            }
        }
        // Every stint is a whole number of 10-record batches (a new choice can land on the same partition).
        #expect(runs.allSatisfy { $0.count % 10 == 0 })
        #expect(Set(runs.map(\.partition)).count >= 4)
        // Only available partitions are chosen.
        var other = KafkaPartitioner(stickyBatchBytes: 10)
        for _ in 0..<50 {
            let p = other.partition(
                topic: "u",
                key: nil,
                partitionCount: 8,
                available: [2, 5],
                recordBytes: 10,
                using: &rng
            )
            #expect(p == 2 || p == 5)
        }
    }
}

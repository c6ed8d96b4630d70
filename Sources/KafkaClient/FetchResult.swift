import KafkaProtocol
import Records

/// What one Fetch returned for one partition, with the record batches decoded.
public struct FetchResult: Sendable {
    public var error: KafkaError
    public var highWatermark: Int64
    public var lastStableOffset: Int64
    public var logStartOffset: Int64
    /// Records at or after the fetch offset, in offset order (the batch holding the fetch offset comes whole;
    /// its earlier records are dropped here). Control records (transaction markers) are left out.
    public var records: [Record]
    /// Compressed batches: this client has no decompressor, so it reports and skips them.
    public var compressedBatches: [RecordBatchHeader]
    /// Where the next fetch should start.
    public var nextOffset: Int64

    /// Decodes the partition data of a fetch at `fetchOffset`.
    public init(fetchOffset: Int64, partition: FetchResponse.Topic.Partition) throws {
        error = partition.errorCode
        highWatermark = partition.highWatermark
        lastStableOffset = partition.lastStableOffset
        logStartOffset = partition.logStartOffset
        records = []
        compressedBatches = []
        nextOffset = fetchOffset
        guard case .bytes(let bytes) = partition.records, !bytes.isEmpty else { return }
        var reader = RecordBatchReader(bytes, verifyCRC: true, allowPartialTrailing: true)
        while let batch = try reader.next() {
            let header = batch.header
            guard header.lastOffset >= fetchOffset else { continue }
            nextOffset = max(nextOffset, header.nextOffset)
            if header.attributes & 0x20 != 0 { continue }  // control batch
            switch try batch.records() {
            case .records(let batchRecords):
                records.append(contentsOf: batchRecords.lazy.filter { $0.offset >= fetchOffset })
            case .compressed:
                compressedBatches.append(header)
            }
        }
    }
}

import KafkaProtocol
import Records

/// What one Fetch returned for one partition. The record batches stay as bytes until `records()` decodes them,
/// so a consumer that only counts bytes (a benchmark) pays for no per-record work.
public struct FetchResult: Sendable {
    public var error: KafkaError
    public var highWatermark: Int64
    public var lastStableOffset: Int64
    public var logStartOffset: Int64
    /// The offset this fetch started at.
    public var fetchOffset: Int64
    /// The record-batch bytes as the broker sent them (whole batches; a cut-off batch may end them).
    public var bytes: [UInt8]
    /// Complete batches in `bytes` that reach the fetch offset.
    public var batchCount: Int
    /// Where the next fetch should start: after the last complete batch, or `fetchOffset` when there was none.
    public var nextOffset: Int64

    /// Reads the partition data of a fetch at `fetchOffset`, walking only the batch headers.
    public init(fetchOffset: Int64, partition: FetchResponse.Topic.Partition) throws {
        error = partition.errorCode
        highWatermark = partition.highWatermark
        lastStableOffset = partition.lastStableOffset
        logStartOffset = partition.logStartOffset
        self.fetchOffset = fetchOffset
        if case .bytes(let bytes) = partition.records { self.bytes = bytes } else { self.bytes = [] }
        batchCount = 0
        nextOffset = fetchOffset
        var reader = RecordBatchReader(bytes, verifyCRC: false, allowPartialTrailing: true)
        while let batch = try reader.next() {
            guard batch.header.lastOffset >= fetchOffset else { continue }
            batchCount += 1
            nextOffset = max(nextOffset, batch.header.nextOffset)
        }
    }

    /// The records at or after the fetch offset, in offset order (the batch holding the fetch offset comes whole;
    /// its earlier records are dropped here), without control records (transaction markers). Compressed batches
    /// are returned apart: this client has no decompressor. Throws on a damaged batch (CRC checked by default).
    public func records(verifyCRC: Bool = true) throws -> (records: [Record], compressedBatches: [RecordBatchHeader]) {
        var records: [Record] = []
        var compressed: [RecordBatchHeader] = []
        var reader = RecordBatchReader(bytes, verifyCRC: verifyCRC, allowPartialTrailing: true)
        while let batch = try reader.next() {
            let header = batch.header
            guard header.lastOffset >= fetchOffset, header.attributes & 0x20 == 0 else { continue }
            switch try batch.records() {
            case .records(let batchRecords):
                records.append(contentsOf: batchRecords.lazy.filter { $0.offset >= fetchOffset })
            case .compressed:
                compressed.append(header)
            }
        }
        return (records, compressed)
    }

    /// The records at or after the fetch offset, as `records(verifyCRC:)` selects them, with compressed batches
    /// decoded by `decompressor` (BatchCompression's `RecordCompression.decompressor()`).
    public func records(verifyCRC: Bool = true, decompressor: RecordsDecompressor) throws -> [Record] {
        var records: [Record] = []
        var reader = RecordBatchReader(bytes, verifyCRC: verifyCRC, allowPartialTrailing: true)
        while let batch = try reader.next() {
            guard batch.header.lastOffset >= fetchOffset, !batch.header.isControl else { continue }
            records += try batch.records(decompressor: decompressor).filter { $0.offset >= fetchOffset }
        }
        return records
    }
}

/// What crossed the simulated wire: datagrams, streams, drops by cause and sealing rejections by reason.
struct TrafficFigures {
    var datagramsSent = 0
    var datagramBytes = 0
    var largestDatagram = 0
    var datagramsDelivered = 0
    var droppedByLoss = 0
    var droppedByPartition = 0
    var droppedNodeDown = 0
    var duplicated = 0
    var streamsOpened = 0
    var streamsFailed = 0
    var streamBytes = 0
    /// By `SealingError.label`.
    var rejectedBySealing: [String: Int] = [:]
    var decodeErrors = 0
    /// Datagrams of the partitions core (`WireFormat.controlKind`), among `datagramsSent`.
    var controlDatagrams = 0

    /// The report's traffic section; `nodeSeconds` is nodes × virtual seconds.
    func report(nodeSeconds: Double, maxDatagram: Int) -> SimulationReport.Traffic {
        SimulationReport.Traffic(
            datagramsSent: datagramsSent,
            datagramBytes: datagramBytes,
            messagesPerNodePerSecond: Double(datagramsSent) / nodeSeconds,
            bytesPerNodePerSecond: Double(datagramBytes) / nodeSeconds,
            largestDatagram: largestDatagram,
            maxDatagram: maxDatagram,
            datagramsDelivered: datagramsDelivered,
            droppedByLoss: droppedByLoss,
            droppedByPartition: droppedByPartition,
            droppedNodeDown: droppedNodeDown,
            duplicated: duplicated,
            streamsOpened: streamsOpened,
            streamsFailed: streamsFailed,
            streamBytes: streamBytes,
            rejectedBySealing: rejectedBySealing,
            decodeErrors: decodeErrors
        )
    }
}

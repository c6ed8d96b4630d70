import KafkaProtocol

/// A byte range of a segment file, sent to the client with sendfile.
struct FileSlice: Sendable, Equatable {
    var path: String
    var position: Int
    var length: Int
}

/// What the broker does with one request on a connection.
enum KafkaReply: Sendable {
    /// Write this frame; `external` parts are filled from `files` by their token.
    case frame([EncodedPart], files: [Int: FileSlice])
    /// Nothing goes back (a Produce request with acks=0).
    case none
    /// Close the connection, as Kafka does for a request it cannot parse or an unknown API.
    case close(reason: String)
}

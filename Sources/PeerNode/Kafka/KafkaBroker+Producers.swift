import KafkaProtocol

/// InitProducerId for idempotent producers. Transactions (a transactional id) come with the transaction
/// coordinator; until then such a request is refused.
extension KafkaBroker {
    func initProducerID(_ request: InitProducerIdRequest) -> InitProducerIdResponse {
        guard request.transactionalId == nil else {
            return InitProducerIdResponse(errorCode: .invalidRequest)
        }
        guard let id = producerIDs.allocate() else {
            logger.error("cannot record a producer id block in the data directory")
            return InitProducerIdResponse(errorCode: .kafkaStorageError)
        }
        return InitProducerIdResponse(errorCode: .noError, producerId: id, producerEpoch: 0)
    }
}

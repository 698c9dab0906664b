//! Errors the cluster recovers from by itself, and retrying a request through them.

use std::time::{Duration, Instant};

use rdkafka::error::{KafkaError, KafkaResult};
use rdkafka::types::RDKafkaErrorCode;

/// The broker or librdkafka error code, including the one inside an admin-operation error
/// (which `KafkaError::rdkafka_error_code` does not look into).
pub(super) fn admin_error_code(error: &KafkaError) -> Option<RDKafkaErrorCode> {
    match error {
        KafkaError::AdminOp(code) => Some(*code),
        other => other.rdkafka_error_code(),
    }
}

/// Whether `error` is one that librdkafka recovers from by itself, retrying: a broker down or
/// restarting, a partition's leadership or a group's coordinator moving to another node. A
/// client that meets one waits and tries again instead of giving up.
pub fn is_transient(error: &KafkaError) -> bool {
    if matches!(error, KafkaError::MessageConsumptionFatal(_)) {
        return false;
    }
    matches!(
        admin_error_code(error),
        Some(
            RDKafkaErrorCode::BrokerTransportFailure
                | RDKafkaErrorCode::AllBrokersDown
                | RDKafkaErrorCode::OperationTimedOut
                | RDKafkaErrorCode::RequestTimedOut
                | RDKafkaErrorCode::NetworkException
                | RDKafkaErrorCode::LeaderNotAvailable
                | RDKafkaErrorCode::NotLeaderForPartition
                | RDKafkaErrorCode::NotCoordinator
                | RDKafkaErrorCode::CoordinatorNotAvailable
                | RDKafkaErrorCode::CoordinatorLoadInProgress
                | RDKafkaErrorCode::NotEnoughReplicas
                | RDKafkaErrorCode::NotEnoughReplicasAfterAppend
                | RDKafkaErrorCode::FencedLeaderEpoch
                | RDKafkaErrorCode::UnknownLeaderEpoch
                | RDKafkaErrorCode::OffsetNotAvailable
        )
    )
}

/// `request`'s outcome, asked again every 200 ms while it fails with a [transient](is_transient)
/// error and `deadline` has not passed: a metadata or watermark request made while a node
/// restarts, or just after a topic was created, before every node knows its leader.
pub fn retry_transient<T>(
    deadline: Instant,
    mut request: impl FnMut() -> KafkaResult<T>,
) -> KafkaResult<T> {
    loop {
        match request() {
            Err(error) if is_transient(&error) && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(200));
            }
            outcome => return outcome,
        }
    }
}

//! Producing with every delivery report counted, and with back-pressure from a full queue.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::error::{KafkaError, KafkaResult};
use rdkafka::message::{Message, ToBytes};
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{ClientConfig, ClientContext};
use tracing::warn;

use model::report::Report;

/// Acknowledgement counts, shared with the delivery callback: a producer knows it lost nothing
/// only when every message it handed over was acknowledged.
#[derive(Debug, Default)]
pub struct Deliveries {
    pub delivered: AtomicU64,
    pub failed: AtomicU64,
}

/// A producer context that counts delivery reports and logs failures.
pub struct CountingContext {
    deliveries: Arc<Deliveries>,
}

impl ClientContext for CountingContext {}

impl ProducerContext for CountingContext {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        match result {
            Ok(_) => self.deliveries.delivered.fetch_add(1, Ordering::Relaxed),
            Err((error, message)) => {
                let key = message.key().map(String::from_utf8_lossy);
                warn!(error = %Report(error), topic = message.topic(), key = key.as_deref().unwrap_or(""), "message not delivered");
                self.deliveries.failed.fetch_add(1, Ordering::Relaxed)
            }
        };
    }
}

/// A producer whose deliveries are counted.
pub type CountingProducer = ThreadedProducer<CountingContext>;

/// Creates a producer from `config` and the counters its delivery reports go to.
pub fn counting_producer(
    config: &ClientConfig,
) -> Result<(CountingProducer, Arc<Deliveries>), KafkaError> {
    let deliveries = Arc::new(Deliveries::default());
    let producer = config.create_with_context(CountingContext {
        deliveries: Arc::clone(&deliveries),
    })?;
    Ok((producer, deliveries))
}

/// Hands a message to the producer, waiting while its local queue is full: that wait is the
/// back-pressure that paces a source faster than the broker.
pub fn send_waiting<C, K, P>(
    producer: &ThreadedProducer<C>,
    mut record: BaseRecord<'_, K, P, C::DeliveryOpaque>,
) -> Result<(), KafkaError>
where
    C: ProducerContext,
    K: ToBytes + ?Sized,
    P: ToBytes + ?Sized,
{
    loop {
        match producer.send(record) {
            Ok(()) => return Ok(()),
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                record = back;
                std::thread::sleep(Duration::from_millis(5));
            }
            Err((error, _)) => return Err(error),
        }
    }
}

/// How long [`flush`] serves delivery reports between two looks at what is still in flight.
const FLUSH_STEP: Duration = Duration::from_millis(1);

/// Waits up to `timeout` until everything handed to `producer` is acknowledged (or failed),
/// serving delivery reports with `poll` (the producer's own `poll`) in the meantime.
///
/// rust-rdkafka's `Producer::flush` serves them in steps of up to 100 ms that each run to their
/// end, so whenever anything is in flight it takes at least 100 ms. The consumer flushes at
/// every commit inside its poll loop, and each of those flushes delayed its early updates by
/// 100 ms (BENCHMARKS.md, "Latency").
pub fn flush<C, P>(producer: &P, poll: impl Fn(Duration), timeout: Duration) -> KafkaResult<()>
where
    C: ProducerContext,
    P: Producer<C>,
{
    let deadline = Instant::now() + timeout;
    loop {
        // With no time to wait, only looks whether anything is still in flight.
        match producer.flush(Duration::ZERO) {
            Err(KafkaError::Flush(RDKafkaErrorCode::OperationTimedOut))
                if Instant::now() < deadline =>
            {
                poll(FLUSH_STEP)
            }
            done => return done,
        }
    }
}

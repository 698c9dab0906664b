//! The HTTP side: the API, live stream and dashboard, rebuilt from the result topic by a reader
//! of its own, and the Prometheus metrics the driver records.

pub mod http;
pub mod metrics;
pub(crate) mod results_reader;
pub(crate) mod results_view;
pub(crate) mod rising_view;

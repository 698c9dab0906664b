//! What a merged window becomes, pure: result-topic records and their schema, the console
//! table, and how often early records go out.

pub(crate) mod coalesce;
pub mod records;
pub(crate) mod rising;
pub(crate) mod schema;
pub(crate) mod table;

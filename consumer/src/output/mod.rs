//! What a merged window becomes, pure: result-topic records and their schema, and the console
//! table.

pub mod records;
pub(crate) mod rising;
pub(crate) mod schema;
pub(crate) mod table;

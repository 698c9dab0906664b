//! What a merged window becomes, pure: result-topic records and their schema, and the console
//! table.

pub mod records;
pub mod schema;
pub mod table;

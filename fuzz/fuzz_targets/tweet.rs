//! Arbitrary bytes as a Kafka message: both tweet parsers, hashtag extraction, case folding and
//! `created_at` parsing, with the invariants of `model::fuzzing::check_message`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| model::fuzzing::check_message(data));

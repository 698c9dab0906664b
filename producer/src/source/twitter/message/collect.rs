//! Tolerant, allocation-free reading of JSON values: a [`Collect`] gathers the few fields it
//! wants from an object or array as the parser passes them and skips the rest unbuilt, and a
//! value of an unexpected type is reported as such rather than failing the whole message.

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// Gathers what matters from one JSON object (or array) as it is read.
pub(super) trait Collect<'de> {
    /// The keys whose values [`Collect::field`] reads; others are skipped.
    fn keys(&self) -> &'static [&'static str] {
        &[]
    }

    /// Reads the value of `key`, one of [`Collect::keys`].
    fn field<A: MapAccess<'de>>(&mut self, key: &'static str, map: &mut A) -> Result<(), A::Error> {
        let _ = key;
        map.next_value::<IgnoredAny>().map(drop)
    }

    /// Reads one array element; returns false once there are none left.
    fn element<A: SeqAccess<'de>>(&mut self, seq: &mut A) -> Result<bool, A::Error> {
        Ok(seq.next_element::<IgnoredAny>()?.is_some())
    }
}

/// What a JSON value turned out to be, with what was collected from it.
pub(super) enum Shape<T> {
    Object(T),
    Array(T),
    /// Any other value, described for error messages.
    Other(&'static str),
}

/// Reads one JSON value of any type into a [`Shape`], collecting with `T`.
pub(super) struct ObjectSeed<T>(pub(super) T);

impl<'de, T: Collect<'de>> DeserializeSeed<'de> for ObjectSeed<T> {
    type Value = Shape<T>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Shape<T>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, T: Collect<'de>> Visitor<'de> for ObjectSeed<T> {
    type Value = Shape<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Shape<T>, E> {
        Ok(Shape::Other("a boolean"))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Shape<T>, E> {
        Ok(Shape::Other("a number"))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Shape<T>, E> {
        Ok(Shape::Other("a number"))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Shape<T>, E> {
        Ok(Shape::Other("a number"))
    }

    fn visit_str<E>(self, _: &str) -> Result<Shape<T>, E> {
        Ok(Shape::Other("a string"))
    }

    fn visit_unit<E>(self) -> Result<Shape<T>, E> {
        Ok(Shape::Other("null"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Shape<T>, A::Error> {
        let mut collector = self.0;
        while collector.element(&mut seq)? {}
        Ok(Shape::Array(collector))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape<T>, A::Error> {
        let mut collector = self.0;
        while let Some(key) = map.next_key_seed(KeySeed(collector.keys()))? {
            match key {
                Some(key) => collector.field(key, &mut map)?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Shape::Object(collector))
    }
}

/// Reads `value`'s object into a fresh `T`; `None` if it is not an object.
pub(super) fn object<'de, T, A>(map: &mut A) -> Result<Option<T>, A::Error>
where
    T: Collect<'de> + Default,
    A: MapAccess<'de>,
{
    match map.next_value_seed(ObjectSeed(T::default()))? {
        Shape::Object(t) => Ok(Some(t)),
        _ => Ok(None),
    }
}

/// Reads the value's array into a fresh `T`; `None` if it is not an array.
pub(super) fn array<'de, T, A>(map: &mut A) -> Result<Option<T>, A::Error>
where
    T: Collect<'de> + Default,
    A: MapAccess<'de>,
{
    match map.next_value_seed(ObjectSeed(T::default()))? {
        Shape::Array(t) => Ok(Some(t)),
        _ => Ok(None),
    }
}

/// Skips the value, which counts as present whatever it is.
pub(super) fn present<'de, A: MapAccess<'de>>(map: &mut A) -> Result<bool, A::Error> {
    map.next_value::<IgnoredAny>()?;
    Ok(true)
}

/// Matches an object key against a list of wanted keys without allocating.
struct KeySeed(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Option<&'static str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Option<&'static str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().copied().find(|wanted| *wanted == key))
    }
}

/// A JSON value read for a number or a string field; anything else is
/// skipped and kept as `Other`, so that unexpected types never fail.
pub(super) enum Scalar<'de> {
    U64(u64),
    Str(Cow<'de, str>),
    Other,
}

impl<'de> Scalar<'de> {
    /// The value as an unsigned integer, accepting decimal strings since
    /// Twitter sends ids (and some counts) as strings.
    pub(super) fn into_u64(self) -> Option<u64> {
        match self {
            Scalar::U64(n) => Some(n),
            Scalar::Str(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                s.parse().ok()
            }
            _ => None,
        }
    }

    pub(super) fn into_str(self) -> Option<Cow<'de, str>> {
        match self {
            Scalar::Str(s) => Some(s),
            _ => None,
        }
    }
}

impl<'de> serde::Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Other)
    }

    fn visit_i64<E>(self, n: i64) -> Result<Scalar<'de>, E> {
        Ok(u64::try_from(n).map_or(Scalar::Other, Scalar::U64))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::U64(n))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Other)
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Str(Cow::Borrowed(s)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Scalar<'de>, E> {
        // Only strings with escapes end up here; they need a copy.
        Ok(Scalar::Str(Cow::Owned(s.to_owned())))
    }

    fn visit_unit<E>(self) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Other)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar<'de>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar<'de>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }
}

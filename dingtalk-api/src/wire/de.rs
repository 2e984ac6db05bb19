//! Lenient deserializers for response fields.
//!
//! DingTalk drifts: `"errcode":"0"`, `"order":"176318668975061512"`, `"active":"true"`,
//! `null` where a list belongs, lists as `"a|b|c"`. Decoding accepts every such spelling of
//! the *same* value and still rejects a value of another kind (text where a number belongs),
//! so nothing is silently misread. 64-bit integers never pass through `f64`.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{
    DeserializeOwned, DeserializeSeed, Deserializer, Error, MapAccess, SeqAccess, Visitor,
};

/// A JSON scalar as it arrived; text is borrowed (from the body, or serde_json's scratch
/// buffer for strings with escapes), so reading a scalar copies text at most once.
#[derive(Debug, Clone, Copy)]
pub enum Raw<'a> {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Text(&'a str),
}

impl fmt::Display for Raw<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Raw::Null => f.write_str("null"),
            Raw::Bool(v) => write!(f, "boolean `{v}`"),
            Raw::Int(v) => write!(f, "integer `{v}`"),
            Raw::UInt(v) => write!(f, "integer `{v}`"),
            Raw::Float(v) => write!(f, "number `{v}`"),
            Raw::Text(v) => write!(f, "string {v:?}"),
        }
    }
}

/// A scalar that can be read from any spelling DingTalk uses for it.
pub trait Scalar: Sized {
    const EXPECTED: &'static str;
    fn from_raw(raw: &Raw<'_>) -> Option<Self>;
    /// Whether `""` means "absent" for an optional field of this type.
    const EMPTY_IS_NONE: bool = true;
}

fn int_from_text(text: &str) -> Option<i64> {
    let text = text.trim();
    text.parse::<i64>().ok().or_else(|| {
        // "12.0" is the same integer; "12.5" is not.
        let f: f64 = text.parse().ok()?;
        (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
    })
}

impl Scalar for i64 {
    const EXPECTED: &'static str = "an integer";
    fn from_raw(raw: &Raw<'_>) -> Option<Self> {
        match raw {
            Raw::Int(v) => Some(*v),
            Raw::UInt(v) => i64::try_from(*v).ok(),
            Raw::Float(v) if v.fract() == 0.0 && v.abs() < 9.0e15 => Some(*v as i64),
            Raw::Text(t) => int_from_text(t),
            _ => None,
        }
    }
}

impl Scalar for i32 {
    const EXPECTED: &'static str = "a 32-bit integer";
    fn from_raw(raw: &Raw<'_>) -> Option<Self> {
        i64::from_raw(raw).and_then(|v| i32::try_from(v).ok())
    }
}

impl Scalar for f64 {
    const EXPECTED: &'static str = "a number";
    fn from_raw(raw: &Raw<'_>) -> Option<Self> {
        match raw {
            Raw::Int(v) => Some(*v as f64),
            Raw::UInt(v) => Some(*v as f64),
            Raw::Float(v) => Some(*v),
            Raw::Text(t) => t.trim().parse().ok().filter(|v: &f64| v.is_finite()),
            _ => None,
        }
    }
}

impl Scalar for bool {
    const EXPECTED: &'static str = "a boolean";
    fn from_raw(raw: &Raw<'_>) -> Option<Self> {
        match raw {
            Raw::Bool(v) => Some(*v),
            Raw::Int(0) | Raw::UInt(0) => Some(false),
            Raw::Int(1) | Raw::UInt(1) => Some(true),
            Raw::Text(t) => match t.trim() {
                "true" | "True" | "TRUE" | "1" => Some(true),
                "false" | "False" | "FALSE" | "0" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }
}

impl Scalar for String {
    const EXPECTED: &'static str = "a string";
    const EMPTY_IS_NONE: bool = false;
    fn from_raw(raw: &Raw<'_>) -> Option<Self> {
        match raw {
            Raw::Text(t) => Some((*t).to_owned()),
            Raw::Int(v) => Some(v.to_string()),
            Raw::UInt(v) => Some(v.to_string()),
            Raw::Float(v) => Some(v.to_string()),
            Raw::Bool(v) => Some(v.to_string()),
            Raw::Null => None,
        }
    }
}

/// Reads one scalar of any spelling and hands it, borrowed, to `T` (through `Out`, which
/// says what `null` and `""` mean and how a mismatch is reported).
struct ScalarVisitor<T, Out>(PhantomData<(T, Out)>);

/// What a scalar reader produces: the value itself, or an `Option` of it.
trait ScalarOut<T: Scalar>: Sized {
    fn from_raw(raw: Raw<'_>) -> Option<Self>;
}

struct Plain;
struct Optional;

impl<T: Scalar> ScalarOut<T> for (T, Plain) {
    fn from_raw(raw: Raw<'_>) -> Option<Self> {
        T::from_raw(&raw).map(|v| (v, Plain))
    }
}

impl<T: Scalar> ScalarOut<T> for (Option<T>, Optional) {
    fn from_raw(raw: Raw<'_>) -> Option<Self> {
        match raw {
            Raw::Null => Some((None, Optional)),
            Raw::Text("") if T::EMPTY_IS_NONE => Some((None, Optional)),
            _ => T::from_raw(&raw).map(|v| (Some(v), Optional)),
        }
    }
}

impl<T: Scalar, Out: ScalarOut<T>> ScalarVisitor<T, Out> {
    fn read<E: Error>(raw: Raw<'_>) -> Result<Out, E> {
        Out::from_raw(raw)
            .ok_or_else(|| E::custom(format!("expected {}, found {raw}", T::EXPECTED)))
    }
}

impl<'de, T: Scalar, Out: ScalarOut<T>> Visitor<'de> for ScalarVisitor<T, Out> {
    type Value = Out;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, number, boolean or null")
    }
    fn visit_bool<E: Error>(self, v: bool) -> Result<Out, E> {
        Self::read(Raw::Bool(v))
    }
    fn visit_i64<E: Error>(self, v: i64) -> Result<Out, E> {
        Self::read(Raw::Int(v))
    }
    fn visit_u64<E: Error>(self, v: u64) -> Result<Out, E> {
        Self::read(Raw::UInt(v))
    }
    fn visit_f64<E: Error>(self, v: f64) -> Result<Out, E> {
        Self::read(Raw::Float(v))
    }
    fn visit_str<E: Error>(self, v: &str) -> Result<Out, E> {
        Self::read(Raw::Text(v))
    }
    fn visit_unit<E: Error>(self) -> Result<Out, E> {
        Self::read(Raw::Null)
    }
    fn visit_none<E: Error>(self) -> Result<Out, E> {
        Self::read(Raw::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Out, D::Error> {
        d.deserialize_any(self)
    }
}

fn scalar<'de, T: Scalar, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    d.deserialize_any(ScalarVisitor::<T, (T, Plain)>(PhantomData))
        .map(|(value, Plain)| value)
}

fn optional_scalar<'de, T: Scalar, D: Deserializer<'de>>(d: D) -> Result<Option<T>, D::Error> {
    d.deserialize_any(ScalarVisitor::<T, (Option<T>, Optional)>(PhantomData))
        .map(|(value, Optional)| value)
}

/// A value decoded leniently: scalars, `Option`s of them, and lists or maps of those.
pub trait Lenient: Sized {
    fn lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error>;
}

macro_rules! lenient_scalar {
    ($($t:ty),*) => {$(
        impl Lenient for $t {
            fn lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                scalar::<$t, D>(d)
            }
        }
        impl Lenient for Option<$t> {
            fn lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                optional_scalar::<$t, D>(d)
            }
        }
    )*};
}

lenient_scalar!(i64, i32, f64, bool, String);

struct VecVisitor<T>(PhantomData<T>);

impl<'de, T: Lenient> Visitor<'de> for VecVisitor<T> {
    type Value = Vec<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list or null")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element_seed(Seed::lenient::<T>())? {
            out.push(item);
        }
        Ok(out)
    }
    fn visit_unit<E: Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }
    fn visit_none<E: Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }
}

impl<T: Lenient> Lenient for Vec<T> {
    fn lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(VecVisitor(PhantomData))
    }
}

impl<T: Lenient> Lenient for Option<Vec<T>> {
    fn lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Some(d.deserialize_any(VecVisitor(PhantomData))?))
    }
}

struct MapVisitor<T>(PhantomData<T>);

impl<'de, T: Lenient> Visitor<'de> for MapVisitor<T> {
    type Value = BTreeMap<String, T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object or null")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = BTreeMap::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(Seed::lenient::<T>())?;
            out.insert(key, value);
        }
        Ok(out)
    }
    fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
        Ok(BTreeMap::new())
    }
}

impl<T: Lenient> Lenient for BTreeMap<String, T> {
    fn lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(MapVisitor(PhantomData))
    }
}

/// Scalars and collections of scalars, in any spelling DingTalk uses (for hand-written
/// `Deserialize` impls; generated ones use [`Seed::lenient`]).
pub fn lenient<'de, D: Deserializer<'de>, T: Lenient>(d: D) -> Result<T, D::Error> {
    T::lenient(d)
}

/// `null` becomes the empty collection (lists and maps of objects).
pub fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(
    d: D,
) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Output of a joined-list field: `Vec<T>` or `Option<Vec<T>>`.
pub trait JoinedList: Sized {
    type Item: Scalar + Lenient;
    fn from_items(items: Option<Vec<Self::Item>>) -> Self;
}

impl<T: Scalar + Lenient> JoinedList for Vec<T> {
    type Item = T;
    fn from_items(items: Option<Vec<T>>) -> Self {
        items.unwrap_or_default()
    }
}

impl<T: Scalar + Lenient> JoinedList for Option<Vec<T>> {
    type Item = T;
    fn from_items(items: Option<Vec<T>>) -> Self {
        items
    }
}

struct JoinedVisitor<T> {
    separator: char,
    marker: PhantomData<T>,
}

impl<'de, T: Scalar + Lenient> Visitor<'de> for JoinedVisitor<T> {
    type Value = Option<Vec<T>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a `{}`-separated string or a list", self.separator)
    }
    fn visit_str<E: Error>(self, v: &str) -> Result<Self::Value, E> {
        v.split(self.separator)
            .map(str::trim)
            .filter(|piece| !piece.is_empty())
            .map(|piece| {
                T::from_raw(&Raw::Text(piece)).ok_or_else(|| {
                    E::custom(format!(
                        "expected {} in the list, found {piece:?}",
                        T::EXPECTED
                    ))
                })
            })
            .collect::<Result<Vec<T>, E>>()
            .map(Some)
    }
    fn visit_i64<E: Error>(self, v: i64) -> Result<Self::Value, E> {
        self.visit_str(&v.to_string())
    }
    fn visit_u64<E: Error>(self, v: u64) -> Result<Self::Value, E> {
        self.visit_str(&v.to_string())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        VecVisitor::<T>(PhantomData).visit_seq(seq).map(Some)
    }
    fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// A list joined into one string by `separator` (or, leniently, sent as a JSON list).
fn joined<'de, D: Deserializer<'de>, L: JoinedList>(d: D, separator: char) -> Result<L, D::Error> {
    let items = d.deserialize_any(JoinedVisitor::<L::Item> {
        separator,
        marker: PhantomData,
    })?;
    Ok(L::from_items(items))
}

/// A value sent as a string holding JSON; the parsed value itself is accepted too. The text
/// is parsed where it lies (no copy of the string first).
pub fn json_string<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<T, D::Error> {
    struct JsonText<T>(PhantomData<T>);
    impl<T: DeserializeOwned> JsonText<T> {
        fn other<E: Error>(value: serde_json::Value) -> Result<T, E> {
            T::deserialize(value).map_err(E::custom)
        }
    }
    impl<'de, T: DeserializeOwned> Visitor<'de> for JsonText<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string holding JSON, or JSON")
        }
        fn visit_str<E: Error>(self, text: &str) -> Result<T, E> {
            if text.trim().is_empty() {
                return Self::other(serde_json::Value::Null);
            }
            match serde_json::from_str(text) {
                Ok(parsed) => Ok(parsed),
                // Not JSON after all (e.g. DingTalk's `{1:false}`): keep it as the text it
                // is, if the field can hold text; otherwise report the parse error.
                Err(err) => T::deserialize(serde_json::Value::String(text.to_owned()))
                    .map_err(|_| E::custom(format!("a string holding invalid JSON: {err}"))),
            }
        }
        fn visit_bool<E: Error>(self, v: bool) -> Result<T, E> {
            Self::other(serde_json::Value::Bool(v))
        }
        fn visit_i64<E: Error>(self, v: i64) -> Result<T, E> {
            Self::other(serde_json::Value::from(v))
        }
        fn visit_u64<E: Error>(self, v: u64) -> Result<T, E> {
            Self::other(serde_json::Value::from(v))
        }
        fn visit_f64<E: Error>(self, v: f64) -> Result<T, E> {
            Self::other(serde_json::Value::from(v))
        }
        fn visit_unit<E: Error>(self) -> Result<T, E> {
            Self::other(serde_json::Value::Null)
        }
        fn visit_none<E: Error>(self) -> Result<T, E> {
            Self::other(serde_json::Value::Null)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
            d.deserialize_any(self)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
            let value =
                serde_json::Value::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
            Self::other(value)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            let value =
                serde_json::Value::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
            Self::other(value)
        }
    }
    d.deserialize_any(JsonText(PhantomData))
}

/// String enums: any text (or a number, spelled as text) maps to a variant or `Unknown`.
pub fn string_enum<'de, D: Deserializer<'de>, T: for<'a> From<&'a str>>(
    d: D,
) -> Result<T, D::Error> {
    struct EnumVisitor<T>(PhantomData<T>);
    impl<T: for<'a> From<&'a str>> EnumVisitor<T> {
        fn read<E: Error>(raw: Raw<'_>) -> Result<T, E> {
            match raw {
                Raw::Text(text) => Ok(T::from(text)),
                Raw::Null => Err(E::custom(format!("expected a string, found {raw}"))),
                _ => match String::from_raw(&raw) {
                    Some(text) => Ok(T::from(text.as_str())),
                    None => Err(E::custom(format!("expected a string, found {raw}"))),
                },
            }
        }
    }
    impl<'de, T: for<'a> From<&'a str>> Visitor<'de> for EnumVisitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string, number, boolean or null")
        }
        fn visit_bool<E: Error>(self, v: bool) -> Result<T, E> {
            Self::read(Raw::Bool(v))
        }
        fn visit_i64<E: Error>(self, v: i64) -> Result<T, E> {
            Self::read(Raw::Int(v))
        }
        fn visit_u64<E: Error>(self, v: u64) -> Result<T, E> {
            Self::read(Raw::UInt(v))
        }
        fn visit_f64<E: Error>(self, v: f64) -> Result<T, E> {
            Self::read(Raw::Float(v))
        }
        fn visit_str<E: Error>(self, v: &str) -> Result<T, E> {
            Self::read(Raw::Text(v))
        }
        fn visit_unit<E: Error>(self) -> Result<T, E> {
            Self::read(Raw::Null)
        }
        fn visit_none<E: Error>(self) -> Result<T, E> {
            Self::read(Raw::Null)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
            d.deserialize_any(self)
        }
    }
    d.deserialize_any(EnumVisitor(PhantomData))
}

/// Text from any JSON value: strings as they are, numbers and booleans spelled out, objects
/// and arrays as their JSON text, `null` as absent. For messages that must never fail.
pub fn any_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => None,
        serde_json::Value::String(text) => Some(text),
        other => Some(other.to_string()),
    })
}

/// A struct the generator reads field by field. Its `Deserialize` is [`record`]: every
/// struct shares one visitor, and each kind of field one reader (the seeds below), where
/// serde's derive would give every struct a visitor of its own, a field enum with its own
/// `Deserialize`, a positional (array) reader that DingTalk never needs, and a wrapper type
/// per lenient field. The behaviour is the derive's: unknown keys are skipped, a repeated
/// key is an error, a missing required field is `missing field`.
pub trait Record: Sized {
    /// The type's name, for "invalid type: .., expected struct X".
    const NAME: &'static str;
    /// The wire names of the fields, in the order [`Record::field`] numbers them.
    const FIELDS: &'static [&'static str];
    /// The number of the field `key` names (a wire name or an alias), `None` to skip it.
    /// Not generic: compiled once per struct, whatever reads it.
    fn field(key: &str) -> Option<usize>;
    /// Reads the fields from `map` (with a [`FieldReader`]).
    fn read<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
}

/// The `Deserialize` of a [`Record`]: an object, read by [`Record::read`].
pub fn record<'de, T: Record, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    d.deserialize_struct(T::NAME, T::FIELDS, RecordVisitor::<T>(PhantomData))
}

struct RecordVisitor<T>(PhantomData<T>);

impl<'de, T: Record> Visitor<'de> for RecordVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "struct {}", T::NAME)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::read(map)
    }
}

/// Reads a key and maps it to a field number; unknown keys never allocate.
struct FieldSeed(fn(&str) -> Option<usize>);

impl<'de> DeserializeSeed<'de> for FieldSeed {
    type Value = Option<usize>;
    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for FieldSeed {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }
    #[inline]
    fn visit_str<E: Error>(self, key: &str) -> Result<Option<usize>, E> {
        Ok((self.0)(key))
    }
    fn visit_bytes<E: Error>(self, key: &[u8]) -> Result<Option<usize>, E> {
        Ok(std::str::from_utf8(key).ok().and_then(self.0))
    }
}

/// Hands a [`Record`]'s fields out of an object one by one. Generic over the map only, so
/// every struct shares its code.
pub struct FieldReader<A> {
    map: A,
    field: fn(&str) -> Option<usize>,
    names: &'static [&'static str],
    /// The field whose value is next.
    current: usize,
}

impl<'de, A: MapAccess<'de>> FieldReader<A> {
    /// Reads `map` with a struct's [`Record::field`] and [`Record::FIELDS`].
    pub fn new(map: A, field: fn(&str) -> Option<usize>, names: &'static [&'static str]) -> Self {
        FieldReader {
            map,
            field,
            names,
            current: 0,
        }
    }

    /// The number of the next key the struct knows, skipping (and reading past) the values
    /// of the keys it does not; `None` at the end of the object.
    #[inline]
    pub fn next_field(&mut self) -> Result<Option<usize>, A::Error> {
        while let Some(known) = self.map.next_key_seed(FieldSeed(self.field))? {
            match known {
                Some(number) => {
                    self.current = number;
                    return Ok(Some(number));
                }
                None => {
                    self.map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(None)
    }

    /// Reads the value of the field [`FieldReader::next_field`] returned into `slot` with `seed`;
    /// a second value for the same field is serde's `duplicate field` error.
    #[inline]
    pub fn read<S: DeserializeSeed<'de>>(
        &mut self,
        slot: &mut Option<S::Value>,
        seed: S,
    ) -> Result<(), A::Error> {
        if slot.is_some() {
            let name = self.names.get(self.current).copied().unwrap_or("?");
            return Err(A::Error::duplicate_field(name));
        }
        *slot = Some(self.map.next_value_seed(seed)?);
        Ok(())
    }
}

/// A required field's value, or serde's `missing field` error.
pub fn required<T, E: Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
    slot.ok_or_else(|| E::missing_field(name))
}

/// The readers of a [`Record`]'s fields, one type per kind of field (so one copy of each
/// per field type, not per field). `Seed` is only a namespace.
pub enum Seed {}

impl Seed {
    /// Scalars and collections of scalars, in any spelling DingTalk uses ([`Lenient`]).
    pub fn lenient<T>() -> LenientSeed<T> {
        LenientSeed(PhantomData)
    }

    /// Lists and maps of objects: `null` is the empty collection ([`nullable`]).
    pub fn nullable<T>() -> NullableSeed<T> {
        NullableSeed(PhantomData)
    }

    /// A list sent as `"a,b,c"` (or, leniently, as a JSON list).
    pub fn csv<L>() -> JoinedSeed<L> {
        JoinedSeed {
            separator: ',',
            marker: PhantomData,
        }
    }

    /// A list sent as `"a|b|c"` (or, leniently, as a JSON list).
    pub fn pipe<L>() -> JoinedSeed<L> {
        JoinedSeed {
            separator: '|',
            marker: PhantomData,
        }
    }

    /// A value sent as a string holding JSON ([`json_string`]).
    pub fn json_string<T>() -> JsonStringSeed<T> {
        JsonStringSeed(PhantomData)
    }

    /// A field read by its type's own `Deserialize` (a nested struct, an enum, JSON).
    pub fn plain<T>() -> PhantomData<T> {
        PhantomData
    }
}

pub struct LenientSeed<T>(PhantomData<T>);

impl<'de, T: Lenient> DeserializeSeed<'de> for LenientSeed<T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        T::lenient(d)
    }
}

pub struct NullableSeed<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de> + Default> DeserializeSeed<'de> for NullableSeed<T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        nullable(d)
    }
}

pub struct JoinedSeed<L> {
    separator: char,
    marker: PhantomData<L>,
}

impl<'de, L: JoinedList> DeserializeSeed<'de> for JoinedSeed<L> {
    type Value = L;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<L, D::Error> {
        joined(d, self.separator)
    }
}

pub struct JsonStringSeed<T>(PhantomData<T>);

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for JsonStringSeed<T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        json_string(d)
    }
}

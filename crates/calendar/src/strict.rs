//! Deserializers that read a struct only from an object.
//!
//! serde's derive also reads a struct from a sequence, by position, so a
//! JSON body could send `"default_targets": [null, null]` for an object and
//! have it accepted. The API's document says such a field is an object;
//! fields holding structs use these so the server agrees.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// A `T` read only from an object (a map in serde's terms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
            type Value = T;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map))
            }
        }

        deserializer
            .deserialize_map(ObjectVisitor(PhantomData))
            .map(Object)
    }
}

/// For `#[serde(deserialize_with = "…::object")]` on a struct field.
pub fn object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    Object::deserialize(deserializer).map(|Object(value)| value)
}

/// The same for an optional struct field (with `#[serde(default)]`).
pub fn option_object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    Option::<Object<T>>::deserialize(deserializer).map(|o| o.map(|Object(value)| value))
}

/// The same for a list of structs.
pub fn objects<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Vec<T>, D::Error> {
    Vec::<Object<T>>::deserialize(deserializer)
        .map(|items| items.into_iter().map(|Object(value)| value).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Inner {
        a: Option<u32>,
        b: Option<u32>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Outer {
        #[serde(deserialize_with = "object")]
        one: Inner,
        #[serde(default, deserialize_with = "option_object")]
        maybe: Option<Inner>,
        #[serde(default, deserialize_with = "objects")]
        many: Vec<Inner>,
    }

    #[test]
    fn derive_alone_reads_a_struct_from_an_array() {
        let read: Result<Inner, _> = serde_json::from_str("[null, 2]");
        assert_eq!(
            read.ok(),
            Some(Inner {
                a: None,
                b: Some(2)
            })
        );
    }

    #[test]
    fn struct_fields_are_read_from_objects_only() {
        let ok: Outer =
            serde_json::from_str(r#"{"one": {"a": 1}, "maybe": null, "many": [{"b": 2}]}"#)
                .expect("objects are read");
        assert_eq!(
            ok.one,
            Inner {
                a: Some(1),
                b: None
            }
        );
        assert_eq!(ok.maybe, None);
        assert_eq!(
            ok.many,
            [Inner {
                a: None,
                b: Some(2)
            }]
        );

        for body in [
            r#"{"one": [null, null]}"#,
            r#"{"one": {}, "maybe": [1]}"#,
            r#"{"one": {}, "many": [[1, 2]]}"#,
        ] {
            let error = serde_json::from_str::<Outer>(body).expect_err(body);
            assert!(
                error.to_string().contains("expected an object"),
                "{body}: {error}"
            );
        }
    }

    #[test]
    fn toml_tables_are_objects_too() {
        let read: Outer = toml::from_str("[one]\na = 1\n[[many]]\nb = 2\n").expect("tables");
        assert_eq!(read.many.len(), 1);
    }
}

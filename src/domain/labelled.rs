//! Enums with a stable machine slug (stored in the database and used in URLs and the API) and the
//! Chinese name the official catalog uses.

/// A slug or Chinese name that names no variant of the enum.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind}: {value:?}")]
pub struct UnknownLabel {
    pub kind: &'static str,
    pub value: String,
}

/// Declares an enum whose variants each carry a slug and a Chinese name, with `ALL`, `slug()`,
/// `zh()`, `from_zh()` and `FromStr` (by slug).
macro_rules! labelled_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident as $kind:literal {
            $($(#[$vmeta:meta])* $variant:ident = ($slug:literal, $zh:literal)),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable machine name, as stored in the database.
            pub fn slug(self) -> &'static str {
                match self {
                    $($name::$variant => $slug),+
                }
            }

            /// The name the official catalog uses.
            pub fn zh(self) -> &'static str {
                match self {
                    $($name::$variant => $zh),+
                }
            }

            pub fn from_zh(value: &str) -> Result<Self, $crate::domain::UnknownLabel> {
                Self::ALL.iter().copied().find(|v| v.zh() == value).ok_or_else(|| {
                    $crate::domain::UnknownLabel { kind: $kind, value: value.to_owned() }
                })
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::UnknownLabel;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Self::ALL.iter().copied().find(|v| v.slug() == value).ok_or_else(|| {
                    $crate::domain::UnknownLabel { kind: $kind, value: value.to_owned() }
                })
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.slug())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let slug = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                slug.parse().map_err(serde::de::Error::custom)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.slug())
            }
        }
    };
}

pub(crate) use labelled_enum;

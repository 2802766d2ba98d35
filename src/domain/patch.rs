//! Reading partial updates (PATCH bodies), shared by the API and the service inputs it hands on.

/// For PATCH bodies: a missing field is `None` (leave alone), `null` is `Some(None)` (clear).
pub fn double_option<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(deserializer).map(Some)
}

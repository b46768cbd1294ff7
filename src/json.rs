//! JSON text in and out. In the browser the text goes through the
//! browser's own `JSON.parse` / `JSON.stringify`, and serde only walks the
//! resulting JS values: serde_json's parser and printer then stay out of
//! the wasm (-11.1 KB brotli, serde-wasm-bindgen's cost included).
//! Natively (the domain's unit tests) serde_json does the same job.
//!
//! What differs from serde_json in the browser, all on the lenient side:
//! a whole float such as `3.0` reads into an integer field; a duplicate key
//! keeps its last value; numbers beyond 2^53 lose precision (no field the
//! app reads needs them exact: seeds are `u32`). Written numbers have no
//! `.0` (`1` for `1.0`), which serde_json reads back the same. Integers
//! beyond 2^53 cannot be written (none are kept: see `lenient_int`).

use serde::{de::DeserializeOwned, Serialize};

/// Why a text did not parse, or a value could not be written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

#[cfg(target_arch = "wasm32")]
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
    let value = js_sys::JSON::parse(text).map_err(|_| Error("not JSON".into()))?;
    serde_wasm_bindgen::from_value(value).map_err(|e| Error(e.to_string()))
}

#[cfg(target_arch = "wasm32")]
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    // `null` for `None` and `()` (not `undefined`, which JSON.stringify
    // drops), and maps as plain objects: what serde_json writes.
    let value = value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| Error(e.to_string()))?;
    js_sys::JSON::stringify(&value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| Error("not JSON".into()))
}

#[cfg(not(target_arch = "wasm32"))]
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
    serde_json::from_str(text).map_err(|e| Error(e.to_string()))
}

#[cfg(not(target_arch = "wasm32"))]
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|e| Error(e.to_string()))
}

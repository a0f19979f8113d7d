//! The browser shell (wasm32 only): DOM, events, storage, fetch. Being built.

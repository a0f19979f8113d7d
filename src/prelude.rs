//! What std's prelude names and `alloc` holds, for modules that compile with and without
//! std (`use crate::prelude::*;`). With std these are the very same items.

pub(crate) use alloc::borrow::ToOwned;
#[cfg(target_arch = "wasm32")] // only the shell boxes
pub(crate) use alloc::boxed::Box;
pub(crate) use alloc::string::String;
#[cfg(target_arch = "wasm32")] // only the shell formats problems
pub(crate) use alloc::string::ToString;
pub(crate) use alloc::vec;
pub(crate) use alloc::vec::Vec;

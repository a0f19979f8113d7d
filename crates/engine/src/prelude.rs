//! What std's prelude names and `alloc` holds, for code that compiles with and without std
//! (`use lead_qualifier_engine::prelude::*;`, the widget's too). With std these are the
//! very same items.

pub use alloc::borrow::ToOwned;
pub use alloc::boxed::Box;
pub use alloc::format;
pub use alloc::string::{String, ToString};
pub use alloc::vec;
pub use alloc::vec::Vec;

//! The global allocator of the wasm build: lol_alloc's free list instead of std's dlmalloc
//! (-3.3 KB gzip of the page's download).
//!
//! A free list kept sorted by address, adjacent free blocks merged on every free, first
//! fit from the list, more wasm memory (whole pages) only when nothing free fits: freed
//! memory is reused, so a long session on one page does not grow the heap (src/tests.rs
//! churns small, page-sized and over-aligned blocks, with reallocs, and checks the memory
//! size stays put). Each call walks the free list, which stays short for a widget's heap.
//!
//! `LockedAllocator` (a spin lock, uncontended on the page's one thread) rather than
//! `AssumeSingleThreaded`: that one takes `unsafe`, which the crate keeps to `local`,
//! and the lock costs a few bytes.

use lol_alloc::{FreeListAllocator, LockedAllocator};

#[global_allocator]
static ALLOCATOR: LockedAllocator<FreeListAllocator> =
    LockedAllocator::new(FreeListAllocator::new());

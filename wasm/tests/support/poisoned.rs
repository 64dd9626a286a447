//! A global allocator that fills every heap allocation with `0xFF` bytes (an `f32` NaN) before
//! use, so that a computation reading memory it never wrote (a buffer assumed zeroed, a partly
//! written output) gives NaN in the tests instead of passing on fresh, zeroed pages: a browser
//! worker reuses freed memory all the time. Included by the test binaries with
//! `#[path = "support/poisoned.rs"] mod poisoned;`.

use std::alloc::{GlobalAlloc, Layout, System};

pub struct Poisoned;

unsafe impl GlobalAlloc for Poisoned {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            unsafe { std::ptr::write_bytes(p, 0xFF, layout.size()) };
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() && new_size > layout.size() {
            unsafe { std::ptr::write_bytes(p.add(layout.size()), 0xFF, new_size - layout.size()) };
        }
        p
    }
}

#[global_allocator]
static POISONED: Poisoned = Poisoned;

#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| registry::fuzz::publication(bytes));

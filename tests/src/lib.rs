//! Cross-crate scenario tests live under `tests/`; this library is empty.

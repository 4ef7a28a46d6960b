//! tend-core's integration tests: the use cases over real encrypted clinics in temp folders.

mod access;
mod backup;
mod opening;
mod sign_in;
mod support;
mod users;

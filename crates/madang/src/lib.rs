//! The `madang` binary's library half: configuration and the demo site, shared by `main`
//! and the integration tests.

pub mod backup;
pub mod config;
pub mod demo;
pub mod pdf;

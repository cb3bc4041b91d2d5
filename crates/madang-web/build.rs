//! Rebuild when locale files or the built-in theme change: both are embedded at build time,
//! and cargo cannot see files read by macros.
fn main() {
    println!("cargo:rerun-if-changed=../../locales");
    println!("cargo:rerun-if-changed=../../themes/default");
}

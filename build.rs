//! Rebuild when files embedded by macros change, including files that are added: rust-embed
//! (`web/i18n`, `web/static`), askama (`web/templates`) and diesel's embedded migrations only
//! track files that existed at the last build.
fn main() {
    println!("cargo:rerun-if-changed=web");
    println!("cargo:rerun-if-changed=migrations");
}

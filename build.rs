// Migrations are embedded with `embed_migrations!`; re-embed them whenever their SQL changes.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    // The texts are compiled in by `rust_i18n::i18n!`, which cargo does not know reads them.
    println!("cargo:rerun-if-changed=locales");
}

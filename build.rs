// Migrations are embedded with `embed_migrations!`; re-embed them whenever their SQL changes.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}

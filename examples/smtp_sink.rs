//! An SMTP server that accepts every mail and keeps nothing, for the outbox benchmark
//! (`bench/mail.sh`): `cargo run --release --example smtp_sink -- 127.0.0.1:2526`.
//! It prints a line for every 1,000 mails accepted.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use mailin_embedded::response::{self, Response};
use mailin_embedded::{Handler, Server, SslConfig};

#[derive(Clone)]
struct Sink {
    accepted: Arc<AtomicU64>,
}

impl Handler for Sink {
    fn data(&mut self, _buf: &[u8]) -> std::io::Result<()> {
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let n = self.accepted.fetch_add(1, Ordering::Relaxed) + 1;
        if n.is_multiple_of(1000) {
            println!("{n} accepted");
        }
        response::OK
    }
}

fn main() {
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:2526".into());
    let mut server = Server::new(Sink {
        accepted: Arc::default(),
    });
    server
        .with_name("sink.bench")
        .with_num_threads(256)
        .with_ssl(SslConfig::None)
        .expect("no TLS")
        .with_addr(&address)
        .expect("a local address");
    eprintln!("SMTP sink on {address}");
    server.serve().expect("serve");
}

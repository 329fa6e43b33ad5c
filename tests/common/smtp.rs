//! An SMTP server on loopback for the tests (mailin-embedded): it keeps every mail it accepts,
//! and can refuse chosen recipients with 550.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use mailin_embedded::response::{self, Response};
use mailin_embedded::{Handler, Server, SslConfig};

/// Every mail the sink accepted: (recipients, raw message).
pub type Received = Arc<Mutex<Vec<(Vec<String>, String)>>>;

#[derive(Clone)]
struct Sink {
    received: Received,
    to: Vec<String>,
    data: Vec<u8>,
    /// Recipients containing this are refused with 550.
    refuse: Option<String>,
    /// How long the server takes to accept each mail.
    delay: std::time::Duration,
}

impl Handler for Sink {
    fn rcpt(&mut self, to: &str) -> Response {
        match &self.refuse {
            Some(refused) if to.contains(refused.as_str()) => response::NO_MAILBOX,
            _ => response::OK,
        }
    }

    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        std::thread::sleep(self.delay);
        let message = String::from_utf8_lossy(&self.data).into_owned();
        self.received
            .lock()
            .unwrap()
            .push((self.to.clone(), message));
        response::OK
    }
}

/// Starts an SMTP server on `listener` in a thread; returns what it receives.
pub fn start_sink(listener: TcpListener, refuse: Option<&str>) -> Received {
    serve(listener, refuse, std::time::Duration::ZERO)
}

/// A server that takes `delay` to accept each mail, so that a worker can be caught mid-batch.
pub fn start_slow_sink(listener: TcpListener, delay: std::time::Duration) -> Received {
    serve(listener, None, delay)
}

fn serve(listener: TcpListener, refuse: Option<&str>, delay: std::time::Duration) -> Received {
    let received = Received::default();
    let sink = Sink {
        received: received.clone(),
        to: Vec::new(),
        data: Vec::new(),
        refuse: refuse.map(str::to_owned),
        delay,
    };
    let mut server = Server::new(sink);
    server
        .with_name("sink.test")
        .with_ssl(SslConfig::None)
        .unwrap()
        .with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    received
}

pub fn free_listener() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    (listener, url)
}

/// The Message-ID header of every mail received, in order of arrival.
pub fn message_ids(received: &Received) -> Vec<String> {
    received
        .lock()
        .unwrap()
        .iter()
        .filter_map(|(_, m)| {
            m.lines()
                .find(|l| l.to_ascii_lowercase().starts_with("message-id:"))
                .map(str::to_owned)
        })
        .collect()
}

/// Runs `onestop worker --drain` against `smtp`; returns (sent, retried, dead).
pub fn drain(app: &super::TestApp, smtp: &str) -> (u64, u64, u64) {
    let (ok, out, err) = super::onestop(
        &app.database_url,
        &["worker", "--drain", "--smtp-url", smtp],
    );
    assert!(ok, "{out}{err}");
    let n: Vec<u64> = out
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    (n[0], n[1], n[2])
}

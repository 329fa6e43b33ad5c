//! Two OneStop nodes on one PostgreSQL behind HAProxy (Debian's package), the benchmark's mixed
//! load through the proxy, one node killed with SIGKILL in the middle and started again.
//! Afterwards every confirmed submission and acceptance is on the record exactly once, no
//! session was lost (the users went on, on the other node), no mail was sent twice, and the
//! only failures were the requests in flight on the killed node.

mod common;

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::Backend;
use common::load::{self, Mix, Node, Work, free_port};
use diesel::prelude::*;
use onestop::db::schema::outbox;

const CONNECTIONS: usize = 64;

struct Proxy(Child);

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// HAProxy in front of the two nodes: round robin, each node checked on `/readyz` every 300 ms
/// (down after two failed checks, each given 2 s: with the check's timeout defaulting to the
/// 300 ms interval and one failure enough, a node busy under this load once answered a check
/// late, both were marked down and the proxy answered 503 for seconds), a connection refused
/// retried on the other node.
fn start_haproxy(dir: &std::path::Path, front: u16, a: u16, b: u16) -> Proxy {
    let config = dir.join("haproxy.cfg");
    std::fs::write(
        &config,
        format!(
            "global\n    maxconn 4096\n\
             defaults\n    mode http\n    timeout connect 1s\n    timeout check 2s\n    timeout client 60s\n    timeout server 60s\n    retries 3\n    option redispatch\n\
             frontend portal\n    bind 127.0.0.1:{front}\n    default_backend nodes\n\
             backend nodes\n    balance roundrobin\n    option httpchk GET /readyz\n    http-check expect status 200\n    default-server inter 300ms fall 2 rise 2\n\
             \x20   server a 127.0.0.1:{a} check\n    server b 127.0.0.1:{b} check\n"
        ),
    )
    .unwrap();
    let check = Command::new("haproxy")
        .arg("-c")
        .arg("-f")
        .arg(&config)
        .output();
    let check = check.expect("HAProxy is needed for this test: apt-get install haproxy");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    Proxy(
        Command::new("haproxy")
            .arg("-db")
            .arg("-f")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

/// The Message-IDs of the mails delivered into `folders`.
fn delivered(folders: &[&std::path::Path]) -> Vec<String> {
    let mut ids = Vec::new();
    for folder in folders {
        for entry in std::fs::read_dir(folder).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            if let Some(line) = text
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("message-id:"))
            {
                ids.push(line[11..].trim().to_owned());
            }
        }
    }
    ids
}

#[actix_web::test]
async fn two_nodes_behind_haproxy_survive_a_sigkill_of_one_under_load() {
    let Some((_db, url)) = common::new_database(Backend::Postgres) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // One mail folder for both nodes, as they would share one SMTP relay.
    let mail = dir.path().join("mail");
    load::seed(&url, 2000, 3000);
    let (port_a, port_b, front) = (free_port(), free_port(), free_port());
    let mut node_a = Node::start_on(&url, port_a, Some(&mail)).await;
    let _node_b = Node::start_on(&url, port_b, Some(&mail)).await;
    let _proxy = start_haproxy(dir.path(), front, port_a, port_b);
    let address = format!("http://127.0.0.1:{front}");
    let client = load::client();
    let started = Instant::now();
    while !client
        .get(format!("{address}/readyz"))
        .send()
        .await
        .is_ok_and(|r| r.status() == 200)
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "HAProxy did not come up"
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    // Signed in through the proxy: each session is used on both nodes from the start.
    let work = Arc::new(Work::prepare(&address, &url).await);

    let kill_at = Instant::now() + Duration::from_secs(4);
    let stop_at = kill_at + Duration::from_secs(10);
    let running = actix_web::rt::spawn(load::run(
        address.clone(),
        Arc::clone(&work),
        CONNECTIONS,
        Mix::All,
        Arc::new(move |_| Instant::now() >= stop_at),
    ));
    actix_web::rt::time::sleep_until(kill_at.into()).await;
    node_a.kill();
    actix_web::rt::time::sleep(Duration::from_secs(2)).await;
    let _node_a = Node::start_on(&url, port_a, Some(&mail)).await;
    let outcome = running.await.unwrap();
    eprintln!(
        "{} answers, {} submissions and {} acceptances confirmed; {} without an answer, 5xx: {:?}",
        outcome.answers,
        outcome.confirmed_submissions.len(),
        outcome.confirmed_acceptances.len(),
        outcome.failures.len(),
        outcome
            .server_errors
            .iter()
            .map(|(s, _)| *s)
            .collect::<BTreeSet<_>>()
    );

    // No session lost: nobody was sent to sign in or refused a form (those would be
    // unexpected answers), on either node.
    assert!(
        outcome.unexpected.is_empty(),
        "unexpected answers: {:?}",
        &outcome.unexpected[..outcome.unexpected.len().min(20)]
    );
    // The only failures: requests in flight on the killed node, which the proxy answers 502
    // (or that lost their connection), at most one per connection.
    let failed = outcome.failures.len() + outcome.server_errors.len();
    assert!(
        failed <= CONNECTIONS,
        "{failed} failures: {:?} {:?}",
        outcome.failures,
        outcome.server_errors
    );
    assert!(
        outcome
            .server_errors
            .iter()
            .all(|(status, _)| *status == 502),
        "{:?}",
        outcome.server_errors
    );
    assert!(
        outcome.confirmed_submissions.len() > 100 && !outcome.confirmed_acceptances.is_empty(),
        "the load ran"
    );

    // Exactly once: every confirmed submission whole with one submission event, every
    // confirmed acceptance with one acceptance event and its notice.
    load::assert_whole(&url, &work.drafts, &outcome.confirmed_submissions);
    load::assert_accepted(&url, &outcome.confirmed_acceptances);

    // No mail twice: once the outbox is empty (the killed node's claims taken over when their
    // lease ran out), every sent row is one mail in the folder, whichever node wrote it and
    // however often (a mail written again is the same file, named by its Message-ID).
    let mut conn = load::connection(&url);
    let drained = Instant::now();
    loop {
        let waiting: i64 = outbox::table
            .filter(outbox::status.eq("pending"))
            .count()
            .get_result(&mut **conn)
            .unwrap();
        if waiting == 0 {
            break;
        }
        assert!(
            drained.elapsed() < Duration::from_secs(120),
            "{waiting} mails still waiting"
        );
        actix_web::rt::time::sleep(Duration::from_millis(250)).await;
    }
    let sent: i64 = outbox::table
        .filter(outbox::status.eq("sent"))
        .count()
        .get_result(&mut **conn)
        .unwrap();
    let ids = delivered(&[&mail]);
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "a mail was delivered twice");
    assert_eq!(
        ids.len() as i64,
        sent,
        "every sent mail was delivered, once"
    );
}

//! A small SMTP server for the mail tests: accepts everything (or refuses chosen recipients
//! with 550), keeps what arrives, and can be stopped and started again on the same port to
//! play a mail server that is down.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
    task::{JoinHandle, JoinSet},
};

#[derive(Clone, Debug)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: Vec<u8>,
}

impl Received {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.data)
            .expect("a parsable message")
    }
}

#[derive(Default)]
struct Shared {
    received: Mutex<Vec<Received>>,
    /// Recipients containing this text are refused with 550 (a permanent error).
    refuse: Mutex<Option<String>>,
}

pub struct SmtpSink {
    pub port: u16,
    shared: Arc<Shared>,
    server: Option<JoinHandle<()>>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut sink = Self {
            port,
            shared: Arc::default(),
            server: None,
        };
        sink.serve(listener);
        sink
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn serve(&mut self, listener: TcpListener) {
        let shared = self.shared.clone();
        self.server = Some(tokio::spawn(async move {
            // Dropping the set (when this task is aborted) aborts every open session too.
            let mut sessions = JoinSet::new();
            while let Ok((stream, _)) = listener.accept().await {
                sessions.spawn(session(stream, shared.clone()));
            }
        }));
    }

    /// Closes the port and every open connection.
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
            let _ = server.await;
        }
    }

    pub async fn restart(&mut self) {
        self.stop().await;
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        self.serve(listener);
    }

    pub fn refuse(&self, pattern: Option<&str>) {
        *self.shared.refuse.lock().unwrap() = pattern.map(str::to_owned);
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// Waits until at least `n` messages arrived (panics after `secs`).
    pub async fn wait_for(&self, n: usize, secs: u64) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "only {} of {n} messages arrived",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

async fn session(stream: TcpStream, shared: Arc<Shared>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let _ = write.write_all(b"220 sink ESMTP\r\n").await;
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let command = line.trim_end().to_owned();
        let upper = command.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            b"250-sink\r\n250 8BITMIME\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            from = command[10..].trim().to_owned();
            to.clear();
            b"250 OK\r\n"
        } else if upper.starts_with("RCPT TO:") {
            let rcpt = command[8..].trim().trim_matches(['<', '>']).to_owned();
            let refused = shared
                .refuse
                .lock()
                .unwrap()
                .as_deref()
                .is_some_and(|p| rcpt.contains(p));
            if refused {
                b"550 5.1.1 No such user\r\n"
            } else {
                to.push(rcpt);
                b"250 OK\r\n"
            }
        } else if upper == "DATA" {
            let _ = write
                .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                .await;
            let mut data = Vec::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                    return;
                }
                if line == ".\r\n" {
                    break;
                }
                let unstuffed = line.strip_prefix('.').unwrap_or(&line);
                data.extend_from_slice(unstuffed.as_bytes());
            }
            shared.received.lock().unwrap().push(Received {
                from: from.clone(),
                to: std::mem::take(&mut to),
                data,
            });
            b"250 OK queued\r\n"
        } else if upper == "QUIT" {
            let _ = write.write_all(b"221 Bye\r\n").await;
            return;
        } else {
            b"250 OK\r\n"
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}

//! A webhook receiver on loopback for the notification tests: it answers each request as
//! its script says (accept, fail with a status, or hang past the sender's timeout) and keeps
//! every body it read.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the receiver answers one request.
#[derive(Clone, Copy, Debug)]
pub enum Answer {
    /// 200.
    Accept,
    /// This status.
    Fail(u16),
    /// Nothing, for this long.
    Hang(Duration),
}

/// A running receiver.
pub struct Receiver {
    /// Its URL.
    pub url: String,
    /// The bodies received, in order.
    pub bodies: Arc<Mutex<Vec<String>>>,
}

impl Receiver {
    /// Starts a receiver answering the first requests as `script` says, then `then`.
    pub fn start(script: Vec<Answer>, then: Answer) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let kept = bodies.clone();
        std::thread::spawn(move || {
            let mut script = script.into_iter();
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let answer = script.next().unwrap_or(then);
                let body = read_request(&mut stream);
                kept.lock().unwrap().push(body);
                // A hanging answer must not hold up the next request.
                std::thread::spawn(move || match answer {
                    Answer::Accept => respond(&mut stream, 200),
                    Answer::Fail(code) => respond(&mut stream, code),
                    Answer::Hang(d) => std::thread::sleep(d),
                });
            }
        });
        Receiver { url, bodies }
    }

    /// The bodies received so far, as JSON.
    pub fn json(&self) -> Vec<serde_json::Value> {
        let bodies = self.bodies.lock().unwrap();
        bodies
            .iter()
            .map(|b| serde_json::from_str(b).unwrap())
            .collect()
    }
}

fn respond(stream: &mut std::net::TcpStream, code: u16) {
    let _ = write!(
        stream,
        "HTTP/1.1 {code} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
}

/// Reads one request's body (by Content-Length, or chunked).
fn read_request(stream: &mut std::net::TcpStream) -> String {
    let mut r = BufReader::new(stream);
    let mut length = None;
    let mut chunked = false;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse::<usize>().ok();
        }
        if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
            chunked = true;
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            r.read_line(&mut size).unwrap();
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            let mut chunk = vec![0; n + 2];
            r.read_exact(&mut chunk).unwrap();
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    } else if let Some(n) = length {
        body.resize(n, 0);
        r.read_exact(&mut body).unwrap();
    }
    String::from_utf8_lossy(&body).into_owned()
}

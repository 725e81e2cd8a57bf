//! A real `serve` on an ephemeral port, and a small HTTP/1.1 client over a TCP socket.

use super::p;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running server; killed when dropped.
pub struct Server {
    pub child: Child,
    pub port: u16,
    pub stderr: BufReader<std::process::ChildStderr>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `serve` on `dir` with `args` and an environment, and reads its address.
    pub fn start(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_returnrisk-tui"));
        cmd.args(["serve", "--data", p(dir), "--bind", "127.0.0.1:0"])
            .args(args)
            .env_remove("RETURNRISK_TOKEN")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        stderr.read_line(&mut line).unwrap();
        let addr = line
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("first line: {line:?}"));
        let port = addr.split([':', ' ']).nth(1).unwrap().parse().unwrap();
        Server {
            child,
            port,
            stderr,
        }
    }

    /// Waits for the `ready` line (data and models loaded).
    pub fn ready(mut self) -> Server {
        let mut line = String::new();
        self.stderr.read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "ready");
        self
    }

    pub fn get(&self, path: &str) -> (u16, Value) {
        self.send("GET", path, &[], None)
    }

    pub fn post(&self, path: &str, body: &str) -> (u16, Value) {
        self.send("POST", path, &[], Some(body))
    }

    /// One request on a fresh connection; the status and the body (JSON, or text as a
    /// JSON string).
    pub fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[&str],
        body: Option<&str>,
    ) -> (u16, Value) {
        let (status, _, text) = http(
            self.port,
            method,
            path,
            headers,
            body.unwrap_or("").as_bytes(),
        );
        let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, v)
    }

    pub fn get_with_auth(&self, path: &str, headers: &[&str]) -> (u16, Value) {
        self.send("GET", path, headers, None)
    }

    /// A GET's status, response head (lower case) and body text.
    pub fn get_raw(&self, path: &str) -> (u16, String, String) {
        http(self.port, "GET", path, &[], b"")
    }
}

/// A minimal HTTP/1.1 exchange (`Connection: close`, `Content-Length`, chunked answers):
/// the status, the head in lower case, the body.
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[&str],
    body: &[u8],
) -> (u16, String, String) {
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for h in headers {
        req.push_str(h);
        req.push_str("\r\n");
    }
    req.push_str("\r\n");
    let mut bytes = req.into_bytes();
    bytes.extend_from_slice(body);
    exchange(port, &bytes)
}

/// Sends `request` as it is (also bytes no client would send) and reads the answer to the
/// end: the status, the head in lower case, the body.
pub fn exchange(port: u16, request: &[u8]) -> (u16, String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let _ = s.write_all(request);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(raw.len());
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let rest = raw.get(split + 4..).unwrap_or(&[]);
    let status = head.split(' ').nth(1).unwrap_or("0").parse().unwrap_or(0);
    let body = if head.contains("transfer-encoding: chunked") {
        dechunk(rest)
    } else {
        rest.to_vec()
    };
    (status, head, String::from_utf8_lossy(&body).into_owned())
}

/// The body of a chunked answer.
pub fn dechunk(mut s: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = s.windows(2).position(|w| w == b"\r\n") {
        let size = String::from_utf8_lossy(&s[..eol]);
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        let data = &s[eol + 2..];
        if n == 0 || data.len() < n {
            break;
        }
        out.extend_from_slice(&data[..n]);
        s = data.get(n + 2..).unwrap_or(&[]);
    }
    out
}

pub fn error_of(v: &Value) -> (&str, Option<&str>) {
    let e = &v["error"];
    (e["code"].as_str().unwrap_or(""), e["field"].as_str())
}

/// One order of the demo data's columns.
pub fn order(seller: &str) -> String {
    format!(
        r#"{{"seller_id":"{seller}","Product_Category":"Footwear","Product_Price":59.9,"Discount_Applied":10,"Delivery_Time_Days":7,"Customer_Type":"New","Payment_Method":"COD","Customer_Return_Rate":0.3,"Product_Rating":2.5}}"#
    )
}

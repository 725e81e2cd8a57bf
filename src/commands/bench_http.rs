//! `bench --http`: a load test of `serve` with its own keep-alive HTTP/1.1 client, on this
//! machine (client and server share its cores). Starts the real binary on the data (or loads
//! `--url` instead, e.g. the FastAPI comparison in `bench/fastapi/`), then times single-order
//! `/predict`, batch `/predict` and the marketplace overview. Medians and p99 of each request's
//! latency, never assertions.

use color_eyre::eyre::{Result, WrapErr, bail, eyre};
use serde::Serialize;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One load's result.
#[derive(Debug, Serialize)]
pub struct Load {
    /// What was asked.
    pub what: String,
    /// Concurrent keep-alive connections.
    pub connections: usize,
    /// Requests answered 200.
    pub requests: u64,
    /// Answers other than 200.
    pub errors: u64,
    /// Requests per second.
    pub requests_per_second: f64,
    /// Orders scored per second (batch loads).
    pub orders_per_second: Option<f64>,
    /// Latency percentiles, ms.
    pub p50_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
}

/// A keep-alive HTTP/1.1 connection.
struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Conn {
    fn open(host: &str) -> Result<Conn> {
        let s = TcpStream::connect(host).wrap_err_with(|| format!("cannot connect to {host}"))?;
        s.set_nodelay(true)?;
        Ok(Conn {
            reader: BufReader::new(s.try_clone()?),
            writer: s,
        })
    }

    /// Sends one request and reads the whole answer; returns its status.
    fn call(&mut self, request: &[u8]) -> Result<u16> {
        self.writer.write_all(request)?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status: u16 = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| eyre!("bad status line {line:?}"))?;
        let mut length = 0usize;
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0u8; length];
        self.reader.read_exact(&mut body)?;
        Ok(status)
    }
}

/// `host:port` and path of an `http://` URL.
fn split_url(url: &str) -> Result<(String, String)> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| eyre!("--url {url:?}: expected http://HOST:PORT/PATH"))?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    Ok((host.to_string(), format!("/{path}")))
}

/// Runs `connections` loops of `request` for `seconds`.
fn load(
    what: &str,
    host: &str,
    request: Vec<u8>,
    connections: usize,
    seconds: f64,
    orders: usize,
) -> Result<Load> {
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let results: Vec<Result<(Vec<f64>, u64)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..connections)
            .map(|_| {
                let request = &request;
                s.spawn(move || -> Result<(Vec<f64>, u64)> {
                    let mut conn = Conn::open(host)?;
                    let (mut times, mut errors) = (Vec::new(), 0u64);
                    while Instant::now() < deadline {
                        let t = Instant::now();
                        let status = conn.call(request)?;
                        times.push(t.elapsed().as_secs_f64() * 1000.0);
                        errors += u64::from(status != 200);
                    }
                    Ok((times, errors))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(eyre!("client thread panicked")))
            })
            .collect()
    });
    let elapsed = started.elapsed().as_secs_f64();
    let mut times = Vec::new();
    let mut errors = 0;
    for r in results {
        let (t, e) = r?;
        times.extend(t);
        errors += e;
    }
    if times.is_empty() {
        bail!("{what}: no request completed");
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    let requests = times.len() as u64 - errors;
    Ok(Load {
        what: what.to_string(),
        connections,
        requests,
        errors,
        requests_per_second: times.len() as f64 / elapsed,
        orders_per_second: (orders > 1).then(|| (requests as usize * orders) as f64 / elapsed),
        p50_ms: at(0.5),
        p99_ms: at(0.99),
    })
}

fn post(host: &str, path: &str, body: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn get(host: &str, path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n").into_bytes()
}

/// One order of the demo data's columns.
pub const DEMO_ORDER: &str = r#"{"seller_id":"S023","Product_Category":"Footwear","Product_Price":59.9,"Discount_Applied":10,"Delivery_Time_Days":7,"Customer_Type":"New","Payment_Method":"COD","Customer_Return_Rate":0.3,"Product_Rating":2.5}"#;

/// A `serve` child on a free port; killed when dropped.
struct Child_(Child);

impl Drop for Child_ {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `serve` on `data` and waits until it is ready; returns it and its `host:port`.
fn start_server(data: &std::path::Path) -> Result<(Child_, String)> {
    let mut child = Command::new(std::env::current_exe()?)
        .args(["serve", "--bind", "127.0.0.1:0", "--data"])
        .arg(data)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut err = BufReader::new(child.stderr.take().ok_or_else(|| eyre!("no stderr"))?);
    let mut line = String::new();
    err.read_line(&mut line)?;
    let host = line
        .strip_prefix("listening on http://")
        .and_then(|r| r.split(' ').next())
        .ok_or_else(|| eyre!("serve said {line:?}"))?
        .to_string();
    line.clear();
    err.read_line(&mut line)?;
    if line.trim() != "ready" {
        bail!("serve did not get ready: {line}");
    }
    Ok((Child_(child), host))
}

/// What `bench --http` prints.
#[derive(Debug, Serialize)]
pub struct HttpBench {
    /// The server measured.
    pub target: String,
    /// The loads.
    pub loads: Vec<Load>,
}

/// Runs the loads against `url` (single-order POSTs of `DEMO_ORDER` only), or against a
/// `serve` started on `data`.
pub fn run(
    data: &std::path::Path,
    url: Option<&str>,
    seconds: f64,
    connections: usize,
) -> Result<HttpBench> {
    if let Some(url) = url {
        let (host, path) = split_url(url)?;
        let one = load(
            "single-order predict",
            &host,
            post(&host, &path, DEMO_ORDER),
            connections,
            seconds,
            1,
        )?;
        return Ok(HttpBench {
            target: url.to_string(),
            loads: vec![one],
        });
    }
    let (_server, host) = start_server(data)?;
    let batch: Vec<&str> = std::iter::repeat_n(DEMO_ORDER, 1000).collect();
    let batch = format!(r#"{{"orders":[{}]}}"#, batch.join(","));
    let loads = vec![
        load(
            "single-order predict",
            &host,
            post(&host, "/api/v1/predict", DEMO_ORDER),
            connections,
            seconds,
            1,
        )?,
        load(
            "batch predict (1,000 orders)",
            &host,
            post(&host, "/api/v1/predict", &batch),
            connections,
            seconds,
            1000,
        )?,
        load(
            "marketplace overview (30d)",
            &host,
            get(&host, "/api/v1/marketplace?window=30"),
            connections,
            seconds,
            1,
        )?,
    ];
    Ok(HttpBench {
        target: format!("returnrisk-tui serve on {}", data.display()),
        loads,
    })
}

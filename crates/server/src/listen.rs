//! Accepting connections, with the limits a server facing careless or hostile clients
//! needs: at most `max_connections` open at once (past that, new clients wait in the
//! kernel's queue until one closes, and the process never runs out of file descriptors),
//! and a connection that has not sent a whole request head within `header_timeout` (a
//! trickling client, or an idle keep-alive one) is closed. On shutdown every connection
//! finishes the request it is serving and closes.

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};

/// Open connections unless `--max-connections` says otherwise.
pub const MAX_CONNECTIONS: usize = 1024;
/// The most `--max-connections` may ask for (a semaphore's permits are counted in u32).
pub const MAX_CONNECTIONS_LIMIT: usize = 1_000_000;
/// Seconds a client has to send a request head unless `--header-timeout` says otherwise.
pub const HEADER_TIMEOUT_SECONDS: f64 = 10.0;
/// File descriptors kept for everything but connections (data files, the case database,
/// the registry watcher, logs).
pub const RESERVED_FDS: u64 = 64;

/// How many connections, and how long a request head may take.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Connections open at once.
    pub max_connections: usize,
    /// Time to send a whole request head (also how long an idle connection stays open).
    pub header_timeout: Duration,
}

/// The process's soft limit on open files, if it can be read.
pub fn open_file_limit() -> Option<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one `rlimit` into the struct it is given.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == 0;
    (ok && lim.rlim_cur != libc::RLIM_INFINITY).then_some(lim.rlim_cur)
}

/// The connection cap to use: `asked` (or the default), which must leave [`RESERVED_FDS`]
/// of the open-file limit `fds` free. Asked for more: an error naming both numbers; the
/// default is lowered to fit.
pub fn connection_cap(asked: Option<usize>, fds: Option<u64>) -> Result<usize, String> {
    let room = fds.map(|n| n.saturating_sub(RESERVED_FDS) as usize);
    match (asked, room) {
        (Some(n), _) if n == 0 || n > MAX_CONNECTIONS_LIMIT => Err(format!(
            "serve --max-connections {n}: expected 1 to {MAX_CONNECTIONS_LIMIT}"
        )),
        (Some(n), Some(room)) if n > room => Err(format!(
            "serve --max-connections {n}: the open-file limit ({} files, `ulimit -n`) leaves room for {room} connections",
            fds.unwrap_or_default()
        )),
        (Some(n), _) => Ok(n),
        (None, Some(room)) => Ok(MAX_CONNECTIONS.min(room).max(1)),
        (None, None) => Ok(MAX_CONNECTIONS),
    }
}

/// Serves `app` on `listener` until `stop` resolves, then waits for every connection to
/// finish its request and close.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    stop: impl std::future::Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (close_tx, close_rx) = watch::channel(false);
    let mut stop = std::pin::pin!(stop);
    loop {
        let slot = tokio::select! {
            s = slots.clone().acquire_owned() => match s {
                Ok(s) => s,
                Err(_) => break,
            },
            () = &mut stop => break,
        };
        let stream = tokio::select! {
            r = listener.accept() => match r {
                Ok((stream, _)) => stream,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        tokio::spawn(connection(
            stream,
            app.clone(),
            limits.header_timeout,
            close_rx.clone(),
            slot,
        ));
    }
    drop(listener);
    let _ = close_tx.send(true);
    let _ = slots.acquire_many(limits.max_connections as u32).await;
}

/// After a failed accept: a client that hung up before it was accepted is nothing; out of
/// file descriptors (another part of the process holding many), wait a little.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind::*;
    if matches!(e.kind(), ConnectionAborted | ConnectionReset | Interrupted) {
        return;
    }
    tracing::warn!("accepting a connection: {e}");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// One connection's requests, holding its `slot` until it closes.
async fn connection(
    stream: TcpStream,
    app: Router,
    header_timeout: Duration,
    mut close: watch::Receiver<bool>,
    _slot: OwnedSemaphorePermit,
) {
    let _ = stream.set_nodelay(true);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let io = TokioIo::new(super::parse_errors::JsonParseErrors::new(stream));
    let conn = builder.serve_connection(io, TowerToHyperService::new(app));
    let mut conn = std::pin::pin!(conn);
    tokio::select! {
        r = conn.as_mut() => log_end(r),
        _ = async { close.wait_for(|closing| *closing).await.map(|_| ()) } => {
            conn.as_mut().graceful_shutdown();
            log_end(conn.await);
        }
    }
}

fn log_end(r: Result<(), hyper::Error>) {
    if let Err(e) = r {
        tracing::debug!("connection ended: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_leaves_room_for_the_files_the_server_needs() {
        assert_eq!(connection_cap(None, None), Ok(MAX_CONNECTIONS));
        assert_eq!(connection_cap(None, Some(256)), Ok(192));
        assert_eq!(connection_cap(None, Some(100_000)), Ok(MAX_CONNECTIONS));
        assert_eq!(connection_cap(None, Some(10)), Ok(1));
        assert_eq!(connection_cap(Some(50), Some(256)), Ok(50));
        assert_eq!(connection_cap(Some(5000), None), Ok(5000));
        let e = connection_cap(Some(200), Some(256)).unwrap_err();
        assert!(
            e.contains("--max-connections 200") && e.contains("192"),
            "{e}"
        );
        assert!(connection_cap(Some(0), Some(256)).is_err());
        // Without an open-file limit a count is still bounded (no truncation, no panic).
        assert!(connection_cap(Some(usize::MAX), None).is_err());
    }
}

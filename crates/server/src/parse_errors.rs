//! hyper answers a request it cannot parse (a request target over 64 KiB, more than 100
//! header fields, a request line or a `Content-Length` that is not HTTP) itself, before any
//! handler, with an empty 4xx and `connection: close`. [`JsonParseErrors`] wraps a
//! connection's socket and rewrites exactly those answers, as they are written, into the
//! documented `{"error": {...}}` with the same status, so every error a client sees is JSON.

use super::error::{ApiError, MAX_URI_BYTES};
use axum::http::StatusCode;
use std::io::IoSlice;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A socket whose parser-made empty 4xx answers become JSON errors.
pub struct JsonParseErrors<S> {
    inner: S,
    /// A rewritten answer still to be written, and how much of it is.
    pending: Vec<u8>,
    written: usize,
}

impl<S> JsonParseErrors<S> {
    /// Wraps `inner`.
    pub fn new(inner: S) -> Self {
        JsonParseErrors {
            inner,
            pending: Vec::new(),
            written: 0,
        }
    }
}

/// The error a parser-made answer with `status` stands for.
fn error_for(status: StatusCode) -> ApiError {
    let (code, message) = match status {
        StatusCode::URI_TOO_LONG => (
            "uri_too_long",
            format!("the request target is over 64 KiB; at most {MAX_URI_BYTES} bytes"),
        ),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => (
            "headers_too_large",
            "the request has more than 100 header fields, or a head too large to read".into(),
        ),
        _ => (
            "bad_request",
            "the request is not HTTP/1.1 (its request line, a header or Content-Length)".into(),
        ),
    };
    ApiError::new(status, code, message)
}

/// `head` rewritten as a JSON error when it is a whole answer head the parser made: a 4xx
/// with `connection: close` and an empty body (every answer of a handler that is an error
/// has a JSON body, so none of them matches).
fn rewrite(head: &[u8]) -> Option<Vec<u8>> {
    const EMPTY: &[u8] = b"\r\ncontent-length: 0\r\n";
    // The parser's answers are a short head alone; anything else passes at the cost of a
    // prefix comparison.
    if !head.starts_with(b"HTTP/1.1 4") || head.len() > 512 {
        return None;
    }
    let text = std::str::from_utf8(head).ok()?;
    if !(text.starts_with("HTTP/1.1 4")
        && text.ends_with("\r\n\r\n")
        && text.contains("\r\nconnection: close\r\n"))
    {
        return None;
    }
    let at = head.windows(EMPTY.len()).position(|w| w == EMPTY)?;
    let status = StatusCode::from_bytes(head.get(9..12)?).ok()?;
    let body = error_for(status).body();
    let mut out = Vec::with_capacity(head.len() + body.len() + 40);
    out.extend_from_slice(&head[..at]);
    let headers = format!(
        "\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
        body.len()
    );
    out.extend_from_slice(headers.as_bytes());
    out.extend_from_slice(&head[at + EMPTY.len()..]);
    out.extend_from_slice(&body);
    Some(out)
}

impl<S: AsyncWrite + Unpin> JsonParseErrors<S> {
    /// Writes what is left of a rewritten answer.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        while self.written < self.pending.len() {
            let n =
                ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(std::io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        self.pending.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }

    /// Takes `buf` as written, queueing its rewrite, when it is a parser-made answer.
    fn poll_rewritten(
        &mut self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Option<Poll<std::io::Result<usize>>> {
        let json = rewrite(buf)?;
        self.pending = json;
        self.written = 0;
        Some(match self.poll_pending(cx) {
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            // The rest goes out on the flush hyper makes next.
            _ => Poll::Ready(Ok(buf.len())),
        })
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for JsonParseErrors<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for JsonParseErrors<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        ready!(self.poll_pending(cx))?;
        if let Some(done) = self.poll_rewritten(cx, buf) {
            return done;
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        ready!(self.poll_pending(cx))?;
        let mut filled = bufs.iter().filter(|b| !b.is_empty());
        if let (Some(only), None) = (filled.next(), filled.next())
            && let Some(done) = self.poll_rewritten(cx, only)
        {
            return done;
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    const HEAD_414: &[u8] = b"HTTP/1.1 414 URI Too Long\r\nconnection: close\r\ncontent-length: 0\r\ndate: Sun, 06 Dec 2026 23:07:48 GMT\r\n\r\n";

    #[test]
    fn only_the_parsers_empty_answers_are_rewritten() {
        let out = String::from_utf8(rewrite(HEAD_414).unwrap()).unwrap();
        let (head, body) = out.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 414 URI Too Long\r\nconnection: close\r\n"));
        assert!(head.contains("content-type: application/json"), "{head}");
        assert!(
            head.contains(&format!("content-length: {}", body.len())),
            "{head}"
        );
        assert!(
            head.ends_with("date: Sun, 06 Dec 2026 23:07:48 GMT"),
            "{head}"
        );
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["error"]["code"], "uri_too_long");
        // A handler's answer (JSON body, kept alive) and a success pass untouched.
        let handler = b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: 69\r\n\r\n";
        assert_eq!(rewrite(handler), None);
        let ok = b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(rewrite(ok), None);
        assert_eq!(rewrite(&HEAD_414[..40]), None);
    }

    #[tokio::test]
    async fn a_rewritten_answer_is_written_whole_through_short_writes() {
        // A peer that takes the bytes 7 at a time.
        let (client, mut server) = tokio::io::duplex(7);
        let mut w = JsonParseErrors::new(client);
        let reader = tokio::spawn(async move {
            let mut all = Vec::new();
            tokio::io::AsyncReadExt::read_to_end(&mut server, &mut all)
                .await
                .unwrap();
            all
        });
        w.write_all(HEAD_414).await.unwrap();
        w.shutdown().await.unwrap();
        drop(w);
        let all = reader.await.unwrap();
        assert_eq!(all, rewrite(HEAD_414).unwrap());
    }
}

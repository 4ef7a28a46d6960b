//! How many connections the server holds open: at most a few per address and a fixed number in
//! all, so one machine opening connections and sending nothing (or sending slowly) cannot take
//! every slot. Together with hyper's header timeout and the request timeout, a connection that
//! does nothing useful is closed and its slot given back.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum_server::accept::Accept;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Open connections, counted per address.
#[derive(Debug, Default)]
struct Open {
    per_address: HashMap<IpAddr, usize>,
    total: usize,
}

/// An acceptor that refuses a connection beyond the caps before handing it to `inner` (the
/// plain or the TLS acceptor).
#[derive(Debug, Clone)]
pub struct Capped<A> {
    inner: A,
    open: Arc<Mutex<Open>>,
    per_address: usize,
    total: usize,
}

impl<A> Capped<A> {
    pub fn new(inner: A, per_address: usize, total: usize) -> Self {
        Capped {
            inner,
            open: Arc::new(Mutex::new(Open::default())),
            per_address: per_address.max(1),
            total: total.max(1),
        }
    }

    fn reserve(&self, ip: IpAddr) -> io::Result<Slot> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let here = open.per_address.get(&ip).copied().unwrap_or(0);
        if here >= self.per_address || open.total >= self.total {
            return Err(io::Error::other("too many connections"));
        }
        open.per_address.insert(ip, here + 1);
        open.total += 1;
        Ok(Slot {
            ip,
            open: self.open.clone(),
        })
    }
}

/// One connection's place, given back when the connection closes.
#[derive(Debug)]
struct Slot {
    ip: IpAddr,
    open: Arc<Mutex<Open>>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.total = open.total.saturating_sub(1);
        if let Some(n) = open.per_address.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.per_address.remove(&self.ip);
            }
        }
    }
}

/// A connection holding its slot for as long as it is open.
#[derive(Debug)]
pub struct Held<S> {
    inner: S,
    _slot: Slot,
}

type Accepted<S, V> = io::Result<(Held<S>, V)>;

impl<A, V> Accept<TcpStream, V> for Capped<A>
where
    A: Accept<TcpStream, V> + Clone + Send + Sync + 'static,
    A::Future: Send + 'static,
    A::Stream: Send + 'static,
    A::Service: Send + 'static,
    V: Send + 'static,
{
    type Stream = Held<A::Stream>;
    type Service = A::Service;
    type Future = Pin<Box<dyn Future<Output = Accepted<A::Stream, A::Service>> + Send>>;

    fn accept(&self, stream: TcpStream, service: V) -> Self::Future {
        let slot = stream.peer_addr().and_then(|peer| self.reserve(peer.ip()));
        let inner = self.inner.clone();
        Box::pin(async move {
            let slot = slot?;
            let (stream, service) = inner.accept(stream, service).await?;
            Ok((
                Held {
                    inner: stream,
                    _slot: slot,
                },
                service,
            ))
        })
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Held<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Held<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

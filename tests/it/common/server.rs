//! A loopback HTTP/1.1 server on 127.0.0.1:0 whose pages the test changes
//! between runs ([`Reply`]: pages, redirects, resets, trickles, huge bodies,
//! a reply made afresh per request), with a webhook receiver (`POST /hook`)
//! that can be taken down, made slow or made to fail, and a record of what
//! it was asked.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the server answers on a path.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A normal response; an `ETag` header makes it answer 304 to a matching If-None-Match.
    Page {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Redirect to another path.
    Redirect(String),
    /// Reset the connection after reading the request.
    Reset,
    /// Send headers and a few bytes, then a byte per second forever.
    Trickle,
    /// Stream `len` bytes of HTML-ish filler as fast as the client reads.
    Huge { len: u64 },
    /// Made afresh for every request: the function gets the request's
    /// number on this path (1 for the first) and answers with another
    /// reply (page furniture that changes on every load).
    Dynamic(Render),
}

/// The function behind [`Reply::Dynamic`].
#[derive(Clone)]
pub struct Render(pub Arc<dyn Fn(usize) -> Reply + Send + Sync>);

impl std::fmt::Debug for Render {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Render(..)")
    }
}

impl Reply {
    /// A reply made afresh for each request from its number on the path.
    pub fn dynamic(f: impl Fn(usize) -> Reply + Send + Sync + 'static) -> Reply {
        Reply::Dynamic(Render(Arc::new(f)))
    }
}

impl Reply {
    pub fn html(body: impl Into<String>) -> Reply {
        Reply::Page {
            status: 200,
            headers: vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
            body: body.into().into_bytes(),
        }
    }
    pub fn with_etag(self, tag: &str) -> Reply {
        match self {
            Reply::Page {
                status,
                mut headers,
                body,
            } => {
                headers.push(("ETag".into(), format!("\"{tag}\"")));
                Reply::Page {
                    status,
                    headers,
                    body,
                }
            }
            other => other,
        }
    }
    pub fn status(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply::Page {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }
}

#[derive(Default)]
struct State {
    routes: HashMap<String, Reply>,
    hits: HashMap<String, usize>,
    hook_down: bool,
    /// The next this many POSTs to /hook answer 503.
    hook_failures: usize,
    /// Headers (lowercase names) and raw body of each accepted POST.
    hook_raw: Vec<(HashMap<String, String>, Vec<u8>)>,
    /// When each POST to /hook arrived.
    hook_times: Vec<std::time::Instant>,
    hooks: Vec<serde_json::Value>,
    /// Pause before answering a GET (to observe concurrency).
    delay: Duration,
    /// Pause before taking a POST (a slow receiver).
    hook_delay: Duration,
    in_flight: usize,
    max_in_flight: usize,
    /// Path, headers and raw body of every accepted POST, in order.
    posts: Vec<(String, HashMap<String, String>, Vec<u8>)>,
    /// Request headers of each GET, by path, in order.
    requests: HashMap<String, Vec<HashMap<String, String>>>,
}

/// A loopback HTTP/1.1 server, one thread per connection.
#[derive(Clone)]
pub struct Server {
    pub addr: std::net::SocketAddr,
    state: Arc<Mutex<State>>,
}

impl Server {
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(Mutex::new(State::default()));
        let s = state.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let s = s.clone();
                std::thread::spawn(move || {
                    let _ = handle(conn, &s);
                });
            }
        });
        Server { addr, state }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn set(&self, path: &str, reply: Reply) {
        self.state
            .lock()
            .unwrap()
            .routes
            .insert(path.to_string(), reply);
    }

    pub fn hits(&self, path: &str) -> usize {
        self.state
            .lock()
            .unwrap()
            .hits
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    /// While down, POST /hook answers 503.
    pub fn set_hook_down(&self, down: bool) {
        self.state.lock().unwrap().hook_down = down;
    }

    /// Make every GET wait this long before answering.
    pub fn set_delay(&self, d: Duration) {
        self.state.lock().unwrap().delay = d;
    }

    /// Make every POST wait this long before it is taken.
    pub fn set_hook_delay(&self, d: Duration) {
        self.state.lock().unwrap().hook_delay = d;
    }

    /// Most GETs ever in progress at once.
    pub fn max_in_flight(&self) -> usize {
        self.state.lock().unwrap().max_in_flight
    }

    /// Request headers (lowercase names) of the GETs of `path`, in order.
    pub fn requests(&self, path: &str) -> Vec<HashMap<String, String>> {
        self.state
            .lock()
            .unwrap()
            .requests
            .get(path)
            .cloned()
            .unwrap_or_default()
    }

    /// Headers and raw bodies of the POSTs /hook accepted, in order.
    pub fn hook_raw(&self) -> Vec<(HashMap<String, String>, Vec<u8>)> {
        self.state.lock().unwrap().hook_raw.clone()
    }

    /// The next `n` POSTs to /hook answer 503, then it recovers.
    pub fn fail_hook_times(&self, n: usize) {
        self.state.lock().unwrap().hook_failures = n;
    }

    /// Arrival times of every POST to /hook (failed ones included).
    pub fn hook_times(&self) -> Vec<std::time::Instant> {
        self.state.lock().unwrap().hook_times.clone()
    }

    /// Headers and raw bodies of the accepted POSTs to `path`, in order.
    pub fn posts(&self, path: &str) -> Vec<(HashMap<String, String>, Vec<u8>)> {
        self.state
            .lock()
            .unwrap()
            .posts
            .iter()
            .filter(|(p, _, _)| p == path)
            .map(|(_, h, b)| (h.clone(), b.clone()))
            .collect()
    }

    /// The accepted POSTs to `path` parsed as JSON.
    pub fn post_json(&self, path: &str) -> Vec<serde_json::Value> {
        self.posts(path)
            .iter()
            .filter_map(|(_, b)| serde_json::from_slice(b).ok())
            .collect()
    }

    /// JSON bodies received on POST /hook (while up), in order.
    pub fn hooks(&self) -> Vec<serde_json::Value> {
        self.state.lock().unwrap().hooks.clone()
    }
}

fn handle(conn: TcpStream, state: &Arc<Mutex<State>>) -> std::io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("/").to_string();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h == "\r\n" || h == "\n" {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let mut out = conn;
    if method == "POST" {
        let len: usize = headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; len];
        reader.read_exact(&mut body)?;
        let pause = state.lock().unwrap().hook_delay;
        std::thread::sleep(pause);
        let mut st = state.lock().unwrap();
        *st.hits.entry(path.clone()).or_default() += 1;
        st.hook_times.push(std::time::Instant::now());
        if st.hook_down || st.hook_failures > 0 {
            st.hook_failures = st.hook_failures.saturating_sub(1);
            return write_head(&mut out, 503, &[], Some(0));
        }
        if let Ok(v) = serde_json::from_slice(&body) {
            st.hooks.push(v);
        }
        st.posts.push((path.clone(), headers.clone(), body.clone()));
        st.hook_raw.push((headers.clone(), body));
        return write_head(&mut out, 204, &[], Some(0));
    }
    let (reply, delay, n) = {
        let mut st = state.lock().unwrap();
        *st.hits.entry(path.clone()).or_default() += 1;
        let n = st.hits[&path];
        st.requests
            .entry(path.clone())
            .or_default()
            .push(headers.clone());
        st.in_flight += 1;
        st.max_in_flight = st.max_in_flight.max(st.in_flight);
        (st.routes.get(&path).cloned(), st.delay, n)
    };
    let reply = match reply {
        Some(Reply::Dynamic(Render(f))) => Some(f(n)),
        other => other,
    };
    std::thread::sleep(delay);
    // Counted as done before the answer is sent: a client cannot start its
    // next request before it has the answer, so `max_in_flight` never
    // counts one request of a limited client twice.
    state.lock().unwrap().in_flight -= 1;
    answer(&mut out, reply, &headers)
}

fn answer(
    out: &mut TcpStream,
    reply: Option<Reply>,
    headers: &HashMap<String, String>,
) -> std::io::Result<()> {
    match reply {
        None => {
            write_head(
                out,
                404,
                &[("Content-Type".into(), "text/plain".into())],
                Some(9),
            )?;
            out.write_all(b"not found")
        }
        Some(Reply::Page {
            status,
            headers: hs,
            body,
        }) => {
            let etag = hs
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("etag"))
                .map(|(_, v)| v.clone());
            if etag.is_some() && headers.get("if-none-match") == etag.as_ref() {
                return write_head(out, 304, &hs, None);
            }
            let modified = hs
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("last-modified"))
                .map(|(_, v)| v.clone());
            if modified.is_some() && headers.get("if-modified-since") == modified.as_ref() {
                return write_head(out, 304, &hs, None);
            }
            write_head(out, status, &hs, Some(body.len()))?;
            out.write_all(&body)
        }
        Some(Reply::Redirect(to)) => write_head(out, 302, &[("Location".into(), to)], Some(0)),
        // made into another reply before answering
        Some(Reply::Dynamic(_)) => write_head(out, 500, &[], Some(0)),
        Some(Reply::Reset) => {
            let sock = socket2::SockRef::from(&*out);
            sock.set_linger(Some(Duration::ZERO))?;
            Ok(()) // dropping with zero linger sends RST
        }
        Some(Reply::Trickle) => {
            write_head(
                out,
                200,
                &[("Content-Type".into(), "text/html".into())],
                None, // close-delimited: only the client's total timeout stops it
            )?;
            out.write_all(b"<html><body><p>")?;
            for _ in 0..600 {
                std::thread::sleep(Duration::from_millis(200));
                out.write_all(b"a")?;
            }
            Ok(())
        }
        Some(Reply::Huge { len }) => {
            write_head(
                out,
                200,
                &[("Content-Type".into(), "text/html".into())],
                None,
            )?;
            let chunk =
                b"<p>filler filler filler filler filler filler filler filler</p>\n".repeat(1024);
            let mut sent = 0u64;
            while sent < len {
                out.write_all(&chunk)?;
                sent += chunk.len() as u64;
            }
            Ok(())
        }
    }
}

fn write_head(
    out: &mut TcpStream,
    status: u16,
    headers: &[(String, String)],
    len: Option<usize>,
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nConnection: close\r\n",
        reason(status)
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(n) = len {
        head.push_str(&format!("Content-Length: {n}\r\n"));
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes())
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        302 => "Found",
        304 => "Not Modified",
        404 => "Not Found",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

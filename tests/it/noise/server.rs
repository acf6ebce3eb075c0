//! One outlet of the corpus on loopback: a thread-per-connection HTTP/1.1
//! server on 127.0.0.1:0 that renders each request afresh, so furniture is
//! re-rolled on every load (the confirmation fetches included), while the
//! stories change only through [`Outlet::edit`].

use super::edits::{self, EditKind, Probe};
use super::layouts::{Ctx, Layout};
use super::rng::Rng;
use super::Story;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Pause between the chunks of a streamed page.
pub const CHUNK_PAUSE: Duration = Duration::from_millis(15);

struct State {
    stories: Vec<Story>,
    paths: Vec<String>,
    /// Requests served per article.
    requests: Vec<u64>,
    /// Requests for paths that are not articles.
    other: u64,
}

/// A running outlet.
#[derive(Clone)]
pub struct Outlet {
    pub layout: Layout,
    /// Position of the outlet in the corpus (mixed into the RNG).
    pub index: usize,
    pub addr: SocketAddr,
    seed: u64,
    state: Arc<Mutex<State>>,
}

impl Outlet {
    /// Start serving `stories` under `layout`; each article at
    /// `/news/2026/11/30/<slug of its first headline>`.
    pub fn start(
        layout: Layout,
        index: usize,
        seed: u64,
        stories: Vec<Story>,
    ) -> std::io::Result<Outlet> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let paths = stories
            .iter()
            .map(|s| format!("/news/2026/11/30/{}", s.slug()))
            .collect();
        let requests = vec![0; stories.len()];
        let outlet = Outlet {
            layout,
            index,
            addr,
            seed,
            state: Arc::new(Mutex::new(State {
                stories,
                paths,
                requests,
                other: 0,
            })),
        };
        let o = outlet.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let o = o.clone();
                std::thread::spawn(move || {
                    let _ = o.serve(conn);
                });
            }
        });
        Ok(outlet)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // a panicking connection thread must not take the corpus down
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Absolute URL of article `k`.
    pub fn url(&self, k: usize) -> String {
        format!("http://{}{}", self.addr, self.state().paths[k])
    }

    pub fn articles(&self) -> usize {
        self.state().stories.len()
    }

    /// The story as the server holds it now.
    pub fn story(&self, k: usize) -> Story {
        self.state().stories[k].clone()
    }

    /// Article requests served so far (every load, confirmation fetches
    /// included).
    pub fn loads(&self) -> u64 {
        self.state().requests.iter().sum()
    }

    /// Apply a real edit to article `k`; the probe a stored version must
    /// satisfy, `None` if the story has no place for this kind.
    pub fn edit(&self, k: usize, kind: EditKind) -> Option<Probe> {
        edits::apply(&mut self.state().stories[k], kind)
    }

    /// The page of article `k` as its `request`-th load renders it.
    pub fn render(&self, k: usize, request: u64) -> Vec<String> {
        let (story, siblings, path) = {
            let st = self.state();
            let siblings: Vec<String> = st
                .stories
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != k)
                .map(|(_, s)| s.title.clone())
                .collect();
            (st.stories[k].clone(), siblings, st.paths[k].clone())
        };
        let ctx = Ctx {
            story: &story,
            siblings: siblings.iter().map(String::as_str).collect(),
            path: &path,
            request,
        };
        let mut rng = Rng::for_request(self.seed, self.index, k, request);
        self.layout.render(&ctx, &mut rng)
    }

    fn serve(&self, conn: TcpStream) -> std::io::Result<()> {
        conn.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut reader = BufReader::new(conn.try_clone()?);
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h)? == 0 || h == "\r\n" || h == "\n" {
                break;
            }
        }
        let mut out = conn;
        let found = {
            let mut st = self.state();
            match st.paths.iter().position(|p| *p == path) {
                Some(k) => {
                    let n = st.requests[k];
                    st.requests[k] += 1;
                    Some((k, n))
                }
                None => {
                    st.other += 1;
                    None
                }
            }
        };
        let Some((k, n)) = found else {
            return out.write_all(
                b"HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nnot found",
            );
        };
        let chunks = self.render(k, n);
        let cookie = Rng::for_request(self.seed ^ 0xC00C1E, self.index, k, n).hex(16);
        let head = format!(
            "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: no-cache, no-store, must-revalidate\r\nSet-Cookie: sid={cookie}; Path=/; HttpOnly\r\n"
        );
        if let [one] = chunks.as_slice() {
            out.write_all(format!("{head}Content-Length: {}\r\n\r\n", one.len()).as_bytes())?;
            return out.write_all(one.as_bytes());
        }
        out.write_all(format!("{head}Transfer-Encoding: chunked\r\n\r\n").as_bytes())?;
        for c in &chunks {
            out.write_all(format!("{:x}\r\n{c}\r\n", c.len()).as_bytes())?;
            out.flush()?;
            std::thread::sleep(CHUNK_PAUSE);
        }
        out.write_all(b"0\r\n\r\n")
    }
}

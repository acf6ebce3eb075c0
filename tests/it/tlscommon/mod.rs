//! TLS for the end-to-end tests: certificates made by the test (a CA and
//! server certificates signed by it: good, expired, for another name), a
//! TLS front that serves a loopback [`common::Server`] over HTTPS, and an
//! SMTP server that requires STARTTLS and AUTH PLAIN.

use base64::Engine as _;
use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A certificate authority made for one test.
pub struct TestCa {
    /// The CA certificate, PEM (what `extra_ca_file` points at).
    pub pem: String,
    issuer: Issuer<'static, KeyPair>,
}

/// A server certificate and its key.
pub struct Leaf {
    pub cert: CertificateDer<'static>,
    key: Vec<u8>,
}

impl TestCa {
    pub fn new(name: &str) -> TestCa {
        let key = KeyPair::generate().expect("CA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let cert = params.self_signed(&key).expect("self-sign the CA");
        TestCa {
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A server certificate for `names` (DNS names or IP addresses),
    /// valid from 2000 to 4000 (or, `expired`, for the year 2000 only).
    pub fn leaf(&self, names: &[&str], expired: bool) -> Leaf {
        let key = KeyPair::generate().expect("leaf key");
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        let mut params = CertificateParams::new(names).expect("leaf params");
        params
            .distinguished_name
            .push(DnType::CommonName, "test server");
        params.not_before = date_time_ymd(2000, 1, 1);
        params.not_after = if expired {
            date_time_ymd(2001, 1, 1)
        } else {
            date_time_ymd(4000, 1, 1)
        };
        let cert = params.signed_by(&key, &self.issuer).expect("sign the leaf");
        Leaf {
            cert: cert.der().clone(),
            key: key.serialize_der(),
        }
    }

    /// Write the CA's PEM into `dir` and return the path.
    pub fn write_pem(&self, dir: &Path) -> PathBuf {
        let path = dir.join("test-ca.pem");
        std::fs::write(&path, &self.pem).expect("write the CA file");
        path
    }
}

impl Leaf {
    fn server_config(&self) -> Arc<rustls::ServerConfig> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key.clone()));
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(vec![self.cert.clone()], key)
            .expect("server certificate");
        Arc::new(config)
    }
}

/// What a TLS front saw: handshakes that completed and that failed.
#[derive(Default, Debug, Clone)]
pub struct FrontStats {
    pub handshakes: usize,
    pub failed_handshakes: usize,
}

/// Serves HTTPS on 127.0.0.1:0 with `leaf`, passing each request (HTTP/1.1,
/// one per connection, as [`common::Server`] answers) to the plain HTTP
/// server at `backend` and its answer back.
pub struct TlsFront {
    pub addr: SocketAddr,
    stats: Arc<Mutex<FrontStats>>,
}

impl TlsFront {
    pub fn start(backend: SocketAddr, leaf: &Leaf) -> TlsFront {
        let config = leaf.server_config();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let stats = Arc::new(Mutex::new(FrontStats::default()));
        let st = stats.clone();
        std::thread::spawn(move || {
            for tcp in listener.incoming().flatten() {
                let config = config.clone();
                let st = st.clone();
                std::thread::spawn(move || {
                    let _ = relay(tcp, config, backend, &st);
                });
            }
        });
        TlsFront { addr, stats }
    }

    /// `https://127.0.0.1:PORT{path}`
    pub fn url(&self, path: &str) -> String {
        format!("https://{}{path}", self.addr)
    }

    pub fn stats(&self) -> FrontStats {
        self.stats.lock().unwrap().clone()
    }
}

fn relay(
    tcp: TcpStream,
    config: Arc<rustls::ServerConfig>,
    backend: SocketAddr,
    stats: &Mutex<FrontStats>,
) -> std::io::Result<()> {
    tcp.set_read_timeout(Some(Duration::from_secs(10)))?;
    let conn = rustls::ServerConnection::new(config).map_err(std::io::Error::other)?;
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    let mut handshake = || -> std::io::Result<()> {
        while tls.conn.is_handshaking() {
            tls.conn.complete_io(&mut tls.sock)?;
        }
        Ok(())
    };
    if let Err(e) = handshake() {
        stats.lock().unwrap().failed_handshakes += 1;
        return Err(e);
    }
    stats.lock().unwrap().handshakes += 1;
    let request = read_request(&mut tls)?;
    let mut up = TcpStream::connect(backend)?;
    up.write_all(&request)?;
    let mut response = Vec::new();
    up.read_to_end(&mut response)?;
    tls.write_all(&response)?;
    tls.conn.send_close_notify();
    tls.flush()
}

/// One HTTP/1.1 request: the head, then `Content-Length` bytes of body.
fn read_request(r: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if r.read(&mut byte)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    r.read_exact(&mut body)?;
    buf.extend(body);
    Ok(buf)
}

/// One message an SMTP server took.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The user that authenticated before sending it.
    pub user: String,
    /// Whether the session was TLS when it was sent.
    pub tls: bool,
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

/// An SMTP server on 127.0.0.1:0 that offers STARTTLS with `leaf`, takes
/// AUTH PLAIN for `user`/`password` only after it, and refuses mail from a
/// session that is not encrypted and authenticated.
pub struct SmtpTls {
    pub port: u16,
    pub mails: Arc<Mutex<Vec<Mail>>>,
    /// Every command line received, in order (AUTH lines masked).
    pub commands: Arc<Mutex<Vec<String>>>,
}

impl SmtpTls {
    pub fn start(leaf: &Leaf, user: &str, password: &str) -> SmtpTls {
        let config = leaf.server_config();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().expect("local addr").port();
        let mails = Arc::new(Mutex::new(Vec::new()));
        let commands = Arc::new(Mutex::new(Vec::new()));
        let (m, c) = (mails.clone(), commands.clone());
        let (user, password) = (user.to_string(), password.to_string());
        std::thread::spawn(move || {
            for tcp in listener.incoming().flatten() {
                let s = Session {
                    config: config.clone(),
                    user: user.clone(),
                    password: password.clone(),
                    mails: m.clone(),
                    commands: c.clone(),
                };
                std::thread::spawn(move || {
                    let _ = s.run(tcp);
                });
            }
        });
        SmtpTls {
            port,
            mails,
            commands,
        }
    }
}

struct Session {
    config: Arc<rustls::ServerConfig>,
    user: String,
    password: String,
    mails: Arc<Mutex<Vec<Mail>>>,
    commands: Arc<Mutex<Vec<String>>>,
}

/// How a part of a session ended.
enum End {
    StartTls,
    Quit,
}

/// The envelope being built: who authenticated, the sender, recipients.
#[derive(Default)]
struct Envelope {
    user: Option<String>,
    from: Option<String>,
    to: Vec<String>,
}

impl Session {
    fn run(&self, tcp: TcpStream) -> std::io::Result<()> {
        tcp.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut reader = BufReader::new(tcp);
        reader.get_mut().write_all(b"220 test.local ESMTP\r\n")?;
        if let End::Quit = self.serve(&mut reader, false)? {
            return Ok(());
        }
        // the client waits for our 220 before its handshake: nothing is
        // buffered past the STARTTLS line
        let tcp = reader.into_inner();
        let conn =
            rustls::ServerConnection::new(self.config.clone()).map_err(std::io::Error::other)?;
        let mut reader = BufReader::new(rustls::StreamOwned::new(conn, tcp));
        self.serve(&mut reader, true).map(|_| ())
    }

    /// Answer commands until QUIT, the end of the stream, or (when not
    /// `tls` yet) STARTTLS.
    fn serve<S: Read + Write>(&self, r: &mut BufReader<S>, tls: bool) -> std::io::Result<End> {
        let mut env = Envelope::default();
        loop {
            let mut line = String::new();
            if r.read_line(&mut line)? == 0 {
                return Ok(End::Quit);
            }
            let cmd = line.trim_end().to_string();
            let upper = cmd.to_ascii_uppercase();
            self.commands
                .lock()
                .unwrap()
                .push(if upper.starts_with("AUTH") {
                    "AUTH ***".to_string()
                } else {
                    cmd.clone()
                });
            let reply: &[u8] = if upper.starts_with("EHLO") {
                if tls {
                    b"250-test.local\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n"
                } else {
                    b"250-test.local\r\n250 STARTTLS\r\n"
                }
            } else if upper == "STARTTLS" && !tls {
                r.get_mut().write_all(b"220 ready to start TLS\r\n")?;
                r.get_mut().flush()?;
                return Ok(End::StartTls);
            } else if upper.starts_with("AUTH PLAIN") {
                if !tls {
                    b"538 encryption required\r\n"
                } else if self.plain_ok(cmd[10..].trim()) {
                    env.user = Some(self.user.clone());
                    b"235 authenticated\r\n"
                } else {
                    b"535 bad credentials\r\n"
                }
            } else if upper.starts_with("MAIL FROM:") {
                if env.user.is_none() {
                    b"530 authentication required\r\n"
                } else {
                    env.from = Some(cmd[10..].trim().to_string());
                    env.to.clear();
                    b"250 OK\r\n"
                }
            } else if upper.starts_with("RCPT TO:") && env.from.is_some() {
                env.to.push(cmd[8..].trim().to_string());
                b"250 OK\r\n"
            } else if upper == "DATA" && !env.to.is_empty() {
                r.get_mut().write_all(b"354 go ahead\r\n")?;
                r.get_mut().flush()?;
                let mut data = String::new();
                loop {
                    let mut l = String::new();
                    if r.read_line(&mut l)? == 0 {
                        return Ok(End::Quit);
                    }
                    if l == ".\r\n" {
                        break;
                    }
                    data.push_str(l.strip_prefix('.').unwrap_or(&l));
                }
                self.mails.lock().unwrap().push(Mail {
                    user: env.user.clone().unwrap_or_default(),
                    tls,
                    from: env.from.take().unwrap_or_default(),
                    to: std::mem::take(&mut env.to),
                    data,
                });
                b"250 queued\r\n"
            } else if upper == "QUIT" {
                r.get_mut().write_all(b"221 bye\r\n")?;
                r.get_mut().flush()?;
                return Ok(End::Quit);
            } else if upper == "RSET" || upper == "NOOP" {
                b"250 OK\r\n"
            } else {
                b"502 not implemented\r\n"
            };
            r.get_mut().write_all(reply)?;
            r.get_mut().flush()?;
        }
    }

    /// AUTH PLAIN's argument: base64 of `authzid NUL user NUL password`.
    fn plain_ok(&self, given: &str) -> bool {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(given)
            .unwrap_or_default();
        let parts: Vec<&[u8]> = decoded.split(|b| *b == 0).collect();
        parts.len() == 3 && parts[1] == self.user.as_bytes() && parts[2] == self.password.as_bytes()
    }
}

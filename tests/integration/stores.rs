//! Real object stores on 127.0.0.1 for the publication tests: the S3 protocol served in this
//! process by `s3s-fs` (with faults on demand: unavailable, dead, a publisher killed), and
//! `moto_server` and Garage run as processes.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use s3s::service::S3ServiceBuilder;

use crate::test::tool;

pub(crate) const BUCKET: &str = "registry";
const ACCESS_KEY: &str = "AKIAREGISTRYTEST";
const SECRET_KEY: &str = "registry-test-secret-key";

/// The environment that points the binary's S3 client at a server.
pub(crate) fn s3_env(
    endpoint: &str,
    region: &str,
    key: &str,
    secret: &str,
) -> Vec<(String, String)> {
    [
        ("AWS_ENDPOINT", endpoint),
        ("AWS_ALLOW_HTTP", "true"),
        ("AWS_REGION", region),
        ("AWS_ACCESS_KEY_ID", key),
        ("AWS_SECRET_ACCESS_KEY", secret),
    ]
    .iter()
    .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
    .collect()
}

/// What the in-process server does to requests.
#[derive(Default)]
struct Faults {
    /// Requests seen since the last reset.
    seen: AtomicUsize,
    /// Answer this many requests with 503 before serving any.
    unavailable: AtomicUsize,
    /// Die on this request (1-based), before handling it; 0 never.
    die_at: AtomicUsize,
    /// Handle this request (1-based), then cut the connection instead of answering; 0 never.
    lose_response_at: AtomicUsize,
    /// Answer this request (1-based) with only the first half of its body, then cut it; 0 never.
    truncate_at: AtomicUsize,
    /// Handle every PUT, then cut the connection instead of answering.
    lose_puts: AtomicBool,
    /// PUTs seen since the last reset.
    puts: AtomicUsize,
    /// After handling this request (1-based), report it and wait to be told to go on; 0 never.
    pause_after: AtomicUsize,
    dead: AtomicBool,
}

/// The S3 protocol over a directory (`s3s-fs`), served in this process.
pub(crate) struct S3 {
    pub(crate) root: tempfile::TempDir,
    address: SocketAddr,
    runtime: tokio::runtime::Runtime,
    faults: Arc<Faults>,
    server: Mutex<Option<tokio::task::JoinHandle<()>>>,
    paused: Mutex<Option<(mpsc::Receiver<()>, mpsc::Sender<()>)>>,
}

impl S3 {
    /// A server with one bucket, [`BUCKET`].
    pub(crate) fn start() -> Self {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join(BUCKET)).unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let address = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let server = Self {
            root,
            address,
            runtime,
            faults: Arc::default(),
            server: Mutex::new(None),
            paused: Mutex::new(None),
        };
        server.serve();
        server
    }

    pub(crate) fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    pub(crate) fn env(&self) -> Vec<(String, String)> {
        s3_env(&self.endpoint(), "us-east-1", ACCESS_KEY, SECRET_KEY)
    }

    /// The environment with a wrong secret key.
    pub(crate) fn env_with_wrong_secret(&self) -> Vec<(String, String)> {
        s3_env(&self.endpoint(), "us-east-1", ACCESS_KEY, "not-the-secret")
    }

    /// The file behind `key` in the bucket.
    pub(crate) fn object(&self, key: &str) -> PathBuf {
        self.root.path().join(BUCKET).join(key)
    }

    /// Starts (or restarts, after [`Self::die_at`]) serving on the same address.
    pub(crate) fn serve(&self) {
        self.faults.dead.store(false, Ordering::SeqCst);
        let mut builder = S3ServiceBuilder::new(s3s_fs::FileSystem::new(self.root.path()).unwrap());
        builder.set_auth(s3s::auth::SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
        let service = builder.build();
        let faults = Arc::clone(&self.faults);
        let (pause_tx, pause_rx) = mpsc::channel::<()>();
        let (resume_tx, resume_rx) = mpsc::channel::<()>();
        *self.paused.lock().unwrap() = Some((pause_rx, resume_tx));
        let resume = Arc::new(Mutex::new(resume_rx));
        let address = self.address;
        let listener = self.runtime.block_on(async move {
            let started = Instant::now();
            loop {
                match tokio::net::TcpListener::bind(address).await {
                    Ok(listener) => break listener,
                    Err(error) if started.elapsed() > Duration::from_secs(10) => {
                        panic!("cannot bind {address}: {error}")
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            }
        });
        let task = self.runtime.spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            let stop = Arc::new(tokio::sync::Notify::new());
            loop {
                let accepted = tokio::select! {
                    accepted = listener.accept() => accepted,
                    () = stop.notified() => break,
                };
                let Ok((socket, _)) = accepted else { continue };
                // A connection the server cuts is reset, as a crashed server's would be.
                let _ = socket2::SockRef::from(&socket).set_linger(Some(Duration::ZERO));
                let service = service.clone();
                let faults = Arc::clone(&faults);
                let stop = Arc::clone(&stop);
                let pause_tx = pause_tx.clone();
                let resume = Arc::clone(&resume);
                connections.spawn(async move {
                    let handler = service_fn(move |request| {
                        let service = service.clone();
                        let faults = Arc::clone(&faults);
                        let stop = Arc::clone(&stop);
                        let pause_tx = pause_tx.clone();
                        let resume = Arc::clone(&resume);
                        async move {
                            if faults.dead.load(Ordering::SeqCst) {
                                return Err(std::io::Error::other("dead"));
                            }
                            let seen = faults.seen.fetch_add(1, Ordering::SeqCst) + 1;
                            if seen == faults.die_at.load(Ordering::SeqCst) {
                                faults.dead.store(true, Ordering::SeqCst);
                                stop.notify_one();
                                return Err(std::io::Error::other("dead"));
                            }
                            if seen <= faults.unavailable.load(Ordering::SeqCst) {
                                return Ok(hyper::Response::builder()
                                    .status(503)
                                    .body(s3s::Body::from(
                                        "<Error><Code>SlowDown</Code></Error>".to_owned(),
                                    ))
                                    .unwrap());
                            }
                            let put = request.method() == hyper::Method::PUT;
                            if put {
                                faults.puts.fetch_add(1, Ordering::SeqCst);
                            }
                            let response = hyper::service::Service::call(&service, request).await;
                            if seen == faults.lose_response_at.load(Ordering::SeqCst)
                                || (put && faults.lose_puts.load(Ordering::SeqCst))
                            {
                                return Err(std::io::Error::other("response lost"));
                            }
                            let response = if seen == faults.truncate_at.load(Ordering::SeqCst) {
                                truncate(response).await
                            } else {
                                response
                            };
                            if seen == faults.pause_after.load(Ordering::SeqCst) {
                                let _ = pause_tx.send(());
                                let resume = Arc::clone(&resume);
                                let _ = tokio::task::spawn_blocking(move || {
                                    resume.lock().unwrap().recv_timeout(Duration::from_secs(30))
                                })
                                .await;
                            }
                            response.map_err(|error| std::io::Error::other(format!("{error:?}")))
                        }
                    });
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(socket), handler)
                        .await;
                });
            }
            // Dead: no more connections, and the open ones are cut.
            drop(listener);
            connections.shutdown().await;
        });
        *self.server.lock().unwrap() = Some(task);
    }

    /// Counts requests from zero again, with no faults.
    pub(crate) fn reset(&self) {
        self.faults.seen.store(0, Ordering::SeqCst);
        self.faults.unavailable.store(0, Ordering::SeqCst);
        self.faults.die_at.store(0, Ordering::SeqCst);
        self.faults.pause_after.store(0, Ordering::SeqCst);
        self.faults.lose_response_at.store(0, Ordering::SeqCst);
        self.faults.truncate_at.store(0, Ordering::SeqCst);
        self.faults.lose_puts.store(false, Ordering::SeqCst);
        self.faults.puts.store(0, Ordering::SeqCst);
    }

    /// Requests seen since the last reset.
    pub(crate) fn seen(&self) -> usize {
        self.faults.seen.load(Ordering::SeqCst)
    }

    /// Answers the next `count` requests with 503 Slow Down.
    pub(crate) fn unavailable_for(&self, count: usize) {
        self.reset();
        self.faults.unavailable.store(count, Ordering::SeqCst);
    }

    /// Handles request `n` (counted from now), then cuts its connection without answering.
    pub(crate) fn lose_response_at(&self, n: usize) {
        self.reset();
        self.faults.lose_response_at.store(n, Ordering::SeqCst);
    }

    /// Answers request `n` (counted from now) with half its body, then cuts the connection.
    pub(crate) fn truncate_at(&self, n: usize) {
        self.reset();
        self.faults.truncate_at.store(n, Ordering::SeqCst);
    }

    /// Handles every PUT from now on, then cuts its connection without answering.
    pub(crate) fn lose_puts(&self) {
        self.reset();
        self.faults.lose_puts.store(true, Ordering::SeqCst);
    }

    /// PUTs seen since the last reset.
    pub(crate) fn puts(&self) -> usize {
        self.faults.puts.load(Ordering::SeqCst)
    }

    /// Dies on request `n` (counted from now), before handling it: the listener closes and
    /// every open connection is cut.
    pub(crate) fn die_at(&self, n: usize) {
        self.reset();
        self.faults.die_at.store(n, Ordering::SeqCst);
    }

    /// Whether the server has died.
    pub(crate) fn dead(&self) -> bool {
        self.faults.dead.load(Ordering::SeqCst)
    }

    /// Waits for the server to finish dying, so that it can be started again.
    pub(crate) fn wait_dead(&self) {
        if let Some(task) = self.server.lock().unwrap().take() {
            let _ = self.runtime.block_on(task);
        }
    }

    /// Runs `child` until the server has handled request `n` (counted from now), then kills it
    /// before it sees the response. Whether it was killed.
    pub(crate) fn kill_after(&self, n: usize, mut child: Child) -> bool {
        self.reset();
        self.faults.pause_after.store(n, Ordering::SeqCst);
        let guard = self.paused.lock().unwrap();
        let (paused, resume) = guard.as_ref().unwrap();
        let killed = loop {
            if paused.recv_timeout(Duration::from_millis(20)).is_ok() {
                child.kill().unwrap();
                let _ = resume.send(());
                break true;
            }
            if child.try_wait().unwrap().is_some() {
                break false;
            }
        };
        let _ = child.wait();
        self.faults.pause_after.store(0, Ordering::SeqCst);
        killed
    }
}

/// The response with only the first half of its body, after which the connection is cut; the
/// headers still promise all of it.
async fn truncate(
    response: Result<hyper::Response<s3s::Body>, s3s::HttpError>,
) -> Result<hyper::Response<s3s::Body>, s3s::HttpError> {
    let mut response = response?;
    let Ok(bytes) = response.body_mut().store_all_limited(usize::MAX).await else {
        return Ok(response);
    };
    if bytes.len() < 2 {
        *response.body_mut() = s3s::Body::from(bytes);
        return Ok(response);
    }
    let half = bytes.slice(..bytes.len() / 2);
    let frames: [Result<http_body::Frame<bytes::Bytes>, std::io::Error>; 2] = [
        Ok(http_body::Frame::data(half)),
        Err(std::io::Error::other("cut off")),
    ];
    *response.body_mut() = s3s::Body::http_body(http_body_util::StreamBody::new(
        futures::stream::iter(frames),
    ));
    Ok(response)
}

impl Drop for S3 {
    fn drop(&mut self) {
        self.faults.dead.store(true, Ordering::SeqCst);
        if let Some(task) = self.server.lock().unwrap().take() {
            task.abort();
        }
    }
}

/// A port free on 127.0.0.1 a moment ago.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until something listens on `port`.
fn wait_listening(port: u16, child: &mut Child, what: &str) {
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("{what} exited with {status} before listening on {port}");
        }
        assert!(
            started.elapsed() < Duration::from_mins(1),
            "{what} did not listen on {port} within a minute"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A process killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `moto_server` (the Python package `moto[server]`), whose conditional writes are atomic, with one bucket.
pub(crate) struct Moto {
    port: u16,
    _process: Process,
}

impl Moto {
    pub(crate) fn start() -> Self {
        let port = free_port();
        let program = tool("REGISTRY_TEST_MOTO", "moto_server");
        let mut child = Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot run `{}`: {error}", program.display()));
        wait_listening(port, &mut child, "moto_server");
        let moto = Self {
            port,
            _process: Process(child),
        };
        moto.request("PUT", &format!("/{BUCKET}"));
        moto
    }

    pub(crate) fn env(&self) -> Vec<(String, String)> {
        s3_env(
            &format!("http://127.0.0.1:{}", self.port),
            "us-east-1",
            "testing",
            "testing",
        )
    }

    /// A plain HTTP request, for moto's unauthenticated bucket creation.
    fn request(&self, method: &str, path: &str) {
        use std::io::{Read as _, Write as _};
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    }
}

/// A single-node Garage (crates.io `garage`), which ignores conditional writes, with one bucket
/// and one key.
pub(crate) struct Garage {
    port: u16,
    key: String,
    /// A key that may only read the bucket.
    reader: String,
    secret: String,
    _dir: tempfile::TempDir,
    _process: Process,
}

impl Garage {
    pub(crate) fn start() -> Self {
        let program = tool("REGISTRY_TEST_GARAGE", "garage");
        let dir = tempfile::tempdir().unwrap();
        let (rpc, s3, admin) = (free_port(), free_port(), free_port());
        let config = dir.path().join("garage.toml");
        std::fs::write(
            &config,
            format!(
                "metadata_dir = \"{meta}\"\ndata_dir = \"{data}\"\ndb_engine = \"sqlite\"\n\
                 replication_factor = 1\nrpc_bind_addr = \"127.0.0.1:{rpc}\"\n\
                 rpc_public_addr = \"127.0.0.1:{rpc}\"\nrpc_secret = \"{secret}\"\n\n\
                 [s3_api]\ns3_region = \"garage\"\napi_bind_addr = \"127.0.0.1:{s3}\"\n\
                 root_domain = \".s3.garage.localhost\"\n\n\
                 [admin]\napi_bind_addr = \"127.0.0.1:{admin}\"\n",
                meta = dir.path().join("meta").display(),
                data = dir.path().join("data").display(),
                secret = "4f".repeat(32),
            ),
        )
        .unwrap();
        let mut child = Command::new(&program)
            .arg("-c")
            .arg(&config)
            .arg("server")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot run `{}`: {error}", program.display()));
        wait_listening(rpc, &mut child, "garage");
        let mut process = Process(child);
        let garage = |args: &[&str]| -> String {
            let started = Instant::now();
            loop {
                let output = Command::new(&program)
                    .arg("-c")
                    .arg(&config)
                    .args(args)
                    .env("RUST_LOG", "warn")
                    .output()
                    .unwrap();
                if output.status.success() {
                    return String::from_utf8(output.stdout).unwrap();
                }
                assert!(
                    started.elapsed() < Duration::from_mins(1),
                    "garage {args:?}: {}",
                    String::from_utf8_lossy(&output.stderr)
                );
                std::thread::sleep(Duration::from_millis(250));
            }
        };
        let node = garage(&["node", "id", "-q"]);
        let node = node.trim().split('@').next().unwrap().to_owned();
        garage(&["layout", "assign", "-z", "dc1", "-c", "1G", &node]);
        garage(&["layout", "apply", "--version", "1"]);
        garage(&["bucket", "create", BUCKET]);
        let key = format!("GK{}", "1a".repeat(12));
        let secret = "2b".repeat(32);
        garage(&["key", "import", "--yes", "-n", "registry", &key, &secret]);
        garage(&[
            "bucket", "allow", "--read", "--write", "--owner", BUCKET, "--key", "registry",
        ]);
        let reader = format!("GK{}", "3c".repeat(12));
        garage(&["key", "import", "--yes", "-n", "reader", &reader, &secret]);
        garage(&["bucket", "allow", "--read", BUCKET, "--key", "reader"]);
        wait_listening(s3, &mut process.0, "garage s3 api");
        Self {
            port: s3,
            key,
            reader,
            secret,
            _dir: dir,
            _process: process,
        }
    }

    pub(crate) fn env(&self) -> Vec<(String, String)> {
        s3_env(
            &format!("http://127.0.0.1:{}", self.port),
            "garage",
            &self.key,
            &self.secret,
        )
    }

    /// The environment with the key that may only read.
    pub(crate) fn reader_env(&self) -> Vec<(String, String)> {
        s3_env(
            &format!("http://127.0.0.1:{}", self.port),
            "garage",
            &self.reader,
            &self.secret,
        )
    }
}

//! A real `redis-server` per test, on a free loopback port, without persistence.
//!
//! Needs `redis-server` on PATH (`apt-get install redis-server`; `.ci/run` installs it).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `redis-server` of this test alone, without persistence. Killed on drop.
pub struct RedisServer {
    child: Child,
    pub port: u16,
}

impl RedisServer {
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    pub fn start_with(extra: &[&str]) -> Self {
        // The free port may be taken between probing and binding: try a few.
        for _ in 0..5 {
            let port = free_port();
            let port_arg = port.to_string();
            let spawned = Command::new("redis-server")
                .args(["--port", &port_arg, "--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no"])
                .args(extra)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn();
            let child = match spawned {
                Ok(child) => child,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => panic!(
                    "`redis-server` is not on PATH, and these tests start a real one. Install it: \
                     `apt-get install redis-server` (Debian/Ubuntu; .ci/run does this), \
                     `brew install redis` (macOS)"
                ),
                Err(err) => panic!("cannot start redis-server: {err}"),
            };
            let mut server = RedisServer { child, port };
            if server.wait_ready() {
                return server;
            }
        }
        panic!("redis-server did not start on any of 5 free ports");
    }

    /// Until the server answers PING; false if it exited (port taken).
    fn wait_ready(&mut self) -> bool {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_status)) = self.child.try_wait() {
                return false;
            }
            if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
                let mut reply = [0u8; 64];
                // Any answer counts: with requirepass it is -NOAUTH, which is fine too.
                if stream.write_all(b"PING\r\n").is_ok()
                    && stream.read(&mut reply).is_ok_and(|n| n > 0)
                {
                    return true;
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "redis-server on port {} did not answer within 10 s",
            self.port
        );
    }

    /// Kills the server now (a Redis that died mid-run); dropping it later is harmless.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Stops the server with SIGSTOP: connections stay open and nothing answers (a Redis
    /// that hangs). [`resume`](Self::resume) continues it.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("runs kill");
        assert!(status.success(), "kill {signal} failed");
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    pub async fn raw(&self) -> redis::aio::MultiplexedConnection {
        raw_connection(&self.url()).await
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

pub async fn raw_connection(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .expect("valid Redis URL")
        .get_multiplexed_async_connection()
        .await
        .expect("connects to the test redis-server")
}

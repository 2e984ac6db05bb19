//! Side-by-side benchmarks: the SDK's generated client against raw `reqwest` + `serde_json`
//! into a hand-written struct with the same fields, in one process run, on 127.0.0.1.
//!
//! `cargo run --release -p dingtalk-bench` measures every row of README's Performance
//! section; `-- --help` lists the options. Blocks of the SDK and of the raw client alternate
//! (the order flips every round), and each row reports the median of its blocks and their
//! spread (lowest to highest block).

mod alloc;
mod compile;
mod raw;
mod server;

use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use dingtalk_api::Client;
use dingtalk_api::contact::user::{GetV2Request, ListV2Request};

#[global_allocator]
static ALLOCATOR: alloc::Counting = alloc::Counting;

/// Which client a block runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Sdk,
    Raw,
}

impl Side {
    /// A child process's `sdk` or `raw` argument.
    fn parse(arg: Option<&String>) -> Side {
        match arg.map(String::as_str) {
            Some("sdk") => Side::Sdk,
            Some("raw") => Side::Raw,
            _ => usage(),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Side::Sdk => "sdk",
            Side::Raw => "raw",
        }
    }
}

struct Options {
    rounds: usize,
    block: Duration,
    callgrind: bool,
    compile: bool,
    compile_rounds: usize,
}

fn usage() -> ! {
    eprintln!(
        "usage: dingtalk-bench [--quick] [--rounds N] [--block-ms N] [--no-callgrind] [--no-compile] [--compile-rounds N] [--compile-only]\n\
         \n\
         Every row of README's Performance section, SDK against raw reqwest + serde_json.\n\
         --quick           fewer and shorter blocks, no compile row\n\
         --no-callgrind    skip the instruction counts (valgrind --tool=callgrind)\n\
         --no-compile      skip the clean debug builds (about two minutes per round)\n\
         --compile-only    only the clean debug builds"
    );
    std::process::exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Internal: a child process that makes calls for callgrind to count.
    if args.first().map(String::as_str) == Some("calls") {
        return calls_child(&args[1..]);
    }
    // For profiling by hand: `serve` answers on 127.0.0.1 until killed (its address on
    // stdout), for `calls <sdk|raw> <address> <count>` under a profiler.
    if args.first().map(String::as_str) == Some("serve") {
        let server = server::start();
        println!("{}", server.address);
        loop {
            std::thread::park();
        }
    }
    // Internal, for profiling: `decodes <sdk|raw> <count>` decodes the first page.
    if args.first().map(String::as_str) == Some("decodes") {
        let page = server::page(0);
        let side = Side::parse(args.get(1));
        let count: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(100);
        for _ in 0..count {
            decode_once(side, &page);
        }
        return;
    }
    let mut options = Options {
        rounds: 9,
        block: Duration::from_millis(400),
        callgrind: true,
        compile: true,
        compile_rounds: 1,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut number = || -> u64 {
            args.next()
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| usage())
        };
        match arg.as_str() {
            "--quick" => {
                options.rounds = 5;
                options.block = Duration::from_millis(200);
                options.compile = false;
            }
            "--rounds" => options.rounds = number().max(1) as usize,
            "--block-ms" => options.block = Duration::from_millis(number().max(10)),
            "--no-callgrind" => options.callgrind = false,
            "--no-compile" => options.compile = false,
            "--compile-rounds" => options.compile_rounds = number().max(1) as usize,
            "--compile-only" => {
                compile::rows(options.compile_rounds);
                return;
            }
            _ => usage(),
        }
    }
    run(&options);
}

/// One decode of a `list_v2` page by `side`, as a call decodes it, kept from the optimiser.
fn decode_once(side: Side, page: &[u8]) {
    match side {
        Side::Sdk => {
            let decoded = dingtalk_api::decode::decode_answer::<ListV2Request>(200, page)
                .expect("SDK decode");
            std::hint::black_box(decoded);
        }
        Side::Raw => {
            let decoded = raw::decode_page(page).expect("raw decode");
            std::hint::black_box(decoded);
        }
    }
}

/// One `get_v2` call by `side`, its answer kept from the optimiser.
async fn one_call(side: Side, sdk: &Client, raw: &raw::RawClient) {
    match side {
        Side::Sdk => {
            let user = sdk
                .contact()
                .user()
                .get_v2(GetV2Request::new("zhangsan"))
                .await
                .expect("SDK call");
            std::hint::black_box(user);
        }
        Side::Raw => {
            let user = raw.get_user("zhangsan").await.expect("raw call");
            std::hint::black_box(user);
        }
    }
}

/// A measured row: one figure per block for each side.
struct Row {
    name: &'static str,
    unit: &'static str,
    /// True when more is better (requests per second), false for costs.
    higher_is_better: bool,
    sdk: Vec<f64>,
    raw: Vec<f64>,
    goal: &'static str,
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

fn spread(values: &[f64]) -> (f64, f64) {
    let low = values.iter().copied().fold(f64::INFINITY, f64::min);
    let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (low, high)
}

fn figure(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

impl Row {
    fn print(&self) {
        let (sdk, raw) = (median(&self.sdk), median(&self.raw));
        let (sdk_low, sdk_high) = spread(&self.sdk);
        let (raw_low, raw_high) = spread(&self.raw);
        let ratio = sdk / raw;
        println!(
            "| {} | {} {} ({}–{}) | {} {} ({}–{}) | {:.2}x | {} |",
            self.name,
            figure(sdk),
            self.unit,
            figure(sdk_low),
            figure(sdk_high),
            figure(raw),
            self.unit,
            figure(raw_low),
            figure(raw_high),
            ratio,
            self.goal,
        );
        let _ = self.higher_is_better;
    }
}

/// Runs `block` for each side, alternating the order every round.
fn interleaved(rounds: usize, mut block: impl FnMut(Side) -> f64) -> (Vec<f64>, Vec<f64>) {
    let (mut sdk, mut raw) = (Vec::new(), Vec::new());
    // One unmeasured round warms connections, tokens, caches and the allocator.
    block(Side::Sdk);
    block(Side::Raw);
    for round in 0..rounds {
        let order = if round % 2 == 0 {
            [Side::Sdk, Side::Raw]
        } else {
            [Side::Raw, Side::Sdk]
        };
        for side in order {
            let value = block(side);
            match side {
                Side::Sdk => sdk.push(value),
                Side::Raw => raw.push(value),
            }
        }
    }
    (sdk, raw)
}

fn sdk_client(address: SocketAddr) -> Client {
    Client::builder(server::APP_KEY, server::APP_SECRET)
        .base_url(format!("http://{address}"))
        .build()
        .expect("the SDK client builds")
}

/// A client runtime on the calling thread (allocations are counted on this thread only).
fn client_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

fn run(options: &Options) {
    let server = server::start();
    let address = server.address;
    let runtime = client_runtime();
    let sdk = sdk_client(address);
    let raw = raw::RawClient::new(address);
    runtime.block_on(async {
        // Both sides hold a token and a warm connection before anything is measured.
        sdk.contact()
            .user()
            .get_v2(GetV2Request::new("zhangsan"))
            .await
            .expect("the SDK call succeeds");
        raw.get_user("zhangsan")
            .await
            .expect("the raw call succeeds");
    });
    println!(
        "dingtalk-bench: {} rounds of interleaved blocks, {} ms each; server on {address}; {} cores",
        options.rounds,
        options.block.as_millis(),
        std::thread::available_parallelism().map_or(1, |n| n.get()),
    );
    println!();
    println!("| measure | SDK median (spread) | raw median (spread) | SDK/raw | goal |");
    println!("|---|---|---|---|---|");
    let mut rows = Vec::new();

    // Requests per second, one call at a time.
    let (s, r) = interleaved(options.rounds, |side| {
        runtime.block_on(async {
            let started = Instant::now();
            let mut calls = 0u64;
            while started.elapsed() < options.block {
                one_call(side, &sdk, &raw).await;
                calls += 1;
            }
            calls as f64 / started.elapsed().as_secs_f64()
        })
    });
    rows.push(Row {
        name: "`contact.user.get_v2` requests/s, concurrency 1",
        unit: "/s",
        higher_is_better: true,
        sdk: s,
        raw: r,
        goal: ">= 0.97x",
    });
    rows.last().map(Row::print);

    // Requests per second, 64 calls in flight.
    let (s, r) = interleaved(options.rounds, |side| {
        runtime.block_on(async {
            let started = Instant::now();
            let deadline = started + options.block;
            let mut tasks = Vec::new();
            for _ in 0..64 {
                let sdk = sdk.clone();
                let raw = raw.clone();
                tasks.push(tokio::spawn(async move {
                    let mut calls = 0u64;
                    while Instant::now() < deadline {
                        one_call(side, &sdk, &raw).await;
                        calls += 1;
                    }
                    calls
                }));
            }
            let mut calls = 0;
            for task in tasks {
                calls += task.await.expect("task");
            }
            calls as f64 / started.elapsed().as_secs_f64()
        })
    });
    rows.push(Row {
        name: "same, concurrency 64",
        unit: "/s",
        higher_is_better: true,
        sdk: s,
        raw: r,
        goal: ">= 0.97x",
    });
    rows.last().map(Row::print);

    // Instructions per call: callgrind counts a child process making calls to this server.
    if options.callgrind && valgrind_available() {
        let calls = |side: Side, n: u64| {
            let args = ["calls", side.name(), &address.to_string(), &n.to_string()];
            args.map(String::from).to_vec()
        };
        let (s, r) = instructions_per_unit(calls, (20, 220), options.rounds.min(3));
        rows.push(Row {
            name: "instructions per call (callgrind, client process)",
            unit: "",
            higher_is_better: false,
            sdk: s,
            raw: r,
            goal: "<= 1.05x",
        });
        rows.last().map(Row::print);
    } else {
        println!(
            "| instructions per call | skipped (no valgrind, or --no-callgrind) | | | <= 1.05x |"
        );
    }

    // Decoding one 100-user page (CPU), the way a call decodes it.
    let page = server::page(0);
    let decode_block = |side: Side| {
        let runs = 200;
        let started = Instant::now();
        for _ in 0..runs {
            decode_once(side, &page);
        }
        started.elapsed().as_secs_f64() * 1e6 / runs as f64
    };
    let (s, r) = interleaved(options.rounds, decode_block);
    rows.push(Row {
        name: "decode of one 100-user `topapi/v2/user/list` page, CPU",
        unit: "µs",
        higher_is_better: false,
        sdk: s,
        raw: r,
        goal: "<= 1.1x",
    });
    rows.last().map(Row::print);
    println!(
        "|   (page: {} bytes, {} users) | | | | |",
        page.len(),
        server::PAGE_USERS
    );
    // The same decode counted in instructions: repeatable where the timing above is noisy.
    if options.callgrind && valgrind_available() {
        let decodes = |side: Side, n: u64| {
            ["decodes", side.name(), &n.to_string()]
                .map(String::from)
                .to_vec()
        };
        let (s, r) = instructions_per_unit(decodes, (10, 60), options.rounds.min(3));
        rows.push(Row {
            name: "instructions per page decode (callgrind)",
            unit: "",
            higher_is_better: false,
            sdk: s,
            raw: r,
            goal: "<= 1.1x",
        });
        rows.last().map(Row::print);
    }

    // Allocations per call and per page decode (counted on this thread: the client's).
    let (s, r) = interleaved(options.rounds.min(3), |side| {
        let calls = 200;
        runtime.block_on(async {
            let counter = alloc::Count::start();
            for _ in 0..calls {
                one_call(side, &sdk, &raw).await;
            }
            counter.allocations() as f64 / calls as f64
        })
    });
    rows.push(Row {
        name: "allocations per call",
        unit: "",
        higher_is_better: false,
        sdk: s,
        raw: r,
        goal: "<= 1.2x",
    });
    rows.last().map(Row::print);
    let (s, r) = interleaved(options.rounds.min(3), |side| {
        let counter = alloc::Count::start();
        decode_once(side, &page);
        counter.allocations() as f64
    });
    rows.push(Row {
        name: "allocations per page decode",
        unit: "",
        higher_is_better: false,
        sdk: s,
        raw: r,
        goal: "<= 1.2x",
    });
    rows.last().map(Row::print);

    // Walking 50 pages of 100 users: the SDK's `items()` against a hand-written cursor loop.
    let (s, r) = interleaved(options.rounds, |side| {
        runtime.block_on(async {
            let started = Instant::now();
            let mut users = 0usize;
            match side {
                Side::Sdk => {
                    let mut items = sdk.items(ListV2Request::new(1));
                    while let Some(user) = items.next().await {
                        let user = user.expect("SDK page");
                        std::hint::black_box(&user);
                        users += 1;
                    }
                }
                Side::Raw => {
                    users = raw.walk(1).await.expect("raw walk");
                }
            }
            assert_eq!(users, server::PAGES * server::PAGE_USERS);
            started.elapsed().as_secs_f64() * 1e3
        })
    });
    rows.push(Row {
        name: "walk 50 pages x 100 users with `items()`",
        unit: "ms",
        higher_is_better: false,
        sdk: s,
        raw: r,
        goal: "<= 1.1x",
    });
    rows.last().map(Row::print);

    drop(runtime);
    drop(server);
    if options.compile {
        compile::rows(options.compile_rounds);
    } else {
        println!("| clean debug build | skipped (--no-compile or --quick) | | | |");
    }
}

fn valgrind_available() -> bool {
    Command::new("valgrind")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success())
}

/// Instructions per unit of work: the difference between a child doing `many` units and one
/// doing `few`, under callgrind, divided by the difference (start-up, the token and the first
/// connection cancel out). `child(side, n)` gives the child's arguments; a server stays in
/// this process, uncounted.
fn instructions_per_unit(
    child: impl Fn(Side, u64) -> Vec<String>,
    (few, many): (u64, u64),
    rounds: usize,
) -> (Vec<f64>, Vec<f64>) {
    let exe = std::env::current_exe().expect("own path");
    let scratch = std::env::temp_dir().join(format!("dingtalk-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("scratch dir");
    let count = |side: Side, units: u64| -> f64 {
        let out = scratch.join(format!("callgrind.{}.{units}", side.name()));
        let status = Command::new("valgrind")
            .arg("--tool=callgrind")
            .arg(format!("--callgrind-out-file={}", out.display()))
            .arg("-q")
            .arg(&exe)
            .args(child(side, units))
            .status()
            .expect("valgrind runs");
        assert!(status.success(), "the callgrind child failed");
        let text = std::fs::read_to_string(&out).expect("callgrind output");
        let _ = std::fs::remove_file(&out);
        text.lines()
            .find_map(|line| {
                line.strip_prefix("totals:")
                    .or_else(|| line.strip_prefix("summary:"))
            })
            .and_then(|n| n.trim().parse::<f64>().ok())
            .expect("a callgrind total")
    };
    let per_unit = |side: Side| (count(side, many) - count(side, few)) / (many - few) as f64;
    let (mut sdk, mut raw) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        if round % 2 == 0 {
            sdk.push(per_unit(Side::Sdk));
            raw.push(per_unit(Side::Raw));
        } else {
            raw.push(per_unit(Side::Raw));
            sdk.push(per_unit(Side::Sdk));
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    (sdk, raw)
}

/// The callgrind child: `calls <sdk|raw> <address> <count>`, one warm-up call first.
fn calls_child(args: &[String]) {
    let side = Side::parse(args.first());
    let (Some(address), Some(count)) = (args.get(1), args.get(2)) else {
        usage()
    };
    let address: SocketAddr = address.parse().unwrap_or_else(|_| usage());
    let count: u64 = count.parse().unwrap_or_else(|_| usage());
    let runtime = client_runtime();
    runtime.block_on(async {
        // Both clients exist in either child; only `side`'s makes calls (the other's set-up
        // is the same in the `few` and `many` runs, so it cancels out).
        let (sdk, raw) = (sdk_client(address), raw::RawClient::new(address));
        for _ in 0..=count {
            one_call(side, &sdk, &raw).await;
        }
    });
}

//! How long the generator takes on the real spec: read, parse + validate, and emit +
//! format, each timed separately. `cargo bench -p dingtalk-codegen`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

fn main() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../api-spec");
    let runs = 20;
    let (mut read, mut parse, mut emit) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let mut lines = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let sources = dingtalk_codegen::read_dir(&dir).expect("api-spec is readable");
        let read_done = Instant::now();
        let (spec, resolved) = dingtalk_codegen::parse("api-spec", &sources).expect("valid spec");
        let parse_done = Instant::now();
        let generated = dingtalk_codegen::generate(&spec, &resolved);
        let emit_done = Instant::now();
        read += read_done - started;
        parse += parse_done - read_done;
        emit += emit_done - parse_done;
        lines = generated
            .files
            .iter()
            .map(|f| f.contents.lines().count())
            .sum();
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0 / f64::from(runs);
    println!(
        "generator on api-spec ({lines} generated lines), mean of {runs} runs: \
         read {:.2} ms, parse+validate {:.2} ms, emit+format {:.2} ms, total {:.2} ms",
        ms(read),
        ms(parse),
        ms(emit),
        ms(read + parse + emit)
    );
}

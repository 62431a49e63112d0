//! Phase timings for profiling, printed to stderr with `--verbose` or when `AIMSBOOK_TIMINGS=1`
//! is set.

use std::time::Instant;

/// Whether `--verbose` or `AIMSBOOK_TIMINGS` asks for timings.
pub fn enabled() -> bool {
    crate::term::verbose() || std::env::var_os("AIMSBOOK_TIMINGS").is_some()
}

pub struct Phases {
    enabled: bool,
    last: Instant,
}

impl Phases {
    pub fn start() -> Phases {
        Phases {
            enabled: enabled(),
            last: Instant::now(),
        }
    }

    /// Prints the time since the previous phase ended.
    pub fn done(&mut self, phase: &str) {
        if self.enabled {
            eprintln!(
                "timing: {phase:<28} {:>8.1} ms  {}",
                self.last.elapsed().as_secs_f64() * 1000.0,
                memory()
            );
        }
        self.last = Instant::now();
    }
}

/// Resident and peak resident memory, where /proc tells them (Linux).
fn memory() -> String {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return String::new();
    };
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    format!("rss {} peak {}", field("VmRSS:"), field("VmHWM:"))
}

//! Phase timings for profiling, printed to stderr when `AIMSBOOK_TIMINGS=1` is set.

use std::time::Instant;

pub struct Phases {
    enabled: bool,
    last: Instant,
}

impl Phases {
    pub fn start() -> Phases {
        Phases {
            enabled: std::env::var_os("AIMSBOOK_TIMINGS").is_some(),
            last: Instant::now(),
        }
    }

    /// Prints the time since the previous phase ended.
    pub fn done(&mut self, phase: &str) {
        if self.enabled {
            eprintln!(
                "timing: {phase:<28} {:>8.1} ms",
                self.last.elapsed().as_secs_f64() * 1000.0
            );
        }
        self.last = Instant::now();
    }
}

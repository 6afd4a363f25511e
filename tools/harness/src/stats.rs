//! Summary statistics for the boot benchmark: median and range of a handful of samples,
//! and the one-line report format. Pure functions only.

/// Median and range of a set of samples (milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spread {
    pub median: u64,
    pub min: u64,
    pub max: u64,
    pub runs: usize,
}

/// Median (the mean of the two middle samples, rounded down, for an even count) and
/// min/max; `None` for no samples.
pub fn spread(samples: &[u64]) -> Option<Spread> {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    let (&min, &max) = (sorted.first()?, sorted.last()?);
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        let (a, b) = (sorted[n / 2 - 1], sorted[n / 2]);
        a + (b - a) / 2
    };
    Some(Spread { median, min, max, runs: n })
}

/// `boot: <what>: median 1234 ms (range 1200–1300 ms, 5 runs)`.
pub fn report(what: &str, s: &Spread) -> String {
    let runs = if s.runs == 1 { "run" } else { "runs" };
    format!("boot: {what}: median {} ms (range {}–{} ms, {} {runs})", s.median, s.min, s.max, s.runs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_count() {
        assert_eq!(
            spread(&[1300, 1200, 1234, 1250, 1210]),
            Some(Spread { median: 1234, min: 1200, max: 1300, runs: 5 })
        );
    }

    #[test]
    fn even_count_takes_middle_mean() {
        assert_eq!(spread(&[4, 1, 3, 2]).unwrap().median, 2);
        assert_eq!(spread(&[10, 20]).unwrap().median, 15);
        assert_eq!(spread(&[u64::MAX, u64::MAX - 2]).unwrap().median, u64::MAX - 1);
    }

    #[test]
    fn single_and_empty() {
        assert_eq!(spread(&[7]), Some(Spread { median: 7, min: 7, max: 7, runs: 1 }));
        assert_eq!(spread(&[]), None);
    }

    #[test]
    fn report_format() {
        let s = spread(&[1300, 1200, 1234, 1250, 1210]).unwrap();
        assert_eq!(
            report("qemu-start→cairn line", &s),
            "boot: qemu-start→cairn line: median 1234 ms (range 1200–1300 ms, 5 runs)"
        );
        assert_eq!(
            report("kernel boot time", &spread(&[45]).unwrap()),
            "boot: kernel boot time: median 45 ms (range 45–45 ms, 1 run)"
        );
    }
}

//! Human-readable sizes as GNU `ls -h`, `du -h` and `df -h` print them: powers of 1024 with
//! the suffixes `K M G T P E`, rounded up, one decimal below 10 (`1.0K`, `1.5M`, `23M`), and
//! plain numbers below 1024. `--si` uses powers of 1000 and `k`.

use alloc::string::String;

/// The base of the units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SizeBase {
    /// `-h`: K = 1024.
    Binary,
    /// `--si`: k = 1000.
    Decimal,
}

/// `bytes` as `ls -h` (or `ls --si`) shows it.
pub fn human_size(bytes: u64, base: SizeBase) -> String {
    let (unit, suffixes): (u128, &[u8]) = match base {
        SizeBase::Binary => (1024, b"KMGTPE"),
        SizeBase::Decimal => (1000, b"kMGTPE"),
    };
    let bytes = u128::from(bytes);
    if bytes < unit {
        return alloc::format!("{bytes}");
    }
    let mut power = 1;
    let mut scale = unit;
    while power < suffixes.len() && bytes >= scale * unit {
        power += 1;
        scale *= unit;
    }
    loop {
        let suffix = char::from(suffixes[power - 1]);
        let tenths = (bytes * 10).div_ceil(scale);
        if tenths < 100 {
            return alloc::format!("{}.{}{suffix}", tenths / 10, tenths % 10);
        }
        let whole = bytes.div_ceil(scale);
        if whole < unit || power == suffixes.len() {
            return alloc::format!("{whole}{suffix}");
        }
        // Rounding up reached the next unit: 1048575 bytes are 1.0M, not 1024K.
        power += 1;
        scale *= unit;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_sizes_like_gnu_ls() {
        let cases: [(u64, &str); 21] = [
            (0, "0"),
            (1, "1"),
            (999, "999"),
            (1000, "1000"),
            (1023, "1023"),
            (1024, "1.0K"),
            (1025, "1.1K"),
            (1536, "1.5K"),
            (10239, "10K"),
            (10240, "10K"),
            (10241, "11K"),
            (102400, "100K"),
            (1048575, "1.0M"),
            (1048576, "1.0M"),
            (1048577, "1.1M"),
            (1572864, "1.5M"),
            (10485760, "10M"),
            (104857600, "100M"),
            (1073741824, "1.0G"),
            (1099511627776, "1.0T"),
            (u64::MAX, "16E"),
        ];
        for (bytes, expected) in cases {
            assert_eq!(human_size(bytes, SizeBase::Binary), expected, "{bytes} bytes");
        }
    }

    #[test]
    fn decimal_sizes_like_gnu_ls_si() {
        assert_eq!(human_size(999, SizeBase::Decimal), "999");
        assert_eq!(human_size(1000, SizeBase::Decimal), "1.0k");
        assert_eq!(human_size(1025, SizeBase::Decimal), "1.1k");
        assert_eq!(human_size(1048577, SizeBase::Decimal), "1.1M");
        assert_eq!(human_size(23_000_000, SizeBase::Decimal), "23M");
    }
}

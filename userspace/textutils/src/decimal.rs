//! Reading runs of decimal digits in arguments, scripts and patterns: how many there are and
//! their value, saturating or checked, so that no count overflows.

/// The number of ASCII digits at the start of `text`.
pub(crate) fn digit_count(text: &[u8]) -> usize {
    text.iter().take_while(|byte| byte.is_ascii_digit()).count()
}

/// The value of the ASCII digits `digits`, or `None` when it does not fit in a `u64`.
pub(crate) fn checked_value(digits: &[u8]) -> Option<u64> {
    digits.iter().try_fold(0u64, |value, &digit| value.checked_mul(10)?.checked_add(u64::from(digit - b'0')))
}

/// The value of the ASCII digits `digits`, or `u64::MAX` when it does not fit.
pub(crate) fn saturating_value(digits: &[u8]) -> u64 {
    checked_value(digits).unwrap_or(u64::MAX)
}

/// [`saturating_value`] as a `usize`.
pub(crate) fn saturating_usize(digits: &[u8]) -> usize {
    usize::try_from(saturating_value(digits)).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_values() {
        assert_eq!(digit_count(b"123abc"), 3);
        assert_eq!(digit_count(b"x1"), 0);
        assert_eq!(checked_value(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(checked_value(b"18446744073709551616"), None);
        assert_eq!(saturating_value(b"99999999999999999999999"), u64::MAX);
        assert_eq!(saturating_usize(b"042"), 42);
        assert_eq!(checked_value(b""), Some(0));
    }
}

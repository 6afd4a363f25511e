//! The CMOS real-time clock, read once at boot to anchor wall-clock time.

use x86_64::instructions::port::Port;

fn read_register(register: u8) -> u8 {
    let mut index: Port<u8> = Port::new(0x70);
    let mut data: Port<u8> = Port::new(0x71);
    // SAFETY: ports 0x70/0x71 are the CMOS index/data pair; bit 7 of the
    // index (NMI disable) is left clear.
    unsafe {
        index.write(register & 0x7f);
        data.read()
    }
}

/// Seconds since the Unix epoch according to the RTC (UTC assumed), or
/// `None` if the clock reads as nonsense.
pub fn unix_seconds() -> Option<u64> {
    // Wait for the end of an update cycle so the fields are consistent.
    for _ in 0..1_000_000 {
        if read_register(0x0a) & 0x80 == 0 {
            break;
        }
        core::hint::spin_loop();
    }
    let status_b = read_register(0x0b);
    let binary = status_b & 0x04 != 0;
    let hour_24 = status_b & 0x02 != 0;
    let decode = |value: u8| if binary { value } else { (value & 0x0f) + (value >> 4) * 10 };
    let second = decode(read_register(0x00));
    let minute = decode(read_register(0x02));
    let raw_hour = read_register(0x04);
    let mut hour = decode(raw_hour & 0x7f);
    if !hour_24 && raw_hour & 0x80 != 0 {
        hour = (hour % 12) + 12;
    } else if !hour_24 && hour == 12 {
        hour = 0;
    }
    let day = decode(read_register(0x07));
    let month = decode(read_register(0x08));
    let year = 2000 + u64::from(decode(read_register(0x09)));
    if second > 59 || minute > 59 || hour > 23 || !(1..=31).contains(&day) || !(1..=12).contains(&month) {
        return None;
    }
    Some(
        days_from_civil(year, u64::from(month), u64::from(day)) * 86_400
            + u64::from(hour) * 3600
            + u64::from(minute) * 60
            + u64::from(second),
    )
}

/// Days from 1970-01-01 to the given date (proleptic Gregorian calendar).
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year / 400;
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

//! The machine around the CPUs: ACPI tables, the local and I/O APICs, the
//! legacy 8259 PIC and the two reference clocks (HPET and PIT).

pub mod acpi;
pub mod hpet;
pub mod ioapic;
pub mod lapic;
pub mod pic;
pub mod pit;
pub mod power;
pub mod rtc;

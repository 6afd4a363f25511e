//! x86-64 processor structures and instructions: CPU features and control
//! registers, the GDT/TSS, the IDT and the interrupt/exception entry path.

pub mod cpu;
pub mod fpu;
pub mod gdt;
pub mod idt;
pub mod trap;
pub mod user_access;

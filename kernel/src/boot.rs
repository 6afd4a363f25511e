//! The first instructions: the Multiboot2 header GRUB looks for, and the
//! 32-bit entry trampoline that builds temporary page tables, enters long
//! mode and jumps to [`crate::kernel_entry`] in the higher half.
//!
//! The temporary tables map the first 4 GiB of physical memory three times:
//! identity (so the trampoline keeps running after paging is on), at the
//! direct-map offset (so early Rust code can read the Multiboot2 information,
//! which GRUB always places below 4 GiB) and the first 1 GiB at the
//! higher-half kernel base. `mm::paging` replaces them with the real tables.

use core::arch::global_asm;

/// Virtual address of physical address 0 in the kernel image window.
pub const KERNEL_VIRT_OFFSET: u64 = 0xffff_ffff_8000_0000;

/// Size of the stack the bootstrap processor runs on until the memory manager
/// gives it a guarded one.
pub const BOOT_STACK_SIZE: usize = 64 * 1024;

/// The value GRUB leaves in EAX for a Multiboot2 kernel.
pub const MULTIBOOT2_BOOTLOADER_MAGIC: u32 = 0x36d7_6289;

global_asm!(
    r#"
    .set MB2_MAGIC, 0xe85250d6
    .set MB2_ARCH_I386, 0
    .set KERNEL_VIRT_OFFSET, 0xffffffff80000000

    .section .multiboot2, "a"
    .balign 8
mb2_header_start:
    .long MB2_MAGIC
    .long MB2_ARCH_I386
    .long mb2_header_end - mb2_header_start
    .long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header_start))
    /* Framebuffer request (optional: no display means no framebuffer). */
    .balign 8
    .short 5
    .short 1
    .long 20
    .long 1024
    .long 768
    .long 32
    /* End tag. */
    .balign 8
    .short 0
    .short 0
    .long 8
mb2_header_end:

    .section .boot.text, "ax"
    .code32
    .global _start
_start:
    cli
    cld
    /* Keep the Multiboot2 magic and information pointer for kernel_entry. */
    movl %eax, %edi
    movl %ebx, %esi
    movl $(boot_stack_top - KERNEL_VIRT_OFFSET), %esp

    /* PML4: [0] identity, [256] direct map, [511] kernel window. */
    movl $(boot_pdpt_low - KERNEL_VIRT_OFFSET + 3), %eax
    movl %eax, (boot_pml4 - KERNEL_VIRT_OFFSET)
    movl %eax, (boot_pml4 - KERNEL_VIRT_OFFSET + 256 * 8)
    movl $(boot_pdpt_high - KERNEL_VIRT_OFFSET + 3), %eax
    movl %eax, (boot_pml4 - KERNEL_VIRT_OFFSET + 511 * 8)

    /* Low PDPT: four page directories covering 0..4 GiB. */
    movl $(boot_pd - KERNEL_VIRT_OFFSET + 3), %eax
    movl $(boot_pdpt_low - KERNEL_VIRT_OFFSET), %ebx
    movl $4, %ecx
1:  movl %eax, (%ebx)
    addl $4096, %eax
    addl $8, %ebx
    loop 1b

    /* High PDPT entry 510 (-2 GiB) reuses the first page directory. */
    movl $(boot_pd - KERNEL_VIRT_OFFSET + 3), %eax
    movl %eax, (boot_pdpt_high - KERNEL_VIRT_OFFSET + 510 * 8)

    /* 2048 2-MiB pages: present, writable, huge. */
    movl $(boot_pd - KERNEL_VIRT_OFFSET), %ebx
    xorl %ecx, %ecx
2:  movl %ecx, %eax
    shll $21, %eax
    orl $0x83, %eax
    movl %eax, (%ebx, %ecx, 8)
    movl %ecx, %eax
    shrl $11, %eax
    movl %eax, 4(%ebx, %ecx, 8)
    incl %ecx
    cmpl $2048, %ecx
    jne 2b

    movl $(boot_pml4 - KERNEL_VIRT_OFFSET), %eax
    movl %eax, %cr3

    /* CR4: PAE | PGE | OSFXSR | OSXMMEXCPT. */
    movl %cr4, %eax
    orl $((1 << 5) | (1 << 7) | (1 << 9) | (1 << 10)), %eax
    movl %eax, %cr4

    /* EFER: LME, plus NXE when the CPU has NX. */
    movl $0x80000001, %eax
    cpuid
    xorl %ebx, %ebx
    btl $20, %edx
    jnc 3f
    movl $(1 << 11), %ebx
3:  movl $0xc0000080, %ecx
    rdmsr
    orl $(1 << 8), %eax
    orl %ebx, %eax
    wrmsr

    /* CR0: PG | WP | NE | MP | PE, EM and TS clear (SSE usable). */
    movl %cr0, %eax
    andl $~((1 << 2) | (1 << 3)), %eax
    orl $((1 << 31) | (1 << 16) | (1 << 5) | (1 << 1) | 1), %eax
    movl %eax, %cr0

    lgdt (boot_gdt_pointer)
    ljmpl $0x8, $boot_long_mode

    .code64
boot_long_mode:
    xorl %eax, %eax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw %ax, %fs
    movw %ax, %gs
    fninit
    movabsq $boot_stack_top, %rsp
    /* Upper halves of registers are undefined after the mode switch. */
    movl %edi, %edi
    movl %esi, %esi
    movabsq ${entry}, %rax
    callq *%rax
4:  cli
    hlt
    jmp 4b

    .section .boot.data, "aw"
    .balign 16
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff
    .quad 0x00cf92000000ffff
boot_gdt_end:
boot_gdt_pointer:
    .short boot_gdt_end - boot_gdt - 1
    .long boot_gdt

    .section .bss.boot_tables, "aw", @nobits
    .balign 4096
boot_pml4:
    .skip 4096
boot_pdpt_low:
    .skip 4096
boot_pdpt_high:
    .skip 4096
boot_pd:
    .skip 4096 * 4
    .balign 16
    .global boot_stack_bottom
boot_stack_bottom:
    .skip {stack_size}
boot_stack_top:
    .code64
    "#,
    entry = sym crate::kernel_entry,
    stack_size = const BOOT_STACK_SIZE,
    options(att_syntax)
);

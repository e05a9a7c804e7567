/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CPU state a guest image starts in: the GDT, TSS and page tables that
 * vtx-run writes into guest memory, and the kvm_sregs/kvm_regs that point
 * at them.  Pure logic on a buffer (unit-tested in tests/unit); the
 * launcher hands the result to KVM_SET_SREGS and KVM_SET_REGS, whatever the
 * device (vtx or KVM), and needs no VMX knowledge for it.
 */
#ifndef _VTX_USER_BOOT_H
#define _VTX_USER_BOOT_H

#include <stdint.h>
#include <linux/kvm.h>
#include "image.h"

/* The launcher's GDT (at VTX_RUN_GDT_GPA). */
#define VTX_RUN_SEL_CODE32	0x08
#define VTX_RUN_SEL_DATA	0x10
#define VTX_RUN_SEL_CODE64	0x18
#define VTX_RUN_SEL_TSS		0x20	/* 16 bytes in long mode */
#define VTX_RUN_GDT_LIMIT	0x2f

/* The Multiboot 1 hand-over (Multiboot spec 3.2, "Machine state"). */
#define VTX_MULTIBOOT_EAX	0x2badb002

/*
 * vtx_boot_write_tables: write what @mode needs into guest memory @mem
 * (@mem_size bytes, at least VTX_RUN_RESERVED_HI): the GDT and TSS for the
 * protected modes, and for long mode the identity map of the first 4 GiB
 * with 2 MiB pages.  Nothing for real mode.  Returns 0, or -1 if memory is
 * too small.
 */
int vtx_boot_write_tables(uint8_t *mem, uint64_t mem_size, enum vtx_mode mode);

/*
 * vtx_boot_sregs: set the segments, descriptor tables, CR0/CR3/CR4 and EFER
 * of @mode in @s (read from KVM_GET_SREGS first, so that fields this does
 * not own, like the APIC base, keep the device's values).  In real mode
 * CS is chosen so that @entry (below 1 MiB) is CS:IP with CS = 0 when it
 * can be.
 */
void vtx_boot_sregs(struct kvm_sregs *s, enum vtx_mode mode, uint64_t entry);

/*
 * vtx_boot_regs: the GPRs of vCPU @index (of @count) at @entry: RIP (in
 * real mode IP, relative to the CS vtx_boot_sregs chose), its stack, RDI = index, RSI = count, RFLAGS
 * with IF set (nothing injects interrupts; see the comment in boot.c).
 */
void vtx_boot_regs(struct kvm_regs *r, enum vtx_mode mode, uint64_t entry,
		   unsigned int index, unsigned int count);

/* SDM Vol. 3A 3.4.5: the 8-byte descriptor of a cached segment. */
uint64_t vtx_boot_descriptor(const struct kvm_segment *s);

#endif /* _VTX_USER_BOOT_H */

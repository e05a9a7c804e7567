/* SPDX-License-Identifier: GPL-2.0 */
/*
 * String port I/O (INS, OUTS; SDM Vol. 2B) as kvm-intel splits it into
 * exits to user space: its emulator (arch/x86/kvm/emulate.c em_in,
 * em_out, pio_in_emulated(), the REP loop of x86_emulate_insn()).
 *  - A REP with rCX = 0 (in the instruction's address size) does nothing:
 *    no I/O, no exit; the instruction is skipped.
 *  - OUTS: one element per exit; rSI (and a REP's rCX) already moved when
 *    it exits; RIP past the instruction without REP, else still on it.
 *  - INS: as many elements as fit in 1 KiB, in rCX and in "the page":
 *    the bytes from rDI to the page's end (DF = 0) or its start (DF = 1),
 *    measured on rDI alone and in bytes, as KVM does; at least one.  The
 *    registers move on the next KVM_RUN, when the data arrives; a REP
 *    leaves RIP on the instruction, which runs again.
 * Pure logic: built into the module and the unit tests.
 */
#ifndef _VTX_PIO_H
#define _VTX_PIO_H

#include <vtx/types.h>

/* KVM's read-ahead buffer for INS: the most bytes one exit asks for. */
#define VTX_PIO_STRING_MAX	1024

/* The elements one exit moves; 0 when a REP's count is 0. */
u32 vtx_string_io_count(bool in, bool rep, bool df, unsigned int size,
			unsigned int addr_size, u64 rcx, u64 rdi);

/*
 * @reg moved by @delta (negative: down) as an instruction with
 * @addr_size-byte (2, 4, 8) addresses moves it: 16 bits wrap and keep
 * the rest, 32 bits wrap and zero-extend.
 */
u64 vtx_string_reg_add(u64 reg, unsigned int addr_size, s64 delta);

/* @reg in the instruction's address size (2, 4 or 8 bytes). */
u64 vtx_string_reg_val(u64 reg, unsigned int addr_size);

#endif /* _VTX_PIO_H */

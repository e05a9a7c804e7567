/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What an instruction decoded by decode.h computes, once its memory
 * operand has been read: the new registers, the arithmetic flags and
 * the value to write back, if any.  The caller (vmx/exits.c) moves the
 * data: KVM_EXIT_MMIO for MMIO, read_guest/write_guest for RAM.
 *
 * Pure logic: built into the module and the unit tests, which check it
 * against the host CPU running the same instructions.
 */
#ifndef _VTX_EMULATE_H
#define _VTX_EMULATE_H

#include <vtx/types.h>
#include "decode.h"

/* RFLAGS bits (SDM Vol. 1 3.4.3). */
#define VTX_FL_CF	0x0001ULL
#define VTX_FL_PF	0x0004ULL
#define VTX_FL_AF	0x0010ULL
#define VTX_FL_ZF	0x0040ULL
#define VTX_FL_SF	0x0080ULL
#define VTX_FL_DF	0x0400ULL
#define VTX_FL_OF	0x0800ULL
#define VTX_FL_ARITH	(VTX_FL_CF | VTX_FL_PF | VTX_FL_AF | VTX_FL_ZF | \
			 VTX_FL_SF | VTX_FL_OF)

/* vtx_emulate()'s verdict, a mask. */
#define VTX_EMUL_WRITE	1	/* *out goes to the memory operand */
#define VTX_EMUL_AGAIN	2	/* REP not finished: RIP stays, run it again */
#define VTX_EMUL_DE	4	/* #DE (DIV, IDIV): nothing changed */

/**
 * vtx_emulate() - compute one instruction on already-read operands
 * @in:		decoded by vtx_decode_mmio()
 * @regs:	the 16 GPRs (RSP included), updated
 * @rflags:	updated (only the flags the instruction defines or the
 *		SDM leaves unchanged; undefined ones keep their value,
 *		except AF after logic operations, which is cleared)
 * @src:	the memory operand read ([rSI] for MOVS/CMPS/LODS, [rDI]
 *		for SCAS); ignored by stores
 * @src2:	CMPS's [rDI]
 * @out:	the value to write (MOVS: to [rDI])
 *
 * String instructions move rSI/rDI by one element and count rCX down
 * under REP.  Return: VTX_EMUL_* bits.
 */
unsigned int vtx_emulate(const struct vtx_insn *in, u64 *regs, u64 *rflags,
			 u64 src, u64 src2, u64 *out);

/**
 * vtx_insn_bit_disp() - where BT* with a register bit offset reaches
 * @in:		decoded, bit_reg set
 * @regs:	the GPRs
 *
 * SDM Vol. 2 BT: the bit offset is signed and may point outside the
 * operand; like KVM, the access is the operand-sized word that holds the
 * bit.  Return: bytes to add to the effective address.
 */
s64 vtx_insn_bit_disp(const struct vtx_insn *in, const u64 *regs);

#endif /* _VTX_EMULATE_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The instruction decoder behind KVM_EXIT_MMIO: just enough of the x86
 * encoding (SDM Vol. 2, chapter 2) to tell what a guest's access to a
 * guest-physical address with no RAM behind it was: a load or a store,
 * its size, which register or immediate, and the instruction's length.
 * Anything else is refused, never guessed.
 *
 * Pure logic: built into the module and the unit tests (and fuzzed).
 */
#ifndef _VTX_DECODE_H
#define _VTX_DECODE_H

#include <vtx/types.h>

#define VTX_INSN_MAX_LEN	15	/* SDM Vol. 2 2.3.11 */

enum vtx_insn_kind {
	VTX_INSN_LOAD,		/* register <- memory (MOV, MOVZX, MOVSX) */
	VTX_INSN_STORE,		/* memory <- register or immediate */
};

struct vtx_insn {
	enum vtx_insn_kind kind;
	u8 len;			/* instruction bytes */
	u8 size;		/* bytes of the memory access: 1, 2, 4, 8 */
	u8 reg;			/* the register operand (ModRM numbering) */
	bool high_byte;		/* reg is AH/CH/DH/BH (bits 15:8 of reg - 4) */
	u8 dest_size;		/* loads: bytes written to reg: 1, 2, 4, 8 */
	bool sign_extend;	/* MOVSX/MOVSXD: else zero-extended */
	bool has_imm;		/* stores of an immediate */
	u64 imm;		/* already sign-extended to size */
	bool stos;		/* STOS: store rAX to [rDI], rDI moves */
	bool rep;		/* F3 prefix on STOS */
	u8 addr_size;		/* 2, 4 or 8: width of rDI/rCX for STOS */
};

/**
 * vtx_decode_mmio() - decode one instruction that accessed memory
 * @bytes:	the instruction bytes at the guest's RIP
 * @avail:	how many of them could be read (up to VTX_INSN_MAX_LEN)
 * @mode_bits:	16, 32 or 64: the code segment's default size, or long mode
 * @insn:	out
 *
 * Return: 0, or -EINVAL for anything outside the supported set (also a
 * register-only ModRM, which cannot have touched memory), or -EFAULT when
 * @avail ran out before the instruction ended.
 */
int vtx_decode_mmio(const u8 *bytes, unsigned int avail, unsigned int mode_bits,
		    struct vtx_insn *insn);

/* The value a store writes, from the registers (or the immediate). */
u64 vtx_insn_store_value(const struct vtx_insn *insn, const u64 *regs);

/* The register's new value after a load returned @data. */
u64 vtx_insn_load_result(const struct vtx_insn *insn, u64 old, u64 data);

#endif /* _VTX_DECODE_H */

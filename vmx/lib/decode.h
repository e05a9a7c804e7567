/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The instruction decoder behind KVM_EXIT_MMIO: enough of the x86
 * encoding (SDM Vol. 2, chapter 2) to tell what a guest's access to a
 * guest-physical address with no RAM behind it was: which instruction
 * (MOV, an ALU operation, a bit test, a string instruction...), its
 * memory operand's size, the register or immediate beside it, and the
 * instruction's length.  emulate.h computes its result.  Anything else
 * is refused, never guessed.
 *
 * Pure logic: built into the module and the unit tests (and fuzzed).
 */
#ifndef _VTX_DECODE_H
#define _VTX_DECODE_H

#include <vtx/types.h>

#define VTX_INSN_MAX_LEN	15	/* SDM Vol. 2 2.3.11 */

/* What the instruction does with its memory operand(s). */
enum vtx_insn_kind {
	VTX_INSN_LOAD,		/* reads memory, writes registers/flags */
	VTX_INSN_STORE,		/* writes memory without reading it */
	VTX_INSN_RMW,		/* reads memory, then writes it back */
	VTX_INSN_MOVS,		/* MOVS: reads [rSI], writes [rDI] */
	VTX_INSN_CMPS,		/* CMPS: reads [rSI], then [rDI] */
};

/* The operation; the first eight are ModRM.reg of group 1 (80-83). */
enum vtx_insn_op {
	VTX_OP_ADD, VTX_OP_OR, VTX_OP_ADC, VTX_OP_SBB,
	VTX_OP_AND, VTX_OP_SUB, VTX_OP_XOR, VTX_OP_CMP,
	VTX_OP_MOV,		/* MOV, MOVZX, MOVSX, MOVSXD, moffs */
	VTX_OP_TEST,
	VTX_OP_NOT, VTX_OP_NEG, VTX_OP_INC, VTX_OP_DEC,
	VTX_OP_XCHG,
	VTX_OP_BT, VTX_OP_BTS, VTX_OP_BTR, VTX_OP_BTC,
	VTX_OP_SETCC,
	VTX_OP_CMPXCHG, VTX_OP_XADD,
	VTX_OP_MOVS, VTX_OP_LODS, VTX_OP_STOS, VTX_OP_CMPS, VTX_OP_SCAS,
	/* Group 2 in ModRM.reg order (/6, SAL, is SHL). */
	VTX_OP_ROL, VTX_OP_ROR, VTX_OP_RCL, VTX_OP_RCR,
	VTX_OP_SHL, VTX_OP_SHR, VTX_OP_SAL, VTX_OP_SAR,
	/* Group 3 /4-/7 (rDX:rAX), then IMUL r, r/m [, imm] */
	VTX_OP_MUL, VTX_OP_IMUL1, VTX_OP_DIV, VTX_OP_IDIV,
	VTX_OP_IMUL,
	VTX_NR_OPS
};

/* The ModRM memory operand (SDM Vol. 2 2.1.5), to compute its address. */
struct vtx_insn_mem {
	s8 base, index;		/* GPR numbers, -1: none */
	u8 scale;		/* 1, 2, 4, 8 */
	bool rip_rel;		/* 64-bit mode disp32(%rip) */
	s64 disp;		/* sign-extended */
};

struct vtx_insn {
	enum vtx_insn_kind kind;
	enum vtx_insn_op op;
	u8 len;			/* instruction bytes */
	u8 size;		/* bytes of the memory access: 1, 2, 4, 8 */
	u8 reg;			/* the register operand (ModRM numbering) */
	bool high_byte;		/* reg is AH/CH/DH/BH (bits 15:8 of reg - 4) */
	u8 dest_size;		/* loads: bytes written to reg: 1, 2, 4, 8 */
	bool sign_extend;	/* MOVSX/MOVSXD: else zero-extended */
	bool has_imm;		/* the other operand is an immediate */
	u64 imm;		/* already sign-extended to size */
	bool reg_dest;		/* ALU r, r/m: the result goes to reg */
	bool bit_reg;		/* BT* with a register bit offset */
	bool count_cl;		/* shifts: the count is CL, else imm */
	bool lock;		/* F0 */
	bool stos;		/* STOS: store rAX to [rDI], rDI moves */
	bool string;		/* MOVS, LODS, STOS, CMPS, SCAS */
	bool rep;		/* F3 (or F2) on a string instruction */
	bool repne;		/* F2 on CMPS/SCAS: stop when ZF = 1 */
	u8 cc;			/* SETcc: the condition, 0-15 */
	u8 addr_size;		/* 2, 4 or 8: width of addresses, rSI/rDI/rCX */
	u8 seg;			/* segment: 0-5 ES CS SS DS FS GS (VMCS order) */
	bool has_modrm_mem;	/* mem below is valid */
	struct vtx_insn_mem mem;
};

/* vtx_insn.seg: the defaults and the one string destinations use. */
#define VTX_INSN_SEG_ES	0
#define VTX_INSN_SEG_SS	2
#define VTX_INSN_SEG_DS	3

/**
 * vtx_decode_mmio() - decode one instruction that accessed memory
 * @bytes:	the instruction bytes at the guest's RIP
 * @avail:	how many of them could be read (up to VTX_INSN_MAX_LEN)
 * @mode_bits:	16, 32 or 64: the code segment's default size, or long mode
 * @insn:	out
 *
 * Return: 0, or -EINVAL for anything outside the supported set (also a
 * register-only ModRM, which cannot have touched memory, and a LOCK
 * prefix the CPU would have refused with #UD), or -EFAULT when @avail
 * (or the 15-byte limit) ran out before the instruction ended.
 */
int vtx_decode_mmio(const u8 *bytes, unsigned int avail, unsigned int mode_bits,
		    struct vtx_insn *insn);

/**
 * vtx_insn_ea() - the effective address of the ModRM memory operand
 * @insn:	decoded, with has_modrm_mem
 * @regs:	the 16 GPRs (RSP included)
 * @next_rip:	RIP after the instruction (for RIP-relative operands)
 *
 * Return: the offset in its segment, truncated to the address size
 * (SDM Vol. 1 3.7.5).
 */
u64 vtx_insn_ea(const struct vtx_insn *insn, const u64 *regs, u64 next_rip);

/* The value a store writes, from the registers (or the immediate). */
u64 vtx_insn_store_value(const struct vtx_insn *insn, const u64 *regs);

/* The register's new value after a load returned @data. */
u64 vtx_insn_load_result(const struct vtx_insn *insn, u64 old, u64 data);

#endif /* _VTX_DECODE_H */

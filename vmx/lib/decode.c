// SPDX-License-Identifier: GPL-2.0
/*
 * The instruction decoder behind KVM_EXIT_MMIO (see decode.h).
 *
 * Supported: MOV 88/89/8A/8B/C6/C7 and A0-A3 (moffs), MOVZX 0F B6/B7,
 * MOVSX 0F BE/BF, MOVSXD 63 (64-bit), STOS AA/AB with or without REP;
 * prefixes 66, 67, F3, segment overrides and REX.  Everything else is
 * -EINVAL.
 */
#include "decode.h"

static u64 vtx_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

static u64 vtx_sext(u64 v, unsigned int size)
{
	unsigned int shift = 64 - size * 8;

	return size >= 8 ? v : (u64)((s64)(v << shift) >> shift);
}

struct vtx_cursor {
	const u8 *bytes;
	unsigned int avail, pos;
	bool short_read;
};

static u8 vtx_next(struct vtx_cursor *c)
{
	if (c->pos >= c->avail || c->pos >= VTX_INSN_MAX_LEN) {
		c->short_read = true;
		return 0;
	}
	return c->bytes[c->pos++];
}

static u64 vtx_next_n(struct vtx_cursor *c, unsigned int n)
{
	u64 v = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		v |= (u64)vtx_next(c) << (8 * i);
	return v;
}

/*
 * Skip the ModRM's memory operand: SIB and displacement (SDM Vol. 2
 * 2.1.5, Tables 2-1 to 2-3).  Returns the reg field, or -1 for mod = 3.
 */
static int vtx_modrm(struct vtx_cursor *c, unsigned int addr_size, u8 rex)
{
	u8 modrm = vtx_next(c);
	unsigned int mod = modrm >> 6, rm = modrm & 7;
	unsigned int disp = 0;

	if (mod == 3)
		return -1;
	if (addr_size == 2) {
		if (mod == 1)
			disp = 1;
		else if (mod == 2 || (mod == 0 && rm == 6))
			disp = 2;
	} else {
		if (rm == 4) {
			u8 sib = vtx_next(c);

			if (mod == 0 && (sib & 7) == 5)
				disp = 4;
		}
		if (mod == 1)
			disp = 1;
		else if (mod == 2 || (mod == 0 && rm == 5))
			disp = 4;
	}
	vtx_next_n(c, disp);
	return ((modrm >> 3) & 7) | ((rex & 4) ? 8 : 0);
}

int vtx_decode_mmio(const u8 *bytes, unsigned int avail, unsigned int mode_bits,
		    struct vtx_insn *insn)
{
	struct vtx_cursor c = { .bytes = bytes, .avail = avail };
	bool opsize = false, addrsize = false, rep = false;
	unsigned int op_size, addr_size;
	struct vtx_insn in = { 0 };
	u8 rex = 0, op;
	int reg = 0;

	if (mode_bits != 16 && mode_bits != 32 && mode_bits != 64)
		return -EINVAL;

	/* Legacy prefixes, in any order (SDM Vol. 2 2.1.1). */
	for (;;) {
		op = vtx_next(&c);
		if (c.short_read)
			return -EFAULT;
		if (op == 0x66)
			opsize = true;
		else if (op == 0x67)
			addrsize = true;
		else if (op == 0xf3)
			rep = true;
		else if (op == 0x26 || op == 0x2e || op == 0x36 ||
			 op == 0x3e || op == 0x64 || op == 0x65)
			continue;
		else
			break;
	}
	/* REX, only in 64-bit mode and right before the opcode (2.2.1). */
	if (mode_bits == 64 && (op & 0xf0) == 0x40) {
		rex = op;
		op = vtx_next(&c);
	}

	if (rex & 8)
		op_size = 8;
	else if (mode_bits == 16)
		op_size = opsize ? 4 : 2;
	else
		op_size = opsize ? 2 : 4;
	if (mode_bits == 64)
		addr_size = addrsize ? 4 : 8;
	else if (mode_bits == 32)
		addr_size = addrsize ? 2 : 4;
	else
		addr_size = addrsize ? 4 : 2;
	in.addr_size = addr_size;

	switch (op) {
	case 0x88: case 0x89: case 0x8a: case 0x8b:	/* MOV */
		in.kind = (op & 2) ? VTX_INSN_LOAD : VTX_INSN_STORE;
		in.size = (op & 1) ? op_size : 1;
		reg = vtx_modrm(&c, addr_size, rex);
		break;
	case 0xc6: case 0xc7:				/* MOV r/m, imm */
		in.kind = VTX_INSN_STORE;
		in.size = (op & 1) ? op_size : 1;
		reg = vtx_modrm(&c, addr_size, rex);
		if (reg >= 0 && (reg & 7) != 0)
			return -EINVAL;	/* /0 only */
		in.has_imm = true;
		/* imm32 at most, sign-extended for 64-bit stores. */
		in.imm = vtx_next_n(&c, in.size > 4 ? 4 : in.size);
		in.imm = vtx_sext(in.imm, in.size > 4 ? 4 : in.size) &
			 vtx_mask(in.size);
		break;
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:	/* MOV rAX, moffs */
		in.kind = (op & 2) ? VTX_INSN_STORE : VTX_INSN_LOAD;
		in.size = (op & 1) ? op_size : 1;
		vtx_next_n(&c, addr_size);
		reg = 0;
		break;
	case 0xaa: case 0xab:				/* STOS */
		in.kind = VTX_INSN_STORE;
		in.size = (op & 1) ? op_size : 1;
		in.stos = true;
		in.rep = rep;
		reg = 0;
		break;
	case 0x63:					/* MOVSXD */
		if (mode_bits != 64 || op_size != 8)
			return -EINVAL;
		in.kind = VTX_INSN_LOAD;
		in.size = 4;
		in.dest_size = 8;
		in.sign_extend = true;
		reg = vtx_modrm(&c, addr_size, rex);
		break;
	case 0x0f:
		op = vtx_next(&c);
		if (op != 0xb6 && op != 0xb7 && op != 0xbe && op != 0xbf)
			return c.short_read ? -EFAULT : -EINVAL;
		in.kind = VTX_INSN_LOAD;		/* MOVZX, MOVSX */
		in.size = (op & 1) ? 2 : 1;
		in.dest_size = op_size;
		in.sign_extend = op & 8;
		reg = vtx_modrm(&c, addr_size, rex);
		break;
	default:
		return c.short_read ? -EFAULT : -EINVAL;
	}
	if (c.short_read)
		return -EFAULT;
	/* A register operand never reaches memory: not an MMIO access. */
	if (reg < 0)
		return -EINVAL;
	/* F3 means REP on STOS only; elsewhere it is another instruction. */
	if (rep && !in.stos)
		return -EINVAL;

	in.reg = reg & 15;
	if (!in.dest_size)
		in.dest_size = in.size;
	/* AH, CH, DH, BH: byte registers 4-7 without any REX (2.1.5). */
	if (in.size == 1 && in.dest_size == 1 && !rex && in.reg >= 4 &&
	    in.reg < 8 && !in.stos && !in.has_imm) {
		in.high_byte = true;
		in.reg -= 4;
	}
	in.len = c.pos;
	*insn = in;
	return 0;
}

u64 vtx_insn_store_value(const struct vtx_insn *insn, const u64 *regs)
{
	u64 v;

	if (insn->has_imm)
		return insn->imm;
	v = regs[insn->reg];
	if (insn->high_byte)
		v >>= 8;
	return v & vtx_mask(insn->size);
}

u64 vtx_insn_load_result(const struct vtx_insn *insn, u64 old, u64 data)
{
	u64 v = data & vtx_mask(insn->size);

	if (insn->sign_extend)
		v = vtx_sext(v, insn->size);
	v &= vtx_mask(insn->dest_size);

	switch (insn->dest_size) {
	case 1:
		if (insn->high_byte)
			return (old & ~0xff00ULL) | (v << 8);
		return (old & ~0xffULL) | v;
	case 2:
		return (old & ~0xffffULL) | v;
	case 4:		/* a 32-bit destination zero-extends (Vol. 1 3.4.1.1) */
		return v;
	default:
		return v;
	}
}

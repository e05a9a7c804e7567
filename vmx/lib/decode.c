// SPDX-License-Identifier: GPL-2.0
/*
 * The instruction decoder behind KVM_EXIT_MMIO (see decode.h).
 *
 * Supported, each with a memory operand (SDM Vol. 2, chapters 3-4):
 *   ADD OR ADC SBB AND SUB XOR CMP   00-3B (ModRM forms), 80-83 group 1
 *   TEST 84/85, F6/F7 /0 /1; NOT, NEG F6/F7 /2 /3; INC, DEC FE/FF /0 /1
 *   XCHG 86/87; MOV 88-8B, C6/C7 /0, A0-A3; MOVZX, MOVSX 0F B6/B7/BE/BF;
 *   MOVSXD 63 (64-bit, REX.W); SETcc 0F 90-9F; BT BTS BTR BTC 0F A3/AB/
 *   B3/BB and 0F BA /4-7; CMPXCHG 0F B0/B1; XADD 0F C0/C1;
 *   MOVS, CMPS, STOS, LODS, SCAS (A4-AF) with REP/REPE/REPNE;
 *   ROL ROR RCL RCR SHL SHR SAL SAR C0/C1 ib, D0/D1 (1), D2/D3 (CL);
 *   MUL IMUL DIV IDIV F6/F7 /4-/7, IMUL 0F AF, 69, 6B.
 * Prefixes: 66, 67, segment overrides, REX (64-bit mode), LOCK where the
 * CPU allows it (else #UD came first: -EINVAL), F2/F3 on string
 * instructions only.  Everything else is -EINVAL.
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

/* Displacement of @n bytes, sign-extended (SDM Vol. 2 2.1.5). */
static s64 vtx_disp(struct vtx_cursor *c, unsigned int n)
{
	return (s64)vtx_sext(vtx_next_n(c, n), n);
}

/*
 * The ModRM memory operand: SIB and displacement (SDM Vol. 2 2.1.5,
 * Tables 2-1 to 2-3; 2.2.1.6 for RIP-relative).  Fills in->mem and the
 * default segment (SS for BP/SP-based addresses, Vol. 1 3.7.4).
 * Returns the reg field (with REX.R), or -1 for mod = 3.
 */
static int vtx_modrm(struct vtx_cursor *c, struct vtx_insn *in, u8 rex,
		     unsigned int mode_bits)
{
	static const s8 base16[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };
	static const s8 index16[8] = { 6, 7, 6, 7, -1, -1, -1, -1 };
	struct vtx_insn_mem *m = &in->mem;
	u8 modrm = vtx_next(c);
	unsigned int mod = modrm >> 6, rm = modrm & 7;

	m->base = -1;
	m->index = -1;
	m->scale = 1;
	m->rip_rel = false;
	m->disp = 0;
	in->seg = VTX_INSN_SEG_DS;
	if (mod == 3)
		return -1;
	in->has_modrm_mem = true;

	if (in->addr_size == 2) {
		if (mod == 0 && rm == 6) {
			m->disp = vtx_disp(c, 2);
		} else {
			m->base = base16[rm];
			m->index = index16[rm];
			if (mod == 1)
				m->disp = vtx_disp(c, 1);
			else if (mod == 2)
				m->disp = vtx_disp(c, 2);
			if (m->base == 5)
				in->seg = VTX_INSN_SEG_SS;
		}
		return (modrm >> 3) & 7;
	}

	if (rm == 4) {
		u8 sib = vtx_next(c);
		unsigned int index = ((sib >> 3) & 7) | ((rex & 2) ? 8 : 0);

		if (index != 4) {
			m->index = index;
			m->scale = 1 << (sib >> 6);
		}
		if (mod == 0 && (sib & 7) == 5)
			m->disp = vtx_disp(c, 4);	/* no base */
		else
			m->base = (sib & 7) | ((rex & 1) ? 8 : 0);
	} else if (mod == 0 && rm == 5) {
		m->disp = vtx_disp(c, 4);
		m->rip_rel = mode_bits == 64;
	} else {
		m->base = rm | ((rex & 1) ? 8 : 0);
	}
	if (mod == 1)
		m->disp = vtx_disp(c, 1);
	else if (mod == 2)
		m->disp = vtx_disp(c, 4);
	if (m->base == 4 || m->base == 5)
		in->seg = VTX_INSN_SEG_SS;
	return ((modrm >> 3) & 7) | ((rex & 4) ? 8 : 0);
}

/* An Ib or Iz immediate of an operation of @size bytes, sign-extended. */
static u64 vtx_imm(struct vtx_cursor *c, unsigned int n, unsigned int size)
{
	return vtx_sext(vtx_next_n(c, n), n) & vtx_mask(size);
}

int vtx_decode_mmio(const u8 *bytes, unsigned int avail, unsigned int mode_bits,
		    struct vtx_insn *insn)
{
	struct vtx_cursor c = { .bytes = bytes, .avail = avail };
	bool opsize = false, addrsize = false, lock = false;
	bool lockable = false, modrm = true, byte_reg = false;
	unsigned int op_size, addr_size;
	struct vtx_insn in = { 0 };
	int seg_override = -1, reg = 0;
	u8 rex = 0, rep = 0, op;

	if (mode_bits != 16 && mode_bits != 32 && mode_bits != 64)
		return -EINVAL;

	/*
	 * Legacy prefixes in any order (SDM Vol. 2 2.1.1), the last of a
	 * group winning; a REX counts only right before the opcode, one
	 * followed by a legacy prefix is ignored (2.2.1).
	 */
	for (;;) {
		op = vtx_next(&c);
		if (c.short_read)
			return -EFAULT;
		switch (op) {
		case 0x66:
			opsize = true;
			break;
		case 0x67:
			addrsize = true;
			break;
		case 0xf0:
			lock = true;
			break;
		case 0xf2: case 0xf3:
			rep = op;
			break;
		case 0x26: case 0x2e: case 0x36: case 0x3e:
			seg_override = (op >> 3) & 3;	/* ES CS SS DS */
			break;
		case 0x64: case 0x65:
			seg_override = op - 0x60;	/* FS GS */
			break;
		default:
			if (mode_bits == 64 && (op & 0xf0) == 0x40) {
				rex = op;
				continue;
			}
			goto opcode;
		}
		rex = 0;
	}
opcode:
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
	in.seg = VTX_INSN_SEG_DS;

	/* ALU rows 00-3F: r/m,r (RMW; CMP only reads) and r,r/m. */
	if (op < 0x40 && (op & 7) < 4) {
		in.op = op >> 3;
		in.size = (op & 1) ? op_size : 1;
		in.reg_dest = op & 2;
		in.kind = (in.reg_dest || in.op == VTX_OP_CMP) ?
			  VTX_INSN_LOAD : VTX_INSN_RMW;
		lockable = in.kind == VTX_INSN_RMW;
		byte_reg = true;
		reg = vtx_modrm(&c, &in, rex, mode_bits);
		goto done;
	}

	switch (op) {
	case 0x80: case 0x81: case 0x82: case 0x83:	/* group 1 */
		if (op == 0x82 && mode_bits == 64)
			return -EINVAL;		/* #UD in 64-bit mode */
		in.size = (op & 1) ? op_size : 1;
		reg = vtx_modrm(&c, &in, rex, mode_bits);
		in.op = reg & 7;
		in.kind = in.op == VTX_OP_CMP ? VTX_INSN_LOAD : VTX_INSN_RMW;
		lockable = in.kind == VTX_INSN_RMW;
		in.has_imm = true;
		in.imm = vtx_imm(&c, op == 0x81 ? (in.size > 4 ? 4 : in.size) :
				 1, in.size);
		break;
	case 0x84: case 0x85:				/* TEST r/m, r */
		in.op = VTX_OP_TEST;
		in.kind = VTX_INSN_LOAD;
		in.size = (op & 1) ? op_size : 1;
		byte_reg = true;
		reg = vtx_modrm(&c, &in, rex, mode_bits);
		break;
	case 0x86: case 0x87:				/* XCHG r/m, r */
		in.op = VTX_OP_XCHG;
		in.kind = VTX_INSN_RMW;
		in.size = (op & 1) ? op_size : 1;
		lockable = byte_reg = true;
		reg = vtx_modrm(&c, &in, rex, mode_bits);
		break;
	case 0x88: case 0x89: case 0x8a: case 0x8b:	/* MOV */
		in.op = VTX_OP_MOV;
		in.kind = (op & 2) ? VTX_INSN_LOAD : VTX_INSN_STORE;
		in.size = (op & 1) ? op_size : 1;
		byte_reg = true;
		reg = vtx_modrm(&c, &in, rex, mode_bits);
		break;
	case 0xc6: case 0xc7:				/* MOV r/m, imm */
		in.op = VTX_OP_MOV;
		in.kind = VTX_INSN_STORE;
		in.size = (op & 1) ? op_size : 1;
		reg = vtx_modrm(&c, &in, rex, mode_bits);
		if (reg >= 0 && (reg & 7) != 0)
			return -EINVAL;	/* /0 only */
		in.has_imm = true;
		/* imm32 at most, sign-extended for 64-bit stores. */
		in.imm = vtx_imm(&c, in.size > 4 ? 4 : in.size, in.size);
		break;
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:	/* MOV rAX, moffs */
		in.op = VTX_OP_MOV;
		in.kind = (op & 2) ? VTX_INSN_STORE : VTX_INSN_LOAD;
		in.size = (op & 1) ? op_size : 1;
		vtx_next_n(&c, addr_size);
		modrm = false;
		break;
	case 0xa4: case 0xa5:				/* MOVS */
		in.op = VTX_OP_MOVS;
		in.kind = VTX_INSN_MOVS;
		goto string;
	case 0xa6: case 0xa7:				/* CMPS */
		in.op = VTX_OP_CMPS;
		in.kind = VTX_INSN_CMPS;
		goto string;
	case 0xaa: case 0xab:				/* STOS */
		in.op = VTX_OP_STOS;
		in.kind = VTX_INSN_STORE;
		in.stos = true;
		goto string;
	case 0xac: case 0xad:				/* LODS */
		in.op = VTX_OP_LODS;
		in.kind = VTX_INSN_LOAD;
		goto string;
	case 0xae: case 0xaf:				/* SCAS */
		in.op = VTX_OP_SCAS;
		in.kind = VTX_INSN_LOAD;
string:
		in.size = (op & 1) ? op_size : 1;
		in.string = true;
		in.rep = rep;
		/* SDM Vol. 2 4.3 REP: F2 is REPNE on CMPS/SCAS only. */
		in.repne = rep == 0xf2 &&
			   (in.op == VTX_OP_CMPS || in.op == VTX_OP_SCAS);
		modrm = false;
		break;
	case 0x69: case 0x6b:				/* IMUL r, r/m, imm */
		in.op = VTX_OP_IMUL;
		in.kind = VTX_INSN_LOAD;
		in.size = op_size;
		in.reg_dest = true;
		reg = vtx_modrm(&c, &in, rex, mode_bits);
		in.has_imm = true;
		in.imm = vtx_imm(&c, op == 0x6b ? 1 : (op_size > 4 ? 4 : op_size),
				 op_size);
		break;
	case 0x63:					/* MOVSXD */
		if (mode_bits != 64 || op_size != 8)
			return -EINVAL;
		in.op = VTX_OP_MOV;
		in.kind = VTX_INSN_LOAD;
		in.size = 4;
		in.dest_size = 8;
		in.sign_extend = true;
		reg = vtx_modrm(&c, &in, rex, mode_bits);
		break;
	case 0xc0: case 0xc1:				/* group 2 */
	case 0xd0: case 0xd1: case 0xd2: case 0xd3:
		in.size = (op & 1) ? op_size : 1;
		reg = vtx_modrm(&c, &in, rex, mode_bits);
		in.op = VTX_OP_ROL + (reg & 7);
		in.kind = VTX_INSN_RMW;
		in.count_cl = op >= 0xd2;
		in.has_imm = !in.count_cl;
		in.imm = op < 0xd0 ? vtx_next(&c) : 1;
		break;
	case 0xf6: case 0xf7:				/* group 3 */
		in.size = (op & 1) ? op_size : 1;
		reg = vtx_modrm(&c, &in, rex, mode_bits);
		switch (reg & 7) {
		case 0: case 1:		/* TEST r/m, imm (/1: an alias) */
			in.op = VTX_OP_TEST;
			in.kind = VTX_INSN_LOAD;
			in.has_imm = true;
			in.imm = vtx_imm(&c, in.size > 4 ? 4 : in.size,
					 in.size);
			break;
		case 2: case 3:
			in.op = (reg & 7) == 2 ? VTX_OP_NOT : VTX_OP_NEG;
			in.kind = VTX_INSN_RMW;
			lockable = true;
			break;
		default:		/* MUL, IMUL, DIV, IDIV: rDX:rAX */
			in.op = VTX_OP_MUL + ((reg & 7) - 4);
			in.kind = VTX_INSN_LOAD;
			break;
		}
		break;
	case 0xfe: case 0xff:				/* group 4/5 */
		in.size = (op & 1) ? op_size : 1;
		reg = vtx_modrm(&c, &in, rex, mode_bits);
		if (reg >= 0 && (reg & 7) > 1)
			return c.short_read ? -EFAULT : -EINVAL;
		in.op = (reg & 7) ? VTX_OP_DEC : VTX_OP_INC;
		in.kind = VTX_INSN_RMW;
		lockable = true;
		break;
	case 0x0f:
		op = vtx_next(&c);
		switch (op) {
		case 0x90 ... 0x9f:			/* SETcc r/m8 */
			in.op = VTX_OP_SETCC;
			in.kind = VTX_INSN_STORE;
			in.cc = op & 15;
			in.size = 1;
			reg = vtx_modrm(&c, &in, rex, mode_bits);
			break;
		case 0xa3: case 0xab: case 0xb3: case 0xbb:	/* BT* r/m, r */
			in.op = VTX_OP_BT + ((op >> 3) & 3);
			in.kind = in.op == VTX_OP_BT ? VTX_INSN_LOAD :
				  VTX_INSN_RMW;
			lockable = in.kind == VTX_INSN_RMW;
			in.size = op_size;
			in.bit_reg = true;
			reg = vtx_modrm(&c, &in, rex, mode_bits);
			break;
		case 0xba:				/* BT* r/m, imm8 */
			in.size = op_size;
			reg = vtx_modrm(&c, &in, rex, mode_bits);
			if (reg >= 0 && (reg & 7) < 4)
				return c.short_read ? -EFAULT : -EINVAL;
			in.op = VTX_OP_BT + (reg & 3);
			in.kind = in.op == VTX_OP_BT ? VTX_INSN_LOAD :
				  VTX_INSN_RMW;
			lockable = in.kind == VTX_INSN_RMW;
			in.has_imm = true;
			in.imm = vtx_next(&c);
			break;
		case 0xb0: case 0xb1:			/* CMPXCHG */
		case 0xc0: case 0xc1:			/* XADD */
			in.op = op < 0xc0 ? VTX_OP_CMPXCHG : VTX_OP_XADD;
			in.kind = VTX_INSN_RMW;
			in.size = (op & 1) ? op_size : 1;
			lockable = byte_reg = true;
			reg = vtx_modrm(&c, &in, rex, mode_bits);
			break;
		case 0xaf:				/* IMUL r, r/m */
			in.op = VTX_OP_IMUL;
			in.kind = VTX_INSN_LOAD;
			in.size = op_size;
			in.reg_dest = true;
			reg = vtx_modrm(&c, &in, rex, mode_bits);
			break;
		case 0xb6: case 0xb7: case 0xbe: case 0xbf:	/* MOVZX, MOVSX */
			in.op = VTX_OP_MOV;
			in.kind = VTX_INSN_LOAD;
			in.size = (op & 1) ? 2 : 1;
			in.dest_size = op_size;
			in.sign_extend = op & 8;
			reg = vtx_modrm(&c, &in, rex, mode_bits);
			break;
		default:
			return c.short_read ? -EFAULT : -EINVAL;
		}
		break;
	default:
		return c.short_read ? -EFAULT : -EINVAL;
	}
done:
	if (c.short_read)
		return -EFAULT;
	/* A register operand never reaches memory: not an MMIO access. */
	if (reg < 0)
		return -EINVAL;
	/* SDM Vol. 2 2.1.1: LOCK elsewhere is #UD before any access. */
	if (lock && !lockable)
		return -EINVAL;
	/* F2/F3 outside string instructions: hints (HLE) or other
	 * instructions (POPCNT...): not taken.
	 */
	if (rep && !in.string)
		return -EINVAL;
	/* Overrides; STOS/SCAS/CMPS's ES:[rDI] has none (Vol. 2 4.3). */
	if (seg_override >= 0)
		in.seg = seg_override;
	if (in.stos || in.op == VTX_OP_SCAS)
		in.seg = VTX_INSN_SEG_ES;

	in.lock = lock;
	in.reg = modrm ? reg & 15 : 0;
	if (!in.dest_size)
		in.dest_size = in.size;
	/* AH, CH, DH, BH: byte registers 4-7 without any REX (2.1.5). */
	if (byte_reg && in.size == 1 && !rex && in.reg >= 4 && in.reg < 8) {
		in.high_byte = true;
		in.reg -= 4;
	}
	in.len = c.pos;
	*insn = in;
	return 0;
}

u64 vtx_insn_ea(const struct vtx_insn *insn, const u64 *regs, u64 next_rip)
{
	const struct vtx_insn_mem *m = &insn->mem;
	u64 ea = (u64)m->disp;

	if (m->rip_rel)
		ea += next_rip;
	if (m->base >= 0)
		ea += regs[m->base & 15];
	if (m->index >= 0)
		ea += regs[m->index & 15] * m->scale;
	return ea & vtx_mask(insn->addr_size);
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

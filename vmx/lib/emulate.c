// SPDX-License-Identifier: GPL-2.0
/*
 * The computation of the instructions vtx emulates on MMIO (see
 * emulate.h).  Flags follow each instruction's "Flags Affected" in the
 * SDM Vol. 2; the unit tests compare them with the host CPU's.
 */
#include "emulate.h"

#define VTX_RAX	0
#define VTX_RCX	1
#define VTX_RSI	6
#define VTX_RDI	7

static u64 vtx_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

static u64 vtx_sext(u64 v, unsigned int size)
{
	unsigned int shift = 64 - size * 8;

	return size >= 8 ? v : (u64)((s64)(v << shift) >> shift);
}

static u64 vtx_reg_get(const u64 *regs, unsigned int reg, bool high,
		       unsigned int size)
{
	u64 v = regs[reg & 15];

	return (high ? v >> 8 : v) & vtx_mask(size);
}

/* A write of @size bytes: 8 and 16 bits keep the rest, 32 bits
 * zero-extend (SDM Vol. 1 3.4.1.1).
 */
static void vtx_reg_set(u64 *regs, unsigned int reg, bool high,
			unsigned int size, u64 val)
{
	u64 *r = &regs[reg & 15];

	val &= vtx_mask(size);
	if (size == 1 && high)
		*r = (*r & ~0xff00ULL) | (val << 8);
	else if (size < 4)
		*r = (*r & ~vtx_mask(size)) | val;
	else
		*r = val;
}

/* ZF, SF and PF of a result (PF: even parity of its low byte). */
static u64 vtx_flags_zsp(u64 res, unsigned int size)
{
	u64 f = 0;
	u8 b = res;

	res &= vtx_mask(size);
	if (!res)
		f |= VTX_FL_ZF;
	if (res >> (size * 8 - 1))
		f |= VTX_FL_SF;
	b ^= b >> 4;
	b ^= b >> 2;
	b ^= b >> 1;
	if (!(b & 1))
		f |= VTX_FL_PF;
	return f;
}

/* ADD/ADC (@sub false) or SUB/SBB/CMP/NEG: result and all six flags. */
static u64 vtx_addsub(u64 a, u64 b, unsigned int carry, bool sub,
		      unsigned int size, u64 *flags)
{
	unsigned int top = size * 8 - 1;
	u64 m = vtx_mask(size), r, c, o;

	a &= m;
	b &= m;
	if (sub) {
		r = (a - b - carry) & m;
		c = (~a & b) | ((~a | b) & r);	/* borrow out of each bit */
		o = (a ^ b) & (a ^ r);
	} else {
		r = (a + b + carry) & m;
		c = (a & b) | ((a | b) & ~r);	/* carry out of each bit */
		o = ~(a ^ b) & (a ^ r);
	}
	*flags = vtx_flags_zsp(r, size);
	if ((c >> top) & 1)
		*flags |= VTX_FL_CF;
	if ((o >> top) & 1)
		*flags |= VTX_FL_OF;
	if ((a ^ b ^ r) & 0x10)
		*flags |= VTX_FL_AF;
	return r;
}

/* The eight group-1 operations; *flags gets all six arithmetic flags. */
static u64 vtx_alu(enum vtx_insn_op op, u64 a, u64 b, u64 rflags,
		   unsigned int size, u64 *flags)
{
	unsigned int cf = rflags & VTX_FL_CF;
	u64 r;

	switch (op) {
	case VTX_OP_ADD:
		return vtx_addsub(a, b, 0, false, size, flags);
	case VTX_OP_ADC:
		return vtx_addsub(a, b, cf, false, size, flags);
	case VTX_OP_SBB:
		return vtx_addsub(a, b, cf, true, size, flags);
	case VTX_OP_SUB:
	case VTX_OP_CMP:
		return vtx_addsub(a, b, 0, true, size, flags);
	case VTX_OP_OR:
		r = a | b;
		break;
	case VTX_OP_XOR:
		r = a ^ b;
		break;
	default:	/* AND, TEST */
		r = a & b;
		break;
	}
	/* OF = CF = 0; AF is undefined: cleared, as Intel CPUs do. */
	r &= vtx_mask(size);
	*flags = vtx_flags_zsp(r, size);
	return r;
}

/* SDM Vol. 2 Jcc/SETcc: condition @cc (0-15) on @f. */
static bool vtx_cond(unsigned int cc, u64 f)
{
	bool cf = f & VTX_FL_CF, zf = f & VTX_FL_ZF, sf = f & VTX_FL_SF;
	bool of = f & VTX_FL_OF, pf = f & VTX_FL_PF, r;

	switch (cc >> 1) {
	case 0:
		r = of;
		break;
	case 1:
		r = cf;
		break;
	case 2:
		r = zf;
		break;
	case 3:
		r = cf || zf;
		break;
	case 4:
		r = sf;
		break;
	case 5:
		r = pf;
		break;
	case 6:
		r = sf != of;
		break;
	default:
		r = zf || sf != of;
		break;
	}
	return (cc & 1) ? !r : r;
}

s64 vtx_insn_bit_disp(const struct vtx_insn *in, const u64 *regs)
{
	s64 off;

	if (!in->bit_reg)
		return 0;
	off = (s64)vtx_sext(vtx_reg_get(regs, in->reg, false, in->size),
			    in->size);
	/* Round down to the operand: an arithmetic shift keeps the sign. */
	off &= ~(s64)(in->size * 8 - 1);
	return off >> 3;
}

/*
 * Group 2 (SDM Vol. 2 RCL/RCR/ROL/ROR, SAL/SAR/SHL/SHR): @src by @count
 * (already masked to 5 or 6 bits, not 0).  *fmask gets the flags it
 * sets; the undefined ones (AF, OF beyond 1-bit counts, CF of SHL/SHR
 * at or past the operand's width) are computed as if defined, as the
 * CPU's step by step definition gives them.
 */
static u64 vtx_shift(enum vtx_insn_op op, u64 src, unsigned int count,
		     unsigned int size, u64 rflags, u64 *f, u64 *fmask)
{
	unsigned int bits = size * 8, i;
	u64 m = vtx_mask(size), msb = 1ULL << (bits - 1), r = src & m;
	bool cf = rflags & VTX_FL_CF, of;

	switch (op) {
	case VTX_OP_ROL: case VTX_OP_ROR:
		i = count % bits;
		if (i)
			r = op == VTX_OP_ROL ?
			    ((r << i) | (r >> (bits - i))) & m :
			    ((r >> i) | (r << (bits - i))) & m;
		cf = op == VTX_OP_ROL ? r & 1 : !!(r & msb);
		of = op == VTX_OP_ROL ? !!(r & msb) != cf :
		     !!(r & msb) != !!(r & (msb >> 1));
		*fmask = VTX_FL_CF | VTX_FL_OF;
		break;
	case VTX_OP_RCL: case VTX_OP_RCR:
		/* Through CF: a rotation of bits + 1 bits. */
		of = op == VTX_OP_RCR && !!(r & msb) != cf;
		for (i = count % (bits + 1); i; i--) {
			bool out = op == VTX_OP_RCL ? !!(r & msb) : r & 1;

			r = op == VTX_OP_RCL ? ((r << 1) | cf) & m :
			    (r >> 1) | (cf ? msb : 0);
			cf = out;
		}
		if (op == VTX_OP_RCL)
			of = !!(r & msb) != cf;
		*fmask = VTX_FL_CF | VTX_FL_OF;
		break;
	case VTX_OP_SHR:
		cf = count <= bits && ((r >> (count - 1)) & 1);
		of = !!(r & msb);
		r = count >= bits ? 0 : r >> count;
		goto szp;
	case VTX_OP_SAR:
		r = vtx_sext(r, size);
		cf = ((s64)r >> (count - 1 < 63 ? count - 1 : 63)) & 1;
		of = false;
		r = (u64)((s64)r >> (count < 63 ? count : 63)) & m;
		goto szp;
	default:	/* SHL, SAL */
		cf = count <= bits && ((r << (count - 1)) & msb);
		r = count >= bits ? 0 : (r << count) & m;
		of = !!(r & msb) != cf;
szp:
		*f = vtx_flags_zsp(r, size);
		*fmask = VTX_FL_CF | VTX_FL_OF | VTX_FL_SF | VTX_FL_ZF |
			 VTX_FL_PF | VTX_FL_AF;
		break;
	}
	if (cf)
		*f |= VTX_FL_CF;
	if (of)
		*f |= VTX_FL_OF;
	return r;
}

/*
 * MUL, IMUL, DIV, IDIV (SDM Vol. 2): rDX:rAX (AX for bytes) and @src.
 * CF = OF = "the upper half matters" for the multiplies; the other
 * flags are undefined and kept.  Returns false for #DE (a zero divisor
 * or a quotient that does not fit), before anything changed.  The
 * 128-bit values use only *, shifts and compares: no library call (the
 * module links none).
 */
static bool vtx_muldiv(enum vtx_insn_op op, u64 *regs, u64 src,
		       unsigned int size, u64 *f, u64 *fmask)
{
	unsigned int bits = size * 8;
	u64 m = vtx_mask(size), ax = regs[VTX_RAX] & m, dx, lo, hi;
	bool neg_q, neg_r;
	__uint128_t p, n, q;

	dx = size == 1 ? (regs[VTX_RAX] >> 8) & 0xff : regs[2] & m;
	switch (op) {
	case VTX_OP_MUL:
	case VTX_OP_IMUL1:
		if (op == VTX_OP_MUL) {
			p = (__uint128_t)ax * src;
		} else {
			p = (__uint128_t)((__int128_t)(s64)vtx_sext(ax, size) *
						(s64)vtx_sext(src, size));
		}
		lo = (u64)p & m;
		hi = size == 8 ? (u64)(p >> 64) : (u64)(p >> bits) & m;
		/* Signed: does the product fit in the lower half? */
		if (op == VTX_OP_MUL ? hi != 0 :
		    (__int128_t)(s64)vtx_sext(lo, size) != (__int128_t)p)
			*f = VTX_FL_CF | VTX_FL_OF;
		*fmask = VTX_FL_CF | VTX_FL_OF;
		break;
	default:	/* DIV, IDIV */
		if (!src)
			return false;
		n = size == 1 ? regs[VTX_RAX] & 0xffff :
		    ((__uint128_t)dx << bits) | ax;
		if (op == VTX_OP_DIV) {
			/* The quotient fits iff the high half < divisor. */
			if (dx >= src)
				return false;
			q = size == 8 ? 0 : (u64)n / src;
			if (size == 8) {
				/* 128 by 64 bits without a library call. */
				__uint128_t r = 0;
				int i;

				for (i = 127; i >= 0; i--) {
					r = (r << 1) | ((n >> i) & 1);
					q <<= 1;
					if (r >= src) {
						r -= src;
						q |= 1;
					}
				}
			}
			lo = (u64)q;
			hi = (u64)(n - q * src);
		} else {
			u64 d = vtx_sext(src, size), hm = m >> 1;
			__uint128_t un, ud = (s64)d < 0 ? -(u64)d : d;
			__uint128_t r = 0;
			int i;

			/* |n| and |d|, an unsigned division, the signs back. */
			neg_q = (size == 8 ? (s64)dx < 0 :
				 ((dx >> (bits - 1)) & 1)) != ((s64)d < 0);
			neg_r = size == 8 ? (s64)dx < 0 : (dx >> (bits - 1)) & 1;
			if (size < 8)
				n = (__uint128_t)(__int128_t)(s64)
				    vtx_sext((u64)n, size * 2);
			un = neg_r ? -n : n;
			q = 0;
			for (i = 127; i >= 0; i--) {
				r = (r << 1) | ((un >> i) & 1);
				q <<= 1;
				if (r >= ud) {
					r -= ud;
					q |= 1;
				}
			}
			/* Range: -2^(bits-1) .. 2^(bits-1) - 1. */
			if (q > (__uint128_t)hm + neg_q)
				return false;
			lo = neg_q ? -(u64)q : (u64)q;
			hi = neg_r ? -(u64)r : (u64)r;
		}
		/* All six flags undefined: kept. */
		*fmask = 0;
		break;
	}
	if (size == 1) {
		regs[VTX_RAX] = (regs[VTX_RAX] & ~0xffffULL) |
				((hi & 0xff) << 8) | (lo & 0xff);
	} else {
		vtx_reg_set(regs, VTX_RAX, false, size, lo);
		vtx_reg_set(regs, 2, false, size, hi);
	}
	return true;
}

/* rSI or rDI by one element, per DF, as wide as the address size. */
static void vtx_string_step(const struct vtx_insn *in, u64 *regs,
			    unsigned int reg, u64 rflags)
{
	u64 v = regs[reg] + ((rflags & VTX_FL_DF) ? -(u64)in->size : in->size);

	vtx_reg_set(regs, reg, false, in->addr_size, v);
}

unsigned int vtx_emulate(const struct vtx_insn *in, u64 *regs, u64 *rflags,
			 u64 src, u64 src2, u64 *out)
{
	unsigned int size = in->size, ret = 0;
	u64 m = vtx_mask(size), f = 0, fmask = VTX_FL_ARITH;
	u64 val, acc, bit;

	src &= m;
	src2 &= m;
	*out = 0;
	/* The other operand: an immediate or the ModRM reg. */
	val = in->has_imm ? in->imm & m :
	      vtx_reg_get(regs, in->reg, in->high_byte, size);

	switch (in->op) {
	case VTX_OP_ADD: case VTX_OP_OR: case VTX_OP_ADC: case VTX_OP_SBB:
	case VTX_OP_AND: case VTX_OP_SUB: case VTX_OP_XOR: case VTX_OP_CMP:
		if (in->reg_dest) {
			/* r = r op m */
			acc = vtx_alu(in->op, val, src, *rflags, size, &f);
			if (in->op != VTX_OP_CMP)
				vtx_reg_set(regs, in->reg, in->high_byte, size,
					    acc);
		} else {
			*out = vtx_alu(in->op, src, val, *rflags, size, &f);
			if (in->op != VTX_OP_CMP)
				ret = VTX_EMUL_WRITE;
		}
		break;
	case VTX_OP_TEST:
		vtx_alu(VTX_OP_AND, src, val, 0, size, &f);
		break;
	case VTX_OP_MOV:
		if (in->kind == VTX_INSN_STORE) {
			*out = vtx_insn_store_value(in, regs);
			ret = VTX_EMUL_WRITE;
		} else {
			regs[in->reg] = vtx_insn_load_result(in, regs[in->reg],
							     src);
		}
		fmask = 0;
		break;
	case VTX_OP_NOT:
		*out = ~src & m;
		ret = VTX_EMUL_WRITE;
		fmask = 0;
		break;
	case VTX_OP_NEG:
		*out = vtx_addsub(0, src, 0, true, size, &f);
		ret = VTX_EMUL_WRITE;
		break;
	case VTX_OP_INC:
	case VTX_OP_DEC:
		/* CF is not affected (SDM Vol. 2 INC, DEC). */
		*out = vtx_addsub(src, 1, 0, in->op == VTX_OP_DEC, size, &f);
		fmask &= ~VTX_FL_CF;
		ret = VTX_EMUL_WRITE;
		break;
	case VTX_OP_XCHG:
		*out = val;
		vtx_reg_set(regs, in->reg, in->high_byte, size, src);
		ret = VTX_EMUL_WRITE;
		fmask = 0;
		break;
	case VTX_OP_BT: case VTX_OP_BTS: case VTX_OP_BTR: case VTX_OP_BTC:
		/* CF only; ZF unaffected, OF SF AF PF undefined: kept. */
		bit = 1ULL << (val & (size * 8 - 1));
		f = (src & bit) ? VTX_FL_CF : 0;
		fmask = VTX_FL_CF;
		if (in->op == VTX_OP_BTS)
			*out = src | bit;
		else if (in->op == VTX_OP_BTR)
			*out = src & ~bit;
		else
			*out = src ^ bit;
		if (in->op != VTX_OP_BT)
			ret = VTX_EMUL_WRITE;
		else
			*out = 0;
		break;
	case VTX_OP_SETCC:
		*out = vtx_cond(in->cc, *rflags);
		ret = VTX_EMUL_WRITE;
		fmask = 0;
		break;
	case VTX_OP_CMPXCHG:
		/* SDM Vol. 2 CMPXCHG: flags of rAX - dest; the destination
		 * is written either way (its own value on a mismatch), and
		 * on a mismatch rAX gets it.
		 */
		acc = vtx_reg_get(regs, VTX_RAX, false, size);
		vtx_addsub(acc, src, 0, true, size, &f);
		if (acc == src) {
			*out = val;
		} else {
			*out = src;
			vtx_reg_set(regs, VTX_RAX, false, size, src);
		}
		ret = VTX_EMUL_WRITE;
		break;
	case VTX_OP_XADD:
		*out = vtx_addsub(src, val, 0, false, size, &f);
		vtx_reg_set(regs, in->reg, in->high_byte, size, src);
		ret = VTX_EMUL_WRITE;
		break;
	case VTX_OP_ROL: case VTX_OP_ROR: case VTX_OP_RCL: case VTX_OP_RCR:
	case VTX_OP_SHL: case VTX_OP_SHR: case VTX_OP_SAL: case VTX_OP_SAR:
		/* The count: 5 bits, 6 with a 64-bit operand; 0 changes no
		 * flag, and KVM writes the value back all the same.
		 */
		bit = (in->count_cl ? regs[VTX_RCX] : in->imm) &
		      (size == 8 ? 0x3f : 0x1f);
		*out = src;
		fmask = 0;
		if (bit)
			*out = vtx_shift(in->op == VTX_OP_SAL ? VTX_OP_SHL :
					 in->op, src, bit, size, *rflags, &f,
					 &fmask);
		ret = VTX_EMUL_WRITE;
		break;
	case VTX_OP_MUL: case VTX_OP_IMUL1: case VTX_OP_DIV: case VTX_OP_IDIV:
		if (!vtx_muldiv(in->op, regs, src, size, &f, &fmask))
			return VTX_EMUL_DE;
		break;
	case VTX_OP_IMUL:
		/* r = r * m, or r = m * imm; CF = OF = truncated. */
		acc = in->has_imm ? in->imm : vtx_reg_get(regs, in->reg, false,
							  size);
		{
			__int128_t p = (__int128_t)(s64)vtx_sext(acc, size) *
				     (s64)vtx_sext(src, size);
			u64 r = (u64)p & m;

			if ((__int128_t)(s64)vtx_sext(r, size) != p)
				f = VTX_FL_CF | VTX_FL_OF;
			fmask = VTX_FL_CF | VTX_FL_OF;
			vtx_reg_set(regs, in->reg, false, size, r);
		}
		break;
	case VTX_OP_MOVS:
		*out = src;
		ret = VTX_EMUL_WRITE;
		fmask = 0;
		vtx_string_step(in, regs, VTX_RSI, *rflags);
		vtx_string_step(in, regs, VTX_RDI, *rflags);
		break;
	case VTX_OP_LODS:
		vtx_reg_set(regs, VTX_RAX, false, size, src);
		fmask = 0;
		vtx_string_step(in, regs, VTX_RSI, *rflags);
		break;
	case VTX_OP_STOS:
		*out = vtx_reg_get(regs, VTX_RAX, false, size);
		ret = VTX_EMUL_WRITE;
		fmask = 0;
		vtx_string_step(in, regs, VTX_RDI, *rflags);
		break;
	case VTX_OP_CMPS:
		/* SDM Vol. 2 CMPS: flags of SRC1 - SRC2, [rSI] - [rDI]. */
		vtx_addsub(src, src2, 0, true, size, &f);
		vtx_string_step(in, regs, VTX_RSI, *rflags);
		vtx_string_step(in, regs, VTX_RDI, *rflags);
		break;
	case VTX_OP_SCAS:
		acc = vtx_reg_get(regs, VTX_RAX, false, size);
		vtx_addsub(acc, src, 0, true, size, &f);
		vtx_string_step(in, regs, VTX_RDI, *rflags);
		break;
	default:
		return 0;
	}
	*rflags = (*rflags & ~fmask) | (f & fmask);

	/* SDM Vol. 2 REP/REPE/REPNE: count rCX down; CMPS and SCAS also
	 * stop on ZF.  rCX = 0 never gets here: no access, no exit.
	 */
	if (in->string && in->rep) {
		u64 rcx = (regs[VTX_RCX] - 1) & vtx_mask(in->addr_size);
		bool zf = *rflags & VTX_FL_ZF;

		vtx_reg_set(regs, VTX_RCX, false, in->addr_size, rcx);
		if (rcx && !((in->op == VTX_OP_CMPS || in->op == VTX_OP_SCAS) &&
			     zf == in->repne))
			ret |= VTX_EMUL_AGAIN;
	}
	return ret;
}

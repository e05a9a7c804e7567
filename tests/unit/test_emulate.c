// SPDX-License-Identifier: GPL-2.0
/*
 * Differential tests of vmx/lib/emulate.c (and decode.c's lengths and
 * effective addresses): each instruction form runs natively on this
 * x86-64 host, on a RAM buffer, from an executable page built here, and
 * through vtx_decode_mmio() + vtx_emulate() on a copy of the same state.
 * Registers, memory and the flags the SDM defines for the instruction
 * (Vol. 2, "Flags Affected"; unaffected flags count as defined) must
 * match.  Random operands, with edge values mixed in.
 *
 * 16-bit code cannot run natively here: its decoding is covered by
 * test_decode.c and the selftest (selftests/kvm/kvm_mmio_emul.c).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "unit.h"
#include "vmx/lib/decode.h"
#include "vmx/lib/emulate.h"

#define NREGS	16
#define RBX	3
#define RSP	4
#define RSI	6
#define RDI	7
#define BUF	4096

struct state {
	u64 r[NREGS];
	u64 flags;
};

static u8 *code;	/* the stub: load state, the instruction, save state */
static u8 *nbuf, *ebuf;	/* native and emulated memory, MAP_32BIT */
static u64 seed = 0x9e3779b97f4a7c15ULL;
static unsigned int forms, runs, mismatches;

static u64 rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

/* Random values with the edges (0, -1, sign bits, carries) mixed in. */
static u64 rnd_val(void)
{
	static const u64 edge[] = { 0, 1, ~0ULL, 0x7f, 0x80, 0xff, 0x7fff,
		0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff,
		0x7fffffffffffffffULL, 0x8000000000000000ULL, 0x0f, 0x10 };
	u64 r = rnd();

	return (r & 3) ? rnd() : edge[(r >> 2) % ARRAY_SIZE(edge)];
}

static unsigned int emit_mov(u8 *p, bool store, unsigned int reg,
			     unsigned int disp)
{
	p[0] = 0x48 | (reg >= 8 ? 4 : 0);
	p[1] = store ? 0x89 : 0x8b;
	p[2] = 0x80 | ((reg & 7) << 3) | RDI;	/* disp32(%rdi) */
	memcpy(p + 3, &disp, 4);
	return 7;
}

/* Build: callee-saved pushes; RFLAGS and the GPRs from *%rdi (RSP
 * excluded); the instruction; the GPRs and RFLAGS back; CLD (the ABI).
 */
static void build_stub(const u8 *insn, unsigned int len)
{
	static const u8 pro[] = { 0x53, 0x55, 0x41, 0x54, 0x41, 0x55,
				  0x41, 0x56, 0x41, 0x57, 0x57 };
	static const u8 epi[] = { 0xfc, 0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d,
				  0x41, 0x5c, 0x5d, 0x5b, 0xc3 };
	u8 *p = code;
	unsigned int r;

	memcpy(p, pro, sizeof(pro));
	p += sizeof(pro);
	p += emit_mov(p, false, 0, 128);		/* rax = flags */
	*p++ = 0x50;					/* push rax */
	*p++ = 0x9d;					/* popfq */
	for (r = 0; r < NREGS; r++)
		if (r != RSP && r != RDI)
			p += emit_mov(p, false, r, 8 * r);
	p += emit_mov(p, false, RDI, 8 * RDI);
	memcpy(p, insn, len);
	p += len;
	memcpy(p, (u8[]){ 0x48, 0x87, 0x3c, 0x24 }, 4);	/* xchg %rdi,(%rsp) */
	p += 4;
	for (r = 0; r < NREGS; r++)
		if (r != RSP && r != RDI)
			p += emit_mov(p, true, r, 8 * r);
	*p++ = 0x9c;					/* pushfq */
	*p++ = 0x58;					/* pop rax */
	p += emit_mov(p, true, 0, 128);
	*p++ = 0x58;					/* pop rax: guest rdi */
	p += emit_mov(p, true, 0, 8 * RDI);
	memcpy(p, epi, sizeof(epi));
}

static u8 *emu_addr(u64 a, unsigned int size)
{
	u64 off = a - (u64)(uintptr_t)nbuf;

	if (off > BUF - size) {
		printf("# emulated access at 0x%llx is outside the buffer\n",
		       (unsigned long long)a);
		return NULL;
	}
	return ebuf + off;
}

/* The emulator on @s over ebuf, as vmx/exits.c drives it: operands read,
 * vtx_emulate(), the write; REP by running it again.
 */
static bool emulate(const struct vtx_insn *in, struct state *s)
{
	u64 amask = in->addr_size == 8 ? ~0ULL :
		    (1ULL << (8 * in->addr_size)) - 1;
	unsigned int i;

	for (i = 0; i < 64; i++) {
		u64 rd[2] = { 0, 0 }, a[2] = { 0, 0 }, w = 0, out;
		unsigned int n = 0, v, k;
		u8 *p;

		if (in->string) {
			u64 si = s->r[RSI] & amask, di = s->r[RDI] & amask;

			if (in->op == VTX_OP_MOVS || in->op == VTX_OP_CMPS ||
			    in->op == VTX_OP_LODS)
				a[n++] = si;
			if (in->op == VTX_OP_CMPS || in->op == VTX_OP_SCAS)
				a[n++] = di;
			w = di;
		} else {
			w = vtx_insn_ea(in, s->r, 0);
			w = (w + vtx_insn_bit_disp(in, s->r)) & amask;
			if (in->kind != VTX_INSN_STORE)
				a[n++] = w;
		}
		for (k = 0; k < n; k++) {
			p = emu_addr(a[k], in->size);
			if (!p)
				return false;
			memcpy(&rd[k], p, in->size);
		}
		v = vtx_emulate(in, s->r, &s->flags, rd[0], rd[1], &out);
		if (v & VTX_EMUL_WRITE) {
			p = emu_addr(w, in->size);
			if (!p)
				return false;
			memcpy(p, &out, in->size);
		}
		if (!(v & VTX_EMUL_AGAIN))
			return true;
	}
	printf("# REP did not end\n");
	return false;
}

/* The flags an instruction defines (undefined ones are not compared). */
static u64 defined_flags(const struct vtx_insn *in, const struct state *s)
{
	const u64 all = VTX_FL_ARITH | VTX_FL_DF;
	unsigned int count = (in->count_cl ? s->r[1] : in->imm) &
			     (in->size == 8 ? 0x3f : 0x1f);
	u64 f = all;

	switch (in->op) {
	case VTX_OP_ROL: case VTX_OP_ROR: case VTX_OP_RCL: case VTX_OP_RCR:
		/* OF only for 1-bit rotates */
		return count == 1 ? all : all & ~VTX_FL_OF;
	case VTX_OP_SHL: case VTX_OP_SHR: case VTX_OP_SAL: case VTX_OP_SAR:
		if (!count)
			return all;
		f &= ~VTX_FL_AF;
		if (count != 1)
			f &= ~VTX_FL_OF;
		if (count >= in->size * 8u && in->op != VTX_OP_SAR)
			f &= ~VTX_FL_CF;
		return f;
	case VTX_OP_OR: case VTX_OP_AND: case VTX_OP_XOR: case VTX_OP_TEST:
		return all & ~VTX_FL_AF;
	case VTX_OP_BT: case VTX_OP_BTS: case VTX_OP_BTR: case VTX_OP_BTC:
		return VTX_FL_CF | VTX_FL_ZF | VTX_FL_DF;
	case VTX_OP_MUL: case VTX_OP_IMUL1: case VTX_OP_IMUL:
		return VTX_FL_CF | VTX_FL_OF | VTX_FL_DF;
	case VTX_OP_DIV: case VTX_OP_IDIV:
		return VTX_FL_DF;
	default:
		return all;
	}
}

/* One form, @iters random states, native against emulated. */
static void check_form(const char *what, const u8 *insn, unsigned int len,
		       u64 flags_mask_in, bool strings)
{
	unsigned int it, bad = 0;
	struct vtx_insn in;
	int r = vtx_decode_mmio(insn, len, 64, &in);

	forms++;
	if (r || in.len != len) {
		CHECK(0, "%s: decodes (ret %d, len %u of %u)", what, r,
		      r ? 0 : in.len, len);
		mismatches++;
		return;
	}
	build_stub(insn, len);
	for (it = 0; it < 200; it++) {
		struct state s0, sn, se;
		unsigned int i;
		u64 fm;

		for (i = 0; i < NREGS; i++)
			s0.r[i] = rnd_val();
		s0.r[RSP] = 0;
		/* The memory operand (%rbx), the string pointers and BT's
		 * offset reach inside the buffer.
		 */
		s0.r[RBX] = (u64)(uintptr_t)nbuf + 1024 + rnd() % 1024;
		if (in.bit_reg)
			s0.r[in.reg] = (u64)((s64)(rnd() % 4096) - 2048);
		if (strings) {
			s0.r[RSI] = (u64)(uintptr_t)nbuf + 512 + rnd() % 1024;
			s0.r[RDI] = (u64)(uintptr_t)nbuf + 2048 + rnd() % 1024;
			s0.r[1] = 1 + rnd() % 6;	/* rCX */
		}
		s0.flags = 0x2 | (rnd() & flags_mask_in);
		for (i = 0; i < BUF; i++)
			nbuf[i] = (it & 1) ? rnd() : (u8)(rnd() % 3);
		/* CMPXCHG and CMPS/SCAS: make the equal case common. */
		if (in.op == VTX_OP_CMPXCHG && (it & 2))
			memcpy((u8 *)(uintptr_t)s0.r[RBX], &s0.r[0], in.size);
		if (in.op == VTX_OP_SCAS && (it & 2))
			memset(nbuf + 2048, (u8)s0.r[0], 1024);
		/* DIV/IDIV: a divisor and a dividend the CPU takes (#DE
		 * would be SIGFPE here; test_div_faults() checks those).
		 */
		if (in.op == VTX_OP_DIV || in.op == VTX_OP_IDIV) {
			u8 *d = (u8 *)(uintptr_t)s0.r[RBX];
			u64 v = 0;

			memcpy(&v, d, in.size);
			v |= 3;
			/* IDIV by -1 overflows for the most negative rAX */
			if (in.op == VTX_OP_IDIV &&
			    !(~v & (in.size == 8 ? ~0ULL : (1ULL << (in.size * 8)) - 1)))
				v = 3;
			memcpy(d, &v, in.size);
			/* high half: below the divisor (DIV), the sign of
			 * the low half (IDIV)
			 */
			if (in.op == VTX_OP_DIV) {
				u64 h = rnd() % v;

				if (in.size == 1)
					s0.r[0] = (s0.r[0] & ~0xff00ULL) | (h << 8);
				else
					s0.r[2] = h;
			} else if (in.size == 1) {
				s0.r[0] = (s0.r[0] & ~0xff00ULL) |
					  ((s0.r[0] & 0x80) ? 0xff00 : 0);
			} else {
				s0.r[2] = ((s0.r[0] >> (in.size * 8 - 1)) & 1) ?
					  ~0ULL : 0;
			}
		}
		memcpy(ebuf, nbuf, BUF);
		sn = s0;
		se = s0;
		((void (*)(struct state *))code)(&sn);
		runs++;
		if (!emulate(&in, &se)) {
			bad++;
			continue;
		}
		fm = defined_flags(&in, &s0);
		if (memcmp(sn.r, se.r, sizeof(sn.r)) ||
		    ((sn.flags ^ se.flags) & fm) || memcmp(nbuf, ebuf, BUF)) {
			if (bad++ < 3) {
				printf("# %s: mismatch, flags in 0x%llx native 0x%llx emulated 0x%llx\n",
				       what, (unsigned long long)s0.flags,
				       (unsigned long long)sn.flags,
				       (unsigned long long)se.flags);
				for (i = 0; i < NREGS; i++)
					if (sn.r[i] != se.r[i])
						printf("#   r%u: in 0x%llx native 0x%llx emulated 0x%llx\n",
						       i, (unsigned long long)s0.r[i],
						       (unsigned long long)sn.r[i],
						       (unsigned long long)se.r[i]);
				for (i = 0; i < BUF; i++)
					if (nbuf[i] != ebuf[i]) {
						printf("#   memory +%u: native 0x%02x emulated 0x%02x\n",
						       i, nbuf[i], ebuf[i]);
						break;
					}
			}
		}
	}
	if (bad) {
		mismatches++;
		CHECK(0, "%s: %u of 200 runs differ", what, bad);
	}
}

/* Operand-size prefixes for a 'v' form: 16, 32 and 64 bits. */
static const struct { u8 b[2]; unsigned int n; const char *name; } vsz[] = {
	{ { 0x66 }, 1, "16" }, { { 0 }, 0, "32" }, { { 0x48 }, 1, "64" },
};

/* A 64-bit instruction: [lock] [67] [66|REX] opcode... modrm [imm]. */
static void form(const char *what, bool lock, bool a32, const u8 *pfx,
		 unsigned int npfx, const u8 *op, unsigned int nop, u8 modrm,
		 const u8 *imm, unsigned int nimm, bool strings)
{
	u8 b[16];
	unsigned int n = 0;
	char name[96];

	if (lock)
		b[n++] = 0xf0;
	if (a32)
		b[n++] = 0x67;
	if (npfx)
		memcpy(b + n, pfx, npfx);
	n += npfx;
	memcpy(b + n, op, nop);
	n += nop;
	if (modrm != 0xff)
		b[n++] = modrm;
	if (nimm)
		memcpy(b + n, imm, nimm);
	n += nimm;
	snprintf(name, sizeof(name), "%s%s%s", lock ? "lock " : "",
		 a32 ? "addr32 " : "", what);
	check_form(name, b, n, VTX_FL_ARITH, strings);
}

/* ModRM with reg @reg and memory (%rbx) or 0x7f(%rbx). */
static u8 modrm_rbx(unsigned int reg, bool disp8)
{
	return (disp8 ? 0x40 : 0) | ((reg & 7) << 3) | RBX;
}

static void test_alu_and_friends(void)
{
	static const char *alu[] = { "add", "or", "adc", "sbb", "and", "sub",
				     "xor", "cmp" };
	/* ModRM.reg registers: rax, rcx, rdx, rbp, rsi, rdi, r9, r14 (and
	 * in byte forms without REX: ah, ch, dh as 4, 5, 6).
	 */
	static const u8 regs[] = { 0, 1, 2, 5, 6, 7, 9, 14 };
	unsigned int a, f, s, k, lock;
	char name[64];
	u8 imm1[1] = { 0x81 };

	for (a = 0; a < 8; a++) {
		for (f = 0; f < 4; f++) {
			bool rmw = !(f & 2) && a != 7;

			for (lock = 0; lock <= (unsigned int)rmw; lock++) {
				/* byte form: no REX (ah/ch/dh), REX (r9b) */
				u8 op = a * 8 + f;
				u8 rex = 0x44;	/* REX.R: r8-r15 */

				if (!(f & 1)) {
					for (k = 0; k < 6; k++) {
						unsigned int r = (u8[]){ 0, 1, 2, 4, 5, 6 }[k];

						snprintf(name, sizeof(name), "%s %02x /r%u byte", alu[a], op, r);
						form(name, lock, false, NULL, 0, &op, 1, modrm_rbx(r, k & 1), (u8[]){ 0x7f }, k & 1, false);
					}
					snprintf(name, sizeof(name), "%s %02x r9b", alu[a], op);
					form(name, lock, false, &rex, 1, &op, 1, modrm_rbx(1, false), NULL, 0, false);
					continue;
				}
				for (s = 0; s < 3; s++)
					for (k = 0; k < ARRAY_SIZE(regs); k++) {
						u8 p[2] = { vsz[s].b[0], 0 };
						unsigned int np = vsz[s].n;

						if (regs[k] >= 8) {
							if (s == 2)
								p[0] |= 4;
							else
								p[np++] = 0x44;
						}
						snprintf(name, sizeof(name), "%s %02x /%s r%u", alu[a], op, vsz[s].name, regs[k]);
						form(name, lock, k == 3, p, np, &op, 1, modrm_rbx(regs[k], false), NULL, 0, false);
					}
			}
		}
		/* group 1: 80 ib, 81 iz, 83 ib */
		for (lock = 0; lock <= (a != 7); lock++) {
			snprintf(name, sizeof(name), "%s 80 ib", alu[a]);
			form(name, lock, false, NULL, 0, (u8[]){ 0x80 }, 1, modrm_rbx(a, false), imm1, 1, false);
			for (s = 0; s < 3; s++) {
				snprintf(name, sizeof(name), "%s 81 iz /%s", alu[a], vsz[s].name);
				form(name, lock, false, vsz[s].b, vsz[s].n, (u8[]){ 0x81 }, 1, modrm_rbx(a, true), (u8[]){ 0x7f, 0x85, 0xff, 0x01, 0x80 }, s ? 5 : 3, false);
				snprintf(name, sizeof(name), "%s 83 ib /%s", alu[a], vsz[s].name);
				form(name, lock, s == 1, vsz[s].b, vsz[s].n, (u8[]){ 0x83 }, 1, modrm_rbx(a, false), (u8[]){ (u8)(0x80 + a * 17) }, 1, false);
			}
		}
	}

	/* TEST, XCHG, NOT, NEG, INC, DEC, MOV in byte and v forms */
	for (s = 0; s < 4; s++) {
		const u8 *p = s < 3 ? vsz[s].b : NULL;
		unsigned int np = s < 3 ? vsz[s].n : 0;
		u8 w = s < 3;	/* opcode bit 0 */
		const char *sz = s < 3 ? vsz[s].name : "8";
		static const struct { u8 op; int ext; const char *n; bool lk; int imm; } one[] = {
			{ 0x84, -1, "test r", false, 0 }, { 0x86, -1, "xchg", true, 0 },
			{ 0x88, -1, "mov store", false, 0 }, { 0x8a, -1, "mov load", false, 0 },
			{ 0xc6, 0, "mov imm", false, 1 },
			{ 0xf6, 0, "test imm", false, 1 }, { 0xf6, 1, "test imm /1", false, 1 },
			{ 0xf6, 2, "not", true, 0 }, { 0xf6, 3, "neg", true, 0 },
			{ 0xfe, 0, "inc", true, 0 }, { 0xfe, 1, "dec", true, 0 },
		};

		for (k = 0; k < ARRAY_SIZE(one); k++) {
			u8 op = one[k].op | w;
			unsigned int nimm = !one[k].imm ? 0 : s == 3 ? 1 : s == 0 ? 2 : 4;

			for (lock = 0; lock <= one[k].lk; lock++) {
				snprintf(name, sizeof(name), "%s /%s", one[k].n, sz);
				form(name, lock, lock, p, np, &op, 1,
				     modrm_rbx(one[k].ext >= 0 ? one[k].ext : 2, lock),
				     (u8[]){ 0x7f, 0x93, 0x80, 0xff, 0x81 },
				     lock ? 1 + nimm : nimm, false);
			}
		}
	}
}

static void test_0f(void)
{
	unsigned int s, k, lock, cc;
	char name[64];

	for (s = 0; s < 3; s++) {
		/* BT* r/m, r: the offset register is rcx */
		for (k = 0; k < 4; k++) {
			u8 op[2] = { 0x0f, (u8)(0xa3 + 8 * k) };

			for (lock = 0; lock <= (k != 0); lock++) {
				snprintf(name, sizeof(name), "bt%s r /%s", (const char *[]){ "", "s", "r", "c" }[k], vsz[s].name);
				form(name, lock, false, vsz[s].b, vsz[s].n, op, 2, modrm_rbx(1, false), NULL, 0, false);
				snprintf(name, sizeof(name), "bt%s imm /%s", (const char *[]){ "", "s", "r", "c" }[k], vsz[s].name);
				form(name, lock, s == 2, vsz[s].b, vsz[s].n, (u8[]){ 0x0f, 0xba }, 2, modrm_rbx(4 + k, true), (u8[]){ 0x10, (u8)(0x3 + 37 * k) }, 2, false);
			}
		}
		for (k = 0; k < 2; k++) {
			u8 op[2] = { 0x0f, k ? 0xc1 : 0xb1 };

			for (lock = 0; lock < 2; lock++) {
				snprintf(name, sizeof(name), "%s /%s", k ? "xadd" : "cmpxchg", vsz[s].name);
				form(name, lock, false, vsz[s].b, vsz[s].n, op, 2, modrm_rbx(2, false), NULL, 0, false);
			}
		}
		for (k = 0; k < 4; k++) {
			u8 op[2] = { 0x0f, (u8[]){ 0xb6, 0xb7, 0xbe, 0xbf }[k] };

			snprintf(name, sizeof(name), "movzx/sx %02x /%s", op[1], vsz[s].name);
			form(name, false, false, vsz[s].b, vsz[s].n, op, 2, modrm_rbx(5, false), NULL, 0, false);
		}
	}
	for (k = 0; k < 2; k++) {
		snprintf(name, sizeof(name), "%s byte", k ? "xadd" : "cmpxchg");
		form(name, k, false, NULL, 0, (u8[]){ 0x0f, k ? 0xc0 : 0xb0 }, 2, modrm_rbx(4, false), NULL, 0, false);
	}
	form("movsxd", false, false, (u8[]){ 0x48 }, 1, (u8[]){ 0x63 }, 1, modrm_rbx(2, false), NULL, 0, false);
	for (cc = 0; cc < 16; cc++) {
		snprintf(name, sizeof(name), "set%x", cc);
		form(name, false, false, NULL, 0, (u8[]){ 0x0f, (u8)(0x90 + cc) }, 2, modrm_rbx(0, cc & 1), (u8[]){ 0x10 }, cc & 1, false);
	}
}

static void test_shifts(void)
{
	static const char *n[] = { "rol", "ror", "rcl", "rcr", "shl", "shr",
				   "sal", "sar" };
	static const u8 counts[] = { 0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 63 };
	unsigned int k, s, c;
	char name[64];

	for (k = 0; k < 8; k++)
		for (s = 0; s < 4; s++) {
			const u8 *p = s < 3 ? vsz[s].b : NULL;
			unsigned int np = s < 3 ? vsz[s].n : 0;
			const char *sz = s < 3 ? vsz[s].name : "8";
			u8 w = s < 3;

			snprintf(name, sizeof(name), "%s 1 /%s", n[k], sz);
			form(name, false, false, p, np, (u8[]){ (u8)(0xd0 | w) }, 1, modrm_rbx(k, false), NULL, 0, false);
			snprintf(name, sizeof(name), "%s %%cl /%s", n[k], sz);
			form(name, false, false, p, np, (u8[]){ (u8)(0xd2 | w) }, 1, modrm_rbx(k, true), (u8[]){ 0x10 }, 1, false);
			for (c = 0; c < ARRAY_SIZE(counts); c++) {
				snprintf(name, sizeof(name), "%s $%u /%s", n[k], counts[c], sz);
				form(name, false, false, p, np, (u8[]){ (u8)(0xc0 | w) }, 1, modrm_rbx(k, false), &counts[c], 1, false);
			}
		}
}

static void test_muldiv(void)
{
	static const char *n[] = { "mul", "imul", "div", "idiv" };
	unsigned int k, s;
	char name[64];

	for (k = 0; k < 4; k++)
		for (s = 0; s < 4; s++) {
			snprintf(name, sizeof(name), "%s /%s", n[k], s < 3 ? vsz[s].name : "8");
			form(name, false, false, s < 3 ? vsz[s].b : NULL, s < 3 ? vsz[s].n : 0,
			     (u8[]){ (u8)(0xf6 | (s < 3)) }, 1, modrm_rbx(4 + k, false), NULL, 0, false);
		}
	for (s = 0; s < 3; s++) {
		snprintf(name, sizeof(name), "imul r, r/m /%s", vsz[s].name);
		form(name, false, false, vsz[s].b, vsz[s].n, (u8[]){ 0x0f, 0xaf }, 2, modrm_rbx(1, false), NULL, 0, false);
		snprintf(name, sizeof(name), "imul r, r/m, ib /%s", vsz[s].name);
		form(name, false, false, vsz[s].b, vsz[s].n, (u8[]){ 0x6b }, 1, modrm_rbx(2, false), (u8[]){ 0x85 }, 1, false);
		snprintf(name, sizeof(name), "imul r, r/m, iz /%s", vsz[s].name);
		form(name, false, false, vsz[s].b, vsz[s].n, (u8[]){ 0x69 }, 1, modrm_rbx(6, false), (u8[]){ 0x85, 0x33, 0x01, 0x80 }, s ? 4 : 2, false);
	}
}

/* #DE: a zero divisor, a quotient too large; nothing may change. */
static void test_div_faults(void)
{
	static const struct { u8 b[3]; unsigned int n; u64 rax, rdx, src; const char *what; } t[] = {
		{ { 0xf7, 0x33 }, 2, 5, 0, 0, "divl by 0" },
		{ { 0x48, 0xf7, 0x33 }, 3, 5, 7, 7, "divq: rdx >= divisor" },
		{ { 0xf6, 0x33 }, 2, 0x1000, 0, 0x10, "divb: quotient 0x100" },
		{ { 0xf7, 0x3b }, 2, 0x80000000, 0xffffffff, 0xffffffff, "idivl INT_MIN by -1" },
		{ { 0x66, 0xf7, 0x3b }, 3, 0x0000, 0x4000, 0x8000, "idivw: quotient -0x8000 fits", },
		{ { 0x48, 0xf7, 0x3b }, 3, 0, 1, 2, "idivq: quotient 2^63 does not fit" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		u64 regs[NREGS] = { 0 }, fl = 0x2, out;
		struct vtx_insn in;
		unsigned int v;

		regs[0] = t[i].rax;
		regs[2] = t[i].rdx;
		vtx_decode_mmio(t[i].b, t[i].n, 64, &in);
		v = vtx_emulate(&in, regs, &fl, t[i].src, 0, &out);
		if (i == 4)
			CHECK(v == 0 && (regs[0] & 0xffff) == 0x8000,
			      "%s (ax 0x%llx)", t[i].what, (unsigned long long)regs[0]);
		else
			CHECK(v == VTX_EMUL_DE && regs[0] == t[i].rax &&
			      regs[2] == t[i].rdx && fl == 0x2,
			      "%s: #DE, nothing changed", t[i].what);
	}
}

static void test_strings(void)
{
	static const struct { u8 op; const char *n; } str[] = {
		{ 0xa4, "movs" }, { 0xa6, "cmps" }, { 0xaa, "stos" },
		{ 0xac, "lods" }, { 0xae, "scas" },
	};
	unsigned int k, s, rep, df;
	char name[64];

	for (k = 0; k < ARRAY_SIZE(str); k++)
		for (s = 0; s < 4; s++)
			for (rep = 0; rep < 3; rep++)
				for (df = 0; df < 2; df++) {
					u8 b[4];
					unsigned int n = 0;

					if (rep)
						b[n++] = rep == 1 ? 0xf3 : 0xf2;
					if (s < 3 && vsz[s].n)
						b[n++] = vsz[s].b[0];
					b[n++] = str[k].op | (s < 3);
					snprintf(name, sizeof(name), "%s%s /%s%s",
						 rep == 1 ? "rep " : rep == 2 ? "repne " : "",
						 str[k].n, s < 3 ? vsz[s].name : "8",
						 df ? " std" : "");
					check_form(name, b, n, VTX_FL_ARITH |
						   (df ? VTX_FL_DF : 0), true);
				}
	/* addr32: rSI/rDI/rCX as 32-bit registers (buffer below 4 GiB) */
	check_form("addr32 rep movsl", (u8[]){ 0x67, 0xf3, 0xa5 }, 3, VTX_FL_ARITH, true);
	check_form("addr32 repe cmpsb", (u8[]){ 0x67, 0xf3, 0xa6 }, 3, VTX_FL_ARITH, true);
}

int main(void)
{
	printf("TAP version 13\n");
	code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	nbuf = mmap(NULL, BUF, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	ebuf = malloc(BUF);
	if (code == MAP_FAILED || nbuf == MAP_FAILED || !ebuf) {
		printf("1..0 # SKIP no executable page or no memory below 4 GiB here\n");
		return 0;
	}
	test_alu_and_friends();
	test_0f();
	test_shifts();
	test_muldiv();
	test_strings();
	CHECK(mismatches == 0, "%u instruction forms, %u runs each checked against the CPU: %u differ",
	      forms, 200, mismatches);
	CHECK(runs > 100000, "%u native runs", runs);
	test_div_faults();
	free(ebuf);
	return unit_done();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of vmx/lib/decode.c: MMIO instruction decoding, each case
 * checked against the assembler's encoding, and random bytes fed in to
 * show the decoder never reads past what it was given (ASan watches).
 */
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "vmx/lib/decode.h"
#include "vmx/lib/emulate.h"
#include "vmx/regs.h"

struct dcase {
	const char *what;
	unsigned int mode;
	u8 bytes[15];
	unsigned int n;
	int ret;
	enum vtx_insn_kind kind;
	u8 len, size, reg, dest_size;
	bool high, sext, imm, stos, rep;
	u64 immv;
};

static const struct dcase cases[] = {
	/* mov %eax,(%rbx) */
	{ "mov %eax,(%rbx)", 64, { 0x89, 0x03 }, 2, 0, VTX_INSN_STORE, 2, 4, 0, 4 },
	/* mov %r9,0x10(%rdi) : REX.WR 89 /r disp8 */
	{ "mov %r9,0x10(%rdi)", 64, { 0x4c, 0x89, 0x4f, 0x10 }, 4, 0, VTX_INSN_STORE, 4, 8, 9, 8 },
	/* mov 0x12345678(%rax,%rcx,4),%dx : 66 8B 94 88 disp32 */
	{ "mov disp32(%rax,%rcx,4),%dx", 64, { 0x66, 0x8b, 0x94, 0x88, 0x78, 0x56, 0x34, 0x12 }, 8, 0, VTX_INSN_LOAD, 8, 2, 2, 2 },
	/* mov (%rsi),%ah : 8A 26 */
	{ "mov (%rsi),%ah", 64, { 0x8a, 0x26 }, 2, 0, VTX_INSN_LOAD, 2, 1, 0, 1, .high = true },
	/* mov (%rsi),%spl : REX 8A 26 */
	{ "mov (%rsi),%spl", 64, { 0x40, 0x8a, 0x26 }, 3, 0, VTX_INSN_LOAD, 3, 1, 4, 1 },
	/* movb $0x55,0x2000 in real mode: C6 06 00 20 55 */
	{ "movb $0x55,0x2000 (16-bit)", 16, { 0xc6, 0x06, 0x00, 0x20, 0x55 }, 5, 0, VTX_INSN_STORE, 5, 1, 0, 1, .imm = true, .immv = 0x55 },
	/* movq $-2,(%rax): REX.W C7 00 imm32 -> 64-bit sign-extended */
	{ "movq $-2,(%rax)", 64, { 0x48, 0xc7, 0x00, 0xfe, 0xff, 0xff, 0xff }, 7, 0, VTX_INSN_STORE, 7, 8, 0, 8, .imm = true, .immv = 0xfffffffffffffffeULL },
	/* movw $0x1234,(%eax) in 32-bit mode: 66 C7 00 34 12 */
	{ "movw $0x1234,(%eax)", 32, { 0x66, 0xc7, 0x00, 0x34, 0x12 }, 5, 0, VTX_INSN_STORE, 5, 2, 0, 2, .imm = true, .immv = 0x1234 },
	/* movzbl (%rdx),%ecx: 0F B6 0A */
	{ "movzbl (%rdx),%ecx", 64, { 0x0f, 0xb6, 0x0a }, 3, 0, VTX_INSN_LOAD, 3, 1, 1, 4 },
	/* movswq (%rdx),%r8: REX.WR 0F BF 02 */
	{ "movswq (%rdx),%r8", 64, { 0x4c, 0x0f, 0xbf, 0x02 }, 4, 0, VTX_INSN_LOAD, 4, 2, 8, 8, .sext = true },
	/* movslq (%rbx),%rax: REX.W 63 03 */
	{ "movslq (%rbx),%rax", 64, { 0x48, 0x63, 0x03 }, 3, 0, VTX_INSN_LOAD, 3, 4, 0, 8, .sext = true },
	/* mov 0x1000(%rip),%eax: 8B 05 disp32 */
	{ "mov 0x1000(%rip),%eax", 64, { 0x8b, 0x05, 0x00, 0x10, 0, 0 }, 6, 0, VTX_INSN_LOAD, 6, 4, 0, 4 },
	/* mov (%bx,%si),%al in 16-bit: 8A 00 */
	{ "mov (%bx,%si),%al (16-bit)", 16, { 0x8a, 0x00 }, 2, 0, VTX_INSN_LOAD, 2, 1, 0, 1 },
	/* mov 0x1234,%ax in 16-bit: A1 34 12 (moffs16) */
	{ "mov 0x1234,%ax (moffs, 16-bit)", 16, { 0xa1, 0x34, 0x12 }, 3, 0, VTX_INSN_LOAD, 3, 2, 0, 2 },
	/* movabs %eax,0x1122334455667788: A3 moffs64 */
	{ "movabs %eax,moffs64", 64, { 0xa3, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 }, 9, 0, VTX_INSN_STORE, 9, 4, 0, 4 },
	/* %fs: mov %ebx,(%eax) with 67 in 64-bit: 64 67 89 18 */
	{ "fs addr32 mov %ebx,(%eax)", 64, { 0x64, 0x67, 0x89, 0x18 }, 4, 0, VTX_INSN_STORE, 4, 4, 3, 4 },
	/* rep stosl (32-bit): F3 AB */
	{ "rep stos %eax,%es:(%edi)", 32, { 0xf3, 0xab }, 2, 0, VTX_INSN_STORE, 2, 4, 0, 4, .stos = true, .rep = true },
	/* stosb: AA */
	{ "stosb", 64, { 0xaa }, 1, 0, VTX_INSN_STORE, 1, 1, 0, 1, .stos = true },
	/* mov %eax,%ebx: register only, not MMIO */
	{ "mov %eax,%ebx is refused", 64, { 0x89, 0xc3 }, 2, -EINVAL },
	/* pushq (%rbx): PUSH/POP of memory are not emulated */
	{ "pushq (%rbx) is refused", 64, { 0xff, 0x33 }, 2, -EINVAL },
	/* lock mov: #UD on the CPU before any access */
	{ "lock mov is refused", 64, { 0xf0, 0x89, 0x03 }, 3, -EINVAL },
	/* movq $1,(%rax) with C7 /1 is not MOV */
	{ "C7 /1 is refused", 64, { 0xc7, 0x08, 1, 0, 0, 0 }, 6, -EINVAL },
	/* rep mov: F3 89 is not a supported form */
	{ "rep mov is refused", 64, { 0xf3, 0x89, 0x03 }, 3, -EINVAL },
	/* truncated: mov disp32 with only 3 bytes available */
	{ "a truncated instruction is -EFAULT", 64, { 0x8b, 0x05, 0x00 }, 3, -EFAULT },
	/* 15 prefixes then opcode: longer than 15 bytes */
	{ "more than 15 bytes is refused", 64, { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66 }, 15, -EFAULT },
	/* REX is an instruction (inc/dec) outside 64-bit mode */
	{ "0x48 outside 64-bit mode is refused", 32, { 0x48, 0x89, 0x03 }, 3, -EINVAL },
};

static void test_cases(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct dcase *t = &cases[i];
		struct vtx_insn in;
		int r = vtx_decode_mmio(t->bytes, t->n, t->mode, &in);

		if (t->ret) {
			CHECK(r == t->ret, "%s (got %d)", t->what, r);
			continue;
		}
		CHECK(r == 0 && in.kind == t->kind && in.len == t->len &&
		      in.size == t->size && in.reg == t->reg &&
		      in.dest_size == t->dest_size && in.high_byte == t->high &&
		      in.sign_extend == t->sext && in.has_imm == t->imm &&
		      in.stos == t->stos && in.rep == t->rep &&
		      (!t->imm || in.imm == t->immv),
		      "%s: r %d kind %d len %u size %u reg %u dest %u high %d sext %d imm %d/0x%llx",
		      t->what, r, in.kind, in.len, in.size, in.reg, in.dest_size,
		      in.high_byte, in.sign_extend, in.has_imm,
		      (unsigned long long)in.imm);
	}
}

static void test_values(void)
{
	u64 regs[VTX_NR_GPRS] = { 0 };
	struct vtx_insn in;

	regs[VTX_REG_RAX] = 0x1122334455667788ULL;
	vtx_decode_mmio((const u8 []){ 0x8a, 0x26 }, 2, 64, &in); /* mov (%rsi),%ah */
	CHECK_EQ(vtx_insn_load_result(&in, regs[VTX_REG_RAX], 0xab),
		 0x112233445566ab88ULL, "load into %%ah keeps the rest");
	vtx_decode_mmio((const u8 []){ 0x88, 0x26 }, 2, 64, &in); /* mov %ah,(%rsi) */
	CHECK_EQ(vtx_insn_store_value(&in, regs), 0x77, "store of %%ah");
	vtx_decode_mmio((const u8 []){ 0x8b, 0x03 }, 2, 64, &in); /* mov (%rbx),%eax */
	CHECK_EQ(vtx_insn_load_result(&in, regs[VTX_REG_RAX], 0xdeadbeef),
		 0xdeadbeef, "32-bit load zero-extends");
	vtx_decode_mmio((const u8 []){ 0x66, 0x8b, 0x03 }, 3, 64, &in);
	CHECK_EQ(vtx_insn_load_result(&in, regs[VTX_REG_RAX], 0xbeef),
		 0x112233445566beefULL, "16-bit load keeps bits 63:16");
	vtx_decode_mmio((const u8 []){ 0x48, 0x0f, 0xbe, 0x03 }, 4, 64, &in);
	CHECK_EQ(vtx_insn_load_result(&in, 0, 0x80), 0xffffffffffffff80ULL,
		 "movsbq sign-extends to 64 bits");
	vtx_decode_mmio((const u8 []){ 0x0f, 0xb7, 0x03 }, 3, 64, &in);
	CHECK_EQ(vtx_insn_load_result(&in, ~0ULL, 0xffff8000), 0x8000,
		 "movzwl zero-extends and drops the upper bytes");
	vtx_decode_mmio((const u8 []){ 0x48, 0x89, 0x03 }, 3, 64, &in);
	CHECK_EQ(vtx_insn_store_value(&in, regs), 0x1122334455667788ULL,
		 "64-bit store of %%rax");
}

/* The forms beyond MOV: operation, kind, size, length, segment and
 * effective address, in 16-, 32- and 64-bit code.
 */
struct ocase {
	const char *what;
	unsigned int mode;
	u8 bytes[15];
	unsigned int n;
	enum vtx_insn_op op;
	enum vtx_insn_kind kind;
	u8 len, size, seg;
	u64 ea;		/* with regs[i] = 0x1000 * (i + 1), next RIP 0 */
};

static const struct ocase ocases[] = {
	/* addw %ax,0x10(%bp,%si) in 16-bit code: SS by default */
	{ "addw %ax,0x10(%bp,%si) (16)", 16, { 0x01, 0x42, 0x10 }, 3, VTX_OP_ADD, VTX_INSN_RMW, 3, 2, VTX_INSN_SEG_SS, 0x6000 + 0x7000 + 0x10 },
	/* lock orl $1,(%bx) in 16-bit code: 66 F0 83 0F 01 */
	{ "lock orl $1,(%bx) (16)", 16, { 0x66, 0xf0, 0x83, 0x0f, 0x01 }, 5, VTX_OP_OR, VTX_INSN_RMW, 5, 4, VTX_INSN_SEG_DS, 0x4000 },
	/* cmpb $5,0x1234 in 16-bit code: 80 3E 34 12 05 */
	{ "cmpb $5,0x1234 (16)", 16, { 0x80, 0x3e, 0x34, 0x12, 0x05 }, 5, VTX_OP_CMP, VTX_INSN_LOAD, 5, 1, VTX_INSN_SEG_DS, 0x1234 },
	/* es: testl %eax,-4(%ebp) in 32-bit code: 26 85 45 FC */
	{ "es test %eax,-4(%ebp) (32)", 32, { 0x26, 0x85, 0x45, 0xfc }, 4, VTX_OP_TEST, VTX_INSN_LOAD, 4, 4, 0, 0x6000 - 4 },
	/* xchg %ecx,(%eax,%ebx,8) in 32-bit: 87 0C D8 */
	{ "xchg %ecx,(%eax,%ebx,8) (32)", 32, { 0x87, 0x0c, 0xd8 }, 3, VTX_OP_XCHG, VTX_INSN_RMW, 3, 4, VTX_INSN_SEG_DS, 0x1000 + 8 * 0x4000 },
	/* incw (%bx) with 67 in 32-bit code (16-bit addressing): 67 66 FF 07 */
	{ "addr16 incw (%bx) (32)", 32, { 0x67, 0x66, 0xff, 0x07 }, 4, VTX_OP_INC, VTX_INSN_RMW, 4, 2, VTX_INSN_SEG_DS, 0x4000 },
	/* btsq %r9,0x8(%rip): REX.WR 0F AB 0D disp32 */
	{ "bts %r9,8(%rip)", 64, { 0x4c, 0x0f, 0xab, 0x0d, 8, 0, 0, 0 }, 8, VTX_OP_BTS, VTX_INSN_RMW, 8, 8, VTX_INSN_SEG_DS, 8 },
	/* btl $3,(%r12,%r13,2): 43 0F BA 24 6C 03 */
	{ "btl $3,(%r12,%r13,2)", 64, { 0x43, 0x0f, 0xba, 0x24, 0x6c, 0x03 }, 6, VTX_OP_BT, VTX_INSN_LOAD, 6, 4, VTX_INSN_SEG_DS, 0xd000 + 2 * 0xe000 },
	/* seta 0x10(%rsp): 0F 97 44 24 10 */
	{ "seta 0x10(%rsp)", 64, { 0x0f, 0x97, 0x44, 0x24, 0x10 }, 5, VTX_OP_SETCC, VTX_INSN_STORE, 5, 1, VTX_INSN_SEG_SS, 0x5010 },
	/* gs lock cmpxchg %rdx,(%rdi): 65 F0 48 0F B1 17 */
	{ "gs lock cmpxchg %rdx,(%rdi)", 64, { 0x65, 0xf0, 0x48, 0x0f, 0xb1, 0x17 }, 6, VTX_OP_CMPXCHG, VTX_INSN_RMW, 6, 8, 5, 0x8000 },
	/* REX then 66: the REX is ignored (SDM 2.2.1): 48 66 01 03 is addw */
	{ "REX before 66 is ignored", 64, { 0x48, 0x66, 0x01, 0x03 }, 4, VTX_OP_ADD, VTX_INSN_RMW, 4, 2, VTX_INSN_SEG_DS, 0x4000 },
	/* fs rep movsw in 16-bit code: 64 F3 A5 */
	{ "fs rep movsw (16)", 16, { 0x64, 0xf3, 0xa5 }, 3, VTX_OP_MOVS, VTX_INSN_MOVS, 3, 2, 4, 0 },
	/* repne scasb: F2 AE, ES whatever the override */
	{ "ds repne scasb", 64, { 0x3e, 0xf2, 0xae }, 3, VTX_OP_SCAS, VTX_INSN_LOAD, 3, 1, VTX_INSN_SEG_ES, 0 },
	/* negb 0x7f(%rax) 82 in 32-bit: 82 /0 is ADD ib outside 64-bit */
	{ "82 /0 (32)", 32, { 0x82, 0x00, 0x01 }, 3, VTX_OP_ADD, VTX_INSN_RMW, 3, 1, VTX_INSN_SEG_DS, 0x1000 },
};

static void test_ops(void)
{
	u64 regs[VTX_NR_GPRS];
	unsigned int i;

	for (i = 0; i < VTX_NR_GPRS; i++)
		regs[i] = 0x1000 * (i + 1);
	for (i = 0; i < ARRAY_SIZE(ocases); i++) {
		const struct ocase *t = &ocases[i];
		struct vtx_insn in;
		int r = vtx_decode_mmio(t->bytes, t->n, t->mode, &in);

		CHECK(r == 0 && in.op == t->op && in.kind == t->kind &&
		      in.len == t->len && in.size == t->size && in.seg == t->seg &&
		      (in.string || vtx_insn_ea(&in, regs, 0) == t->ea),
		      "%s: r %d op %d kind %d len %u size %u seg %u ea 0x%llx",
		      t->what, r, in.op, in.kind, in.len, in.size, in.seg,
		      r ? 0ULL : (unsigned long long)vtx_insn_ea(&in, regs, 0));
	}
	CHECK(vtx_decode_mmio((const u8 []){ 0x82, 0x00, 0x01 }, 3, 64,
			      &(struct vtx_insn){ 0 }) == -EINVAL,
	      "82 is #UD in 64-bit mode");
	CHECK(vtx_decode_mmio((const u8 []){ 0xf0, 0x39, 0x03 }, 3, 64,
			      &(struct vtx_insn){ 0 }) == -EINVAL,
	      "lock cmp is #UD");
	CHECK(vtx_decode_mmio((const u8 []){ 0xf0, 0x0f, 0xa3, 0x03 }, 4, 64,
			      &(struct vtx_insn){ 0 }) == -EINVAL,
	      "lock bt is #UD");
}

/* BT with a register offset reaches the operand-sized word holding the
 * bit (SDM Vol. 2 BT; KVM fetch_bit_operand).
 */
static void test_bit_disp(void)
{
	static const struct { u8 pfx; u64 off; s64 disp; } t[] = {
		{ 0x66, 17, 2 }, { 0x66, (u64)-1, -2 }, { 0, 31, 0 },
		{ 0, 32, 4 }, { 0, (u64)-33, -8 }, { 0x48, 64, 8 },
		{ 0x48, (u64)-1, -8 }, { 0x66, 0x12340010, 2 },
	};
	u64 regs[VTX_NR_GPRS] = { 0 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		u8 b[4] = { t[i].pfx, 0x0f, 0xa3, 0x0b };	/* bt %ecx,(%rbx) */
		struct vtx_insn in;

		regs[VTX_REG_RCX] = t[i].off;
		vtx_decode_mmio(t[i].pfx ? b : b + 1, t[i].pfx ? 4 : 3, 64, &in);
		CHECK_EQ((u64)vtx_insn_bit_disp(&in, regs), (u64)t[i].disp,
			 "bt offset 0x%llx, prefix %02x", (unsigned long long)t[i].off,
			 t[i].pfx);
	}
}

/* Random bytes: no crash, no read past @avail (ASan), sane lengths. */
static void test_fuzz(void)
{
	unsigned int i, bad = 0, ok = 0;
	u64 s = 0x243f6a8885a308d3ULL;

	for (i = 0; i < 500000; i++) {
		unsigned int n = 1 + (i % 15), j, mode = (i % 3 == 0) ? 16 :
				 (i % 3 == 1) ? 32 : 64;
		u8 *buf = malloc(n);
		struct vtx_insn in;

		for (j = 0; j < n; j++) {
			s ^= s << 13; s ^= s >> 7; s ^= s << 17;
			/* bias towards the opcodes the decoder knows */
			buf[j] = (j == 0 && (s & 1)) ? (u8[]){ 0x88, 0x89, 0x8a,
				0x8b, 0xc6, 0xc7, 0xa1, 0xab, 0x0f, 0x66,
				0x48, 0xf3 }[(s >> 8) % 12] : (u8)(s >> 16);
		}
		if (!vtx_decode_mmio(buf, n, mode, &in)) {
			ok++;
			if (in.len == 0 || in.len > n || in.reg > 15 ||
			    (in.size != 1 && in.size != 2 && in.size != 4 &&
			     in.size != 8))
				bad++;
		}
		free(buf);
	}
	CHECK(ok > 1000, "fuzz: %u of 500000 random instructions decoded", ok);
	CHECK_EQ(bad, 0, "fuzz: every decoded length and size is sane");
}

int main(void)
{
	printf("TAP version 13\n");
	test_cases();
	test_values();
	test_ops();
	test_bit_disp();
	test_fuzz();
	return unit_done();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_mmio_emul: instructions other than MOV on MMIO (an address with no
 * memory slot), as KVM's instruction emulator answers them.
 *
 *   kvm_mmio_emul [DEVICE] [--record]	(default $VTX_DEVICE, else /dev/vtx)
 *
 * Each case is one instruction followed by HLT in a guest blob (64-bit
 * long mode, 32-bit flat, real mode).  The host sets the registers and
 * RFLAGS, then checks every exit the instruction makes, in order: its
 * kind, address, size, data (a read's data is supplied from the table),
 * and RIP at the exit; then at the HLT, the registers, the flags the SDM
 * defines for the instruction, and RAM the instruction wrote.
 *
 * kvm-intel 6.1 (the reference) does:
 * - a read-modify-write (ADD... to memory, INC, NOT, XCHG, BTS, XADD,
 *   CMPXCHG, shifts and rotates, LOCK or not): a read exit with RIP at the instruction, then
 *   on the next KVM_RUN a write exit with RIP past it, registers and
 *   flags already updated; a failed CMPXCHG writes the old value back;
 * - CMP, TEST, BT, MUL, IMUL, DIV, IDIV, and ALU with a register
 *   destination: one read exit;
 *   SETcc: one write exit;
 * - BT* with a register bit offset: the operand-sized word that holds
 *   the bit, however far (negative offsets too);
 * - MOVS, CMPS, LODS, SCAS, STOS: one exit per MMIO element; the RAM side
 *   is read or written directly; under REP, RIP stays at the instruction
 *   at every exit, the last element's write too (the guest then runs it
 *   once more with rCX = 0); rCX counts down at each;
 * - immediate_exit set after the read half: the next KVM_RUN still
 *   returns the write exit (the completion runs before the check), the
 *   one after that fails with EINTR;
 * - DIV by zero: #DE after the read (here a triple fault: no IDT);
 * - x87 FLD from MMIO: KVM_EXIT_INTERNAL_ERROR, emulation.
 *
 * The expected values were recorded from KVM (--record prints them in
 * the table's form: exits and the state at HLT) and checked by hand
 * against the SDM; vtx must give the same.
 */
#include <stddef.h>

#include "kvm_util.h"

#define M64		0xd0000000	/* no slot: MMIO (64-bit, 32-bit) */
#define RM_SLOT_SIZE	0x80000		/* real mode: RAM below 512 KiB */
#define RM_DS		0xa000		/* real mode: DS, ES, SS on MMIO */
#define RM_ES		0xb000
#define RM_SS		0xc000

#define FL_CF		0x001ULL
#define FL_PF		0x004ULL
#define FL_AF		0x010ULL
#define FL_ZF		0x040ULL
#define FL_SF		0x080ULL
#define FL_DF		0x400ULL
#define FL_OF		0x800ULL
#define FL_ARITH	(FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)
/* What each instruction defines (SDM Vol. 2 "Flags Affected"). */
#define F_ALL		(FL_ARITH | FL_DF)
#define F_LOGIC		(F_ALL & ~FL_AF)	/* AF undefined */
#define F_BT		(FL_CF | FL_ZF | FL_DF)	/* OF SF AF PF undefined */
#define F_SHIFT1	(F_ALL & ~FL_AF)	/* shifts by 1: AF undefined */
#define F_SHIFT		(F_SHIFT1 & ~FL_OF)	/* by more: OF undefined too */
#define F_ROT		(F_ALL & ~FL_OF)	/* rotates by more than 1 */
#define F_MUL		(FL_CF | FL_OF | FL_DF)	/* the others undefined */
#define F_DIV		FL_DF			/* all six undefined */

/* ---- the guests ------------------------------------------------------------ */

asm(".pushsection .rodata\n"
	".macro T tbl, insn:vararg\n"
	"	INSN \\tbl, \\insn\n"
	"	hlt\n"
	".endm\n"

	/* 64-bit long mode; RBX (or RSI/RDI) points at MMIO. */
	".code64\n"
	".global g_m64_start, g_m64_end\n"
	"g_m64_start:\n"
	"MARKS_BEGIN m64\n"
	"	T m64, addl %eax, (%rbx)\n"
	"	T m64, lock orl $0x100, (%rbx)\n"
	"	T m64, adcw %dx, (%rbx)\n"
	"	T m64, sbbq $1, 8(%rbx)\n"
	"	T m64, subb %ah, (%rbx)\n"
	"	T m64, xorq %r9, (%rbx)\n"
	"	T m64, addq (%rbx), %rcx\n"
	"	T m64, andl (%rbx), %edx\n"
	"	T m64, cmpl $0x10, (%rbx)\n"
	"	T m64, cmpw (%rbx), %ax\n"
	"	T m64, testb $0x80, (%rbx)\n"
	"	T m64, testq %rcx, (%rbx)\n"
	"	T m64, incl (%rbx)\n"
	"	T m64, lock decw (%rbx)\n"
	"	T m64, notq (%rbx)\n"
	"	T m64, negb (%rbx)\n"
	"	T m64, xchg %ecx, (%rbx)\n"
	"	T m64, xchg %al, (%rbx)\n"
	"	T m64, btq %rcx, (%rbx)\n"
	"	T m64, btsl $5, (%rbx)\n"
	"	T m64, lock btrw %cx, (%rbx)\n"
	"	T m64, btcq $63, (%rbx)\n"
	"	T m64, setne (%rbx)\n"
	"	T m64, setl 3(%rbx)\n"
	"	T m64, lock cmpxchgl %ecx, (%rbx)\n"
	"	T m64, cmpxchgl %ecx, (%rbx)\n"
	"	T m64, cmpxchgb %dl, (%rbx)\n"
	"	T m64, lock xaddq %rdx, (%rbx)\n"
	"	T m64, movzbl (%rbx), %eax\n"
	"	T m64, movsq\n"
	"	T m64, movsl\n"
	"	T m64, rep movsb\n"
	"	T m64, movsw\n"
	"	T m64, lodsw\n"
	"	T m64, rep stosb\n"
	"	T m64, repe cmpsb\n"
	"	T m64, scasl\n"
	"	T m64, addl %eax, (%rbx)\n"
	"	T m64, shll $4, (%rbx)\n"
	"	T m64, rorb %cl, (%rbx)\n"
	"	T m64, sarw (%rbx)\n"
	"	T m64, rclq $1, (%rbx)\n"
	"	T m64, shrl %cl, (%rbx)\n"
	"	T m64, mull (%rbx)\n"
	"	T m64, imulq (%rbx), %rcx\n"
	"	T m64, divq (%rbx)\n"
	"	T m64, idivb (%rbx)\n"
	"	T m64, imulw $-3, (%rbx), %dx\n"
	"	T m64, flds (%rbx)\n"
	"MARKS_END m64\n"
	"g_m64_end:\n"

	/* 32-bit flat. */
	".code32\n"
	".global g_m32_start, g_m32_end\n"
	"g_m32_start:\n"
	"MARKS_BEGIN m32\n"
	"	T m32, addw %ax, (%ebx)\n"
	"	T m32, lock incl 4(%ebx)\n"
	"	T m32, btl %ecx, (%ebx)\n"
	"	T m32, rep movsw\n"
	"	T m32, xchgw %cx, (%ebx)\n"
	"	T m32, cmpsl\n"
	"	T m32, lock subl $3, (%ebx)\n"
	"	T m32, divl (%ebx)\n"
	"MARKS_END m32\n"
	"g_m32_end:\n"

	/* Real mode: DS, ES and SS are on MMIO, FS on RAM. */
	".code16\n"
	".global g_m16_start, g_m16_end\n"
	"g_m16_start:\n"
	"MARKS_BEGIN m16\n"
	"	T m16, addw %ax, (%bx)\n"
	"	T m16, addl %eax, (%bx)\n"
	"	T m16, orb $1, 2(%bp,%si)\n"
	"	T m16, xchgw %cx, %es:(%di)\n"
	"	T m16, movsw\n"
	"	T m16, movsb %fs:(%si), %es:(%di)\n"
	"	T m16, rep stosw\n"
	"	T m16, incw (%ebx)\n"
	"	T m16, setb (%bx)\n"
	"	T m16, btw $3, (%bx)\n"
	"	T m16, lock cmpxchgw %dx, (%bx)\n"
	"	T m16, lock btsw %cx, (%bx)\n"
	"MARKS_END m16\n"
	"g_m16_end:\n"
	".code64\n"
	".popsection\n");

extern const unsigned char g_m64_start[], g_m64_end[];
extern const unsigned char g_m32_start[], g_m32_end[];
extern const unsigned char g_m16_start[], g_m16_end[];
DECLARE_MARKS(m64);
DECLARE_MARKS(m32);
DECLARE_MARKS(m16);

/* ---- the cases ------------------------------------------------------------- */

struct gregs {
	__u64 ax, bx, cx, dx, si, di, bp, r9, fl;
};

enum { X_END, X_R, X_W, X_ERR, X_SHUTDOWN };

struct mexit {
	__u8 kind;		/* X_R: data supplied, X_W: data expected */
	__u8 len;
	__u8 rip_end;		/* RIP past the instruction at this exit */
	__u64 gpa;
	__u64 data;
};

struct mcase {
	const char *what;
	struct gregs in, out;	/* registers before, and at the HLT */
	__u64 fmask;		/* flags compared */
	struct mexit ex[5];
	__u64 ram_gpa;		/* RAM an instruction reads or writes: */
	__u64 ram_in, ram_out;	/* 8 bytes before, and at the HLT */
	int imm_exit;		/* immediate_exit after the first exit */
};

#define IN(...)		.in = { __VA_ARGS__ }
#define OUT(...)	.out = { __VA_ARGS__ }
#define R(len, gpa, data)	{ X_R, len, 0, gpa, data }
#define W(len, gpa, data, end)	{ X_W, len, end, gpa, data }
#define ERR			{ X_ERR, 0, 0, 0, 0 }
#define SHUTDOWN		{ X_SHUTDOWN, 0, 0, 0, 0 }
#define RAM(gpa, in, out)	.ram_gpa = gpa, .ram_in = in, .ram_out = out

/* Registers:   ax, bx, cx, dx, si, di, bp, r9, rflags (arithmetic + DF) */
static const struct mcase c64[] = {
	{ "add %eax,(mmio)", IN(1, M64, 0, 0, 0, 0, 0, 0, 0),
	  OUT(1, M64, 0, 0, 0, 0, 0, 0, 0x894), F_ALL,
	  { R(4, M64, 0x7fffffff), W(4, M64, 0x80000000, 1) } },
	{ "lock orl $0x100,(mmio)", IN(0, M64 + 0x10, 0, 0, 0, 0, 0, 0, 0),
	  OUT(0, M64 + 0x10, 0, 0, 0, 0, 0, 0, 0x4), F_LOGIC,
	  { R(4, M64 + 0x10, 0x00ff00ff), W(4, M64 + 0x10, 0x00ff01ff, 1) } },
	{ "adcw %dx,(mmio) with CF", IN(0, M64, 0, 1, 0, 0, 0, 0, FL_CF),
	  OUT(0, M64, 0, 1, 0, 0, 0, 0, 0x55), F_ALL,
	  { R(2, M64, 0xfffe), W(2, M64, 0x0000, 1) } },
	{ "sbbq $1,8(mmio) with CF", IN(0, M64, 0, 0, 0, 0, 0, 0, FL_CF),
	  OUT(0, M64, 0, 0, 0, 0, 0, 0, 0x91), F_ALL,
	  { R(8, M64 + 8, 0), W(8, M64 + 8, 0xfffffffffffffffeULL, 1) } },
	{ "sub %ah,(mmio)", IN(0x1200, M64, 0, 0, 0, 0, 0, 0, 0),
	  OUT(0x1200, M64, 0, 0, 0, 0, 0, 0, 0x91), F_ALL,
	  { R(1, M64, 0x10), W(1, M64, 0xfe, 1) } },
	{ "xor %r9,(mmio)", IN(0, M64, 0, 0, 0, 0, 0, 0xff00ff00ff00ff00ULL, 0),
	  OUT(0, M64, 0, 0, 0, 0, 0, 0xff00ff00ff00ff00ULL, 0x84), F_LOGIC,
	  { R(8, M64, 0x0f0f0f0f0f0f0f0fULL),
	    W(8, M64, 0xf00ff00ff00ff00fULL, 1) } },
	{ "add (mmio),%rcx", IN(0, M64, 5, 0, 0, 0, 0, 0, 0),
	  OUT(0, M64, 12, 0, 0, 0, 0, 0, 0x4), F_ALL,
	  { R(8, M64, 7) } },
	{ "and (mmio),%edx (zero-extends)", IN(0, M64, 0, ~0ULL, 0, 0, 0, 0, 0),
	  OUT(0, M64, 0, 0xf0f0, 0, 0, 0, 0, 0x4), F_LOGIC,
	  { R(4, M64, 0x0000f0f0) } },
	{ "cmpl $0x10,(mmio)", IN(0, M64, 0, 0, 0, 0, 0, 0, 0),
	  OUT(0, M64, 0, 0, 0, 0, 0, 0, 0x44), F_ALL,
	  { R(4, M64, 0x10) } },
	{ "cmp (mmio),%ax", IN(0x1234, M64, 0, 0, 0, 0, 0, 0, 0),
	  OUT(0x1234, M64, 0, 0, 0, 0, 0, 0, 0x81), F_ALL,
	  { R(2, M64, 0x2000) } },
	{ "testb $0x80,(mmio)", IN(0, M64, 0, 0, 0, 0, 0, 0, FL_CF | FL_OF),
	  OUT(0, M64, 0, 0, 0, 0, 0, 0, 0x80), F_LOGIC,
	  { R(1, M64, 0x80) } },
	{ "test %rcx,(mmio)", IN(0, M64, 0xff, 0, 0, 0, 0, 0, 0),
	  OUT(0, M64, 0xff, 0, 0, 0, 0, 0, 0x44), F_LOGIC,
	  { R(8, M64, 0x100) } },
	{ "incl (mmio) keeps CF", IN(0, M64, 0, 0, 0, 0, 0, 0, FL_CF),
	  OUT(0, M64, 0, 0, 0, 0, 0, 0, 0x55), F_ALL,
	  { R(4, M64, 0xffffffff), W(4, M64, 0, 1) } },
	{ "lock decw (mmio)", IN(0, M64, 0, 0, 0, 0, 0, 0, 0),
	  OUT(0, M64, 0, 0, 0, 0, 0, 0, 0x814), F_ALL,
	  { R(2, M64, 0x8000), W(2, M64, 0x7fff, 1) } },
	{ "notq (mmio) (no flags)", IN(0, M64, 0, 0, 0, 0, 0, 0, FL_ZF),
	  OUT(0, M64, 0, 0, 0, 0, 0, 0, FL_ZF), F_ALL,
	  { R(8, M64, 0xff), W(8, M64, 0xffffffffffffff00ULL, 1) } },
	{ "negb (mmio)", IN(0, M64, 0, 0, 0, 0, 0, 0, 0),
	  OUT(0, M64, 0, 0, 0, 0, 0, 0, 0x881), F_ALL,
	  { R(1, M64, 0x80), W(1, M64, 0x80, 1) } },
	{ "xchg %ecx,(mmio)", IN(0, M64, 0x1111111122222222ULL, 0, 0, 0, 0, 0, 0),
	  OUT(0, M64, 0x33333333, 0, 0, 0, 0, 0, 0), F_ALL,
	  { R(4, M64, 0x33333333), W(4, M64, 0x22222222, 1) } },
	{ "xchg %al,(mmio)", IN(0x4142, M64, 0, 0, 0, 0, 0, 0, 0),
	  OUT(0x4199, M64, 0, 0, 0, 0, 0, 0, 0), F_ALL,
	  { R(1, M64, 0x99), W(1, M64, 0x42, 1) } },
	{ "bt %rcx,(mmio), bit 100: the next quadword", IN(0, M64, 100, 0, 0, 0, 0, 0, 0),
	  OUT(0, M64, 100, 0, 0, 0, 0, 0, FL_CF), F_BT,
	  { R(8, M64 + 8, 1ULL << 36) } },
	{ "btsl $5,(mmio)", IN(0, M64, 0, 0, 0, 0, 0, 0, FL_CF),
	  OUT(0, M64, 0, 0, 0, 0, 0, 0, 0), F_BT,
	  { R(4, M64, 0), W(4, M64, 0x20, 1) } },
	{ "lock btrw %cx,(mmio), bit -1: the word below",
	  IN(0, M64 + 0x40, 0xffff, 0, 0, 0, 0, 0, 0),
	  OUT(0, M64 + 0x40, 0xffff, 0, 0, 0, 0, 0, FL_CF), F_BT,
	  { R(2, M64 + 0x3e, 0x8001), W(2, M64 + 0x3e, 0x0001, 1) } },
	{ "btcq $63,(mmio)", IN(0, M64, 0, 0, 0, 0, 0, 0, 0),
	  OUT(0, M64, 0, 0, 0, 0, 0, 0, 0), F_BT,
	  { R(8, M64, 0), W(8, M64, 0x8000000000000000ULL, 1) } },
	{ "setne (mmio)", IN(0, M64, 0, 0, 0, 0, 0, 0, 0),
	  OUT(0, M64, 0, 0, 0, 0, 0, 0, 0), F_ALL,
	  { W(1, M64, 1, 1) } },
	{ "setl 3(mmio)", IN(0, M64, 0, 0, 0, 0, 0, 0, FL_SF),
	  OUT(0, M64, 0, 0, 0, 0, 0, 0, FL_SF), F_ALL,
	  { W(1, M64 + 3, 1, 1) } },
	{ "lock cmpxchgl %ecx,(mmio), equal", IN(5, M64, 9, 0, 0, 0, 0, 0, 0),
	  OUT(5, M64, 9, 0, 0, 0, 0, 0, 0x44), F_ALL,
	  { R(4, M64, 5), W(4, M64, 9, 1) } },
	{ "cmpxchgl %ecx,(mmio), not equal: written back, EAX loaded",
	  IN(0xffffffff00000005ULL, M64, 9, 0, 0, 0, 0, 0, 0),
	  OUT(7, M64, 9, 0, 0, 0, 0, 0, 0x91), F_ALL,
	  { R(4, M64, 7), W(4, M64, 7, 1) } },
	{ "cmpxchgb %dl,(mmio)", IN(0x1280, M64, 0, 0x33, 0, 0, 0, 0, 0),
	  OUT(0x1280, M64, 0, 0x33, 0, 0, 0, 0, 0x44), F_ALL,
	  { R(1, M64, 0x80), W(1, M64, 0x33, 1) } },
	{ "lock xaddq %rdx,(mmio)", IN(0, M64, 0, 3, 0, 0, 0, 0, 0),
	  OUT(0, M64, 0, 10, 0, 0, 0, 0, 0), F_ALL,
	  { R(8, M64, 10), W(8, M64, 13, 1) } },
	{ "movzbl (mmio),%eax", IN(~0ULL, M64, 0, 0, 0, 0, 0, 0, 0),
	  OUT(0xff, M64, 0, 0, 0, 0, 0, 0, 0), F_ALL,
	  { R(1, M64, 0xff) } },
	{ "movsq from MMIO to RAM", IN(0, 0, 0, 0, M64, DATA_GPA, 0, 0, 0),
	  OUT(0, 0, 0, 0, M64 + 8, DATA_GPA + 8, 0, 0, 0), F_ALL,
	  { R(8, M64, 0x0102030405060708ULL) },
	  RAM(DATA_GPA, 0, 0x0102030405060708ULL) },
	{ "movsl from RAM to MMIO", IN(0, 0, 0, 0, DATA_GPA, M64, 0, 0, 0),
	  OUT(0, 0, 0, 0, DATA_GPA + 4, M64 + 4, 0, 0, 0), F_ALL,
	  { W(4, M64, 0xcafef00d, 1) },
	  RAM(DATA_GPA, 0x11111111cafef00dULL, 0x11111111cafef00dULL) },
	{ "rep movsb from MMIO to MMIO", IN(0, 0, 2, 0, M64, M64 + 0x100, 0, 0, 0),
	  OUT(0, 0, 0, 0, M64 + 2, M64 + 0x102, 0, 0, 0), F_ALL,
	  { R(1, M64, 0xa1), W(1, M64 + 0x100, 0xa1, 0),
	    R(1, M64 + 1, 0xb2), W(1, M64 + 0x101, 0xb2, 0) } },
	{ "movsw with DF, MMIO to RAM", IN(0, 0, 0, 0, M64 + 0x10, DATA_GPA + 0x10, 0, 0, FL_DF),
	  OUT(0, 0, 0, 0, M64 + 0xe, DATA_GPA + 0xe, 0, 0, FL_DF), F_ALL,
	  { R(2, M64 + 0x10, 0xbeef) },
	  RAM(DATA_GPA + 0x10, 0, 0xbeef) },
	{ "lodsw", IN(0x11112222, 0, 0, 0, M64, 0, 0, 0, 0),
	  OUT(0x1111abcd, 0, 0, 0, M64 + 2, 0, 0, 0, 0), F_ALL,
	  { R(2, M64, 0xabcd) } },
	{ "rep stosb", IN(0x77, 0, 2, 0, 0, M64, 0, 0, 0),
	  OUT(0x77, 0, 0, 0, 0, M64 + 2, 0, 0, 0), F_ALL,
	  { W(1, M64, 0x77, 0), W(1, M64 + 1, 0x77, 0) } },
	{ "repe cmpsb, MMIO against RAM", IN(0, 0, 3, 0, M64, DATA_GPA, 0, 0, 0),
	  OUT(0, 0, 1, 0, M64 + 2, DATA_GPA + 2, 0, 0, 0), F_ALL,
	  { R(1, M64, 'a'), R(1, M64 + 1, 'x') },
	  RAM(DATA_GPA, 0x636261, 0x636261) },
	{ "scasl", IN(0x1234, 0, 0, 0, 0, M64, 0, 0, 0),
	  OUT(0x1234, 0, 0, 0, 0, M64 + 4, 0, 0, 0x44), F_ALL,
	  { R(4, M64, 0x1234) } },
	{ "add %eax,(mmio), immediate_exit after the read",
	  IN(2, M64, 0, 0, 0, 0, 0, 0, 0),
	  OUT(2, M64, 0, 0, 0, 0, 0, 0, 0x4), F_ALL,
	  { R(4, M64, 3), W(4, M64, 5, 1) }, .imm_exit = 1 },
	{ "shll $4,(mmio)", IN(0, M64, 0, 0, 0, 0, 0, 0, 0),
	  OUT(0, M64, 0, 0, 0, 0, 0, 0, 0x85), F_SHIFT,
	  { R(4, M64, 0x1800000f), W(4, M64, 0x800000f0, 1) } },
	{ "rorb %cl,(mmio)", IN(0, M64, 3, 0, 0, 0, 0, 0, 0),
	  OUT(0, M64, 3, 0, 0, 0, 0, 0, 0x1), F_ROT,
	  { R(1, M64, 0x2c), W(1, M64, 0x85, 1) } },
	{ "sarw (mmio)", IN(0, M64, 0, 0, 0, 0, 0, 0, 0),
	  OUT(0, M64, 0, 0, 0, 0, 0, 0, 0x81), F_SHIFT1,
	  { R(2, M64, 0x8003), W(2, M64, 0xc001, 1) } },
	{ "rclq $1,(mmio) with CF", IN(0, M64, 0, 0, 0, 0, 0, 0, FL_CF),
	  OUT(0, M64, 0, 0, 0, 0, 0, 0, 0x801), F_ALL,
	  { R(8, M64, 0x8000000000000000ULL), W(8, M64, 1, 1) } },
	{ "shrl %cl,(mmio), count 0: flags kept, written back", IN(0, M64, 0x20, 0, 0, 0, 0, 0, FL_ZF | FL_CF),
	  OUT(0, M64, 0x20, 0, 0, 0, 0, 0, FL_ZF | FL_CF), F_ALL,
	  { R(4, M64, 0x1234), W(4, M64, 0x1234, 1) } },
	{ "mull (mmio)", IN(0xffffffff, M64, 0, ~0ULL, 0, 0, 0, 0, 0),
	  OUT(0xfffffff0, M64, 0, 0xf, 0, 0, 0, 0, 0x801), F_MUL,
	  { R(4, M64, 0x10) } },
	{ "imul (mmio),%rcx", IN(0, M64, (__u64)-3, 0, 0, 0, 0, 0, 0),
	  OUT(0, M64, (__u64)-15, 0, 0, 0, 0, 0, 0), F_MUL,
	  { R(8, M64, 5) } },
	{ "divq (mmio)", IN(0, M64, 0, 1, 0, 0, 0, 0, 0),
	  OUT(0x1000000000000000ULL, M64, 0, 0, 0, 0, 0, 0, 0), F_DIV,
	  { R(8, M64, 0x10) } },
	{ "idivb (mmio)", IN(0xff9c, M64, 0, 0, 0, 0, 0, 0, 0),
	  OUT(0xfef2, M64, 0, 0, 0, 0, 0, 0, 0), F_DIV,
	  { R(1, M64, 7) } },
	{ "imul $-3,(mmio),%dx", IN(0, M64, 0, 0x12345678, 0, 0, 0, 0, 0),
	  OUT(0, M64, 0, 0x12348006, 0, 0, 0, 0, 0x801), F_MUL,
	  { R(2, M64, 0x7ffe) } },
	{ "flds (mmio): not emulated", IN(0, M64, 0, 0, 0, 0, 0, 0, 0),
	  OUT(0), 0, { ERR } },
};

static const struct mcase c32[] = {
	{ "addw %ax,(mmio) (32-bit code)", IN(0x8000, M64, 0, 0, 0, 0, 0, 0, 0),
	  OUT(0x8000, M64, 0, 0, 0, 0, 0, 0, 0x845), F_ALL,
	  { R(2, M64, 0x8000), W(2, M64, 0, 1) } },
	{ "lock incl 4(mmio) (32-bit code)", IN(0, M64, 0, 0, 0, 0, 0, 0, 0),
	  OUT(0, M64, 0, 0, 0, 0, 0, 0, 0x4), F_ALL,
	  { R(4, M64 + 4, 0x41), W(4, M64 + 4, 0x42, 1) } },
	{ "btl %ecx,(mmio), bit -1 (32-bit code)", IN(0, M64 + 0x40, 0xffffffff, 0, 0, 0, 0, 0, 0),
	  OUT(0, M64 + 0x40, 0xffffffff, 0, 0, 0, 0, 0, FL_CF), F_BT,
	  { R(4, M64 + 0x3c, 0x80000000) } },
	{ "rep movsw from MMIO to RAM (32-bit code)", IN(0, 0, 2, 0, M64, DATA_GPA, 0, 0, 0),
	  OUT(0, 0, 0, 0, M64 + 4, DATA_GPA + 4, 0, 0, 0), F_ALL,
	  { R(2, M64, 0x1111), R(2, M64 + 2, 0x2222) },
	  RAM(DATA_GPA, ~0ULL, 0xffffffff22221111ULL) },
	{ "xchgw %cx,(mmio) (32-bit code)", IN(0, M64, 0xabcd1234, 0, 0, 0, 0, 0, 0),
	  OUT(0, M64, 0xabcd5678, 0, 0, 0, 0, 0, 0), F_ALL,
	  { R(2, M64, 0x5678), W(2, M64, 0x1234, 1) } },
	{ "cmpsl, RAM against MMIO (32-bit code)", IN(0, 0, 0, 0, DATA_GPA, M64, 0, 0, 0),
	  OUT(0, 0, 0, 0, DATA_GPA + 4, M64 + 4, 0, 0, 0x85), F_ALL,
	  { R(4, M64, 0x10) },
	  RAM(DATA_GPA, 5, 5) },
	{ "lock subl $3,(mmio) (32-bit code)", IN(0, M64, 0, 0, 0, 0, 0, 0, 0),
	  OUT(0, M64, 0, 0, 0, 0, 0, 0, 0x91), F_ALL,
	  { R(4, M64, 1), W(4, M64, 0xfffffffe, 1) } },
	{ "divl (mmio) by 0: #DE, a triple fault with no IDT (32-bit code)",
	  IN(5, M64, 0, 0, 0, 0, 0, 0, 0), OUT(0), 0,
	  { R(4, M64, 0), SHUTDOWN } },
};

#define DS16(off)	((RM_DS << 4) + (off))
#define ES16(off)	((RM_ES << 4) + (off))
#define SS16(off)	((RM_SS << 4) + (off))

static const struct mcase c16[] = {
	{ "addw %ax,(mmio) (real mode)", IN(0x0101, 0x10, 0, 0, 0, 0, 0, 0, 0),
	  OUT(0x0101, 0x10, 0, 0, 0, 0, 0, 0, 0x4), F_ALL,
	  { R(2, DS16(0x10), 0x0202), W(2, DS16(0x10), 0x0303, 1) } },
	{ "addl %eax,(mmio) (real mode, 66)", IN(0x80000000, 0x10, 0, 0, 0, 0, 0, 0, 0),
	  OUT(0x80000000, 0x10, 0, 0, 0, 0, 0, 0, 0x845), F_ALL,
	  { R(4, DS16(0x10), 0x80000000), W(4, DS16(0x10), 0, 1) } },
	{ "orb $1,2(%bp,%si): SS (real mode)", IN(0, 0, 0, 0, 0x20, 0, 0x100, 0, 0),
	  OUT(0, 0, 0, 0, 0x20, 0, 0x100, 0, 0x84), F_LOGIC,
	  { R(1, SS16(0x122), 0x80), W(1, SS16(0x122), 0x81, 1) } },
	{ "xchgw %cx,%es:(%di) (real mode)", IN(0, 0, 0x1234, 0, 0, 0x30, 0, 0, 0),
	  OUT(0, 0, 0x4321, 0, 0, 0x30, 0, 0, 0), F_ALL,
	  { R(2, ES16(0x30), 0x4321), W(2, ES16(0x30), 0x1234, 1) } },
	{ "movsw, MMIO to MMIO (real mode)", IN(0, 0, 0, 0, 0x40, 0x50, 0, 0, 0),
	  OUT(0, 0, 0, 0, 0x42, 0x52, 0, 0, 0), F_ALL,
	  { R(2, DS16(0x40), 0x5a5a), W(2, ES16(0x50), 0x5a5a, 1) } },
	{ "fs movsb, RAM to MMIO (real mode)", IN(0, 0, 0, 0, DATA_GPA, 0x60, 0, 0, 0),
	  OUT(0, 0, 0, 0, DATA_GPA + 1, 0x61, 0, 0, 0), F_ALL,
	  { W(1, ES16(0x60), 0x3c, 1) },
	  RAM(DATA_GPA, 0x3c, 0x3c) },
	{ "rep stosw (real mode)", IN(0x6666, 0, 2, 0, 0, 0x70, 0, 0, 0),
	  OUT(0x6666, 0, 0, 0, 0, 0x74, 0, 0, 0), F_ALL,
	  { W(2, ES16(0x70), 0x6666, 0), W(2, ES16(0x72), 0x6666, 0) } },
	{ "incw (%ebx) (real mode, 67)", IN(0, 0x20, 0, 0, 0, 0, 0, 0, 0),
	  OUT(0, 0x20, 0, 0, 0, 0, 0, 0, 0x54), F_ALL,
	  { R(2, DS16(0x20), 0xffff), W(2, DS16(0x20), 0, 1) } },
	{ "setb (mmio) (real mode)", IN(0, 0x28, 0, 0, 0, 0, 0, 0, FL_CF),
	  OUT(0, 0x28, 0, 0, 0, 0, 0, 0, FL_CF), F_ALL,
	  { W(1, DS16(0x28), 1, 1) } },
	{ "btw $3,(mmio) (real mode)", IN(0, 0x30, 0, 0, 0, 0, 0, 0, 0),
	  OUT(0, 0x30, 0, 0, 0, 0, 0, 0, FL_CF), F_BT,
	  { R(2, DS16(0x30), 0x8) } },
	{ "lock cmpxchgw %dx,(mmio) (real mode)", IN(0x1111, 0x38, 0, 0x2222, 0, 0, 0, 0, 0),
	  OUT(0x1111, 0x38, 0, 0x2222, 0, 0, 0, 0, 0x44), F_ALL,
	  { R(2, DS16(0x38), 0x1111), W(2, DS16(0x38), 0x2222, 1) } },
	{ "lock btsw %cx,(mmio), bit 17 (real mode)", IN(0, 0x40, 17, 0, 0, 0, 0, 0, 0),
	  OUT(0, 0x40, 17, 0, 0, 0, 0, 0, 0), F_BT,
	  { R(2, DS16(0x42), 0), W(2, DS16(0x42), 0x2, 1) } },
};

/* ---- running them ---------------------------------------------------------- */

static int kvm_fd, record;

static const char *xname(int k)
{
	return k == X_R ? "read" : k == X_W ? "write" :
	       k == X_ERR ? "internal error" : "shutdown";
}

/* Real mode: RAM below RM_SLOT_SIZE only, so that segments reach MMIO. */
static struct vcpu *guest16(void)
{
	struct vm *vm = vm_create_bare(kvm_fd);
	struct kvm_sregs s;
	struct vcpu *v;

	if (!vm)
		return NULL;
	vm->mem = guest_alloc(GUEST_MEM_SIZE);
	if (!vm->mem || vm_set_region(vm->fd, 0, 0, 0, RM_SLOT_SIZE, vm->mem)) {
		vm_destroy(vm);
		return NULL;
	}
	v = vcpu_create(vm, 0);
	if (!v) {
		vm_destroy(vm);
		return NULL;
	}
	vm_load_code(vm, g_m16_start, g_m16_end);
	if (vcpu_setup_mode(v, MODE_REAL) || vcpu_get_sregs(v, &s))
		goto fail;
	s.ds.selector = RM_DS;
	s.ds.base = RM_DS << 4;
	s.es.selector = RM_ES;
	s.es.base = RM_ES << 4;
	s.ss.selector = RM_SS;
	s.ss.base = RM_SS << 4;
	if (vcpu_set_sregs(v, &s))
		goto fail;
	return v;
fail:
	vcpu_destroy(v);
	vm_destroy(vm);
	return NULL;
}

/* A VM with slot 0, a vCPU in @mode, @start..@end at CODE_GPA. */
static struct vcpu *guest(enum guest_mode mode, const unsigned char *start,
			  const unsigned char *end)
{
	return guest_create(kvm_fd, mode, start, end);
}

/* One case: its exits in order, then the state at its HLT.  Returns 0
 * when the guest cannot go on (an error exit, or lost track).
 */
static int run_case(struct vcpu *v, const struct mcase *c, const unsigned char *blob,
		    const struct insn_mark *mk)
{
	__u64 start = GUEST_ADDR(blob, mk->start), end = GUEST_ADDR(blob, mk->end);
	struct kvm_run *run = v->run;
	struct kvm_regs regs;
	int good = 1, i, r, e;
	__u64 data, ram;

	vcpu_get_regs(v, &regs);
	if (!check_u64("RIP before the instruction", regs.rip, start)) {
		ok(0, "%s", c->what);
		return 0;
	}
	regs.rax = c->in.ax;
	regs.rbx = c->in.bx;
	regs.rcx = c->in.cx;
	regs.rdx = c->in.dx;
	regs.rsi = c->in.si;
	regs.rdi = c->in.di;
	regs.rbp = c->in.bp;
	regs.r9 = c->in.r9;
	regs.rflags = X86_RFLAGS_FIXED | c->in.fl;
	vcpu_set_regs(v, &regs);
	if (c->ram_gpa)
		memcpy(gpa_ptr(v->vm, c->ram_gpa), &c->ram_in, 8);

	if (record)
		printf("# %s\n#   exits:", c->what);
	for (i = 0; c->ex[i].kind != X_END || record; i++) {
		const struct mexit *x = &c->ex[i < 5 ? i : 4];

		r = vcpu_run(v);
		e = errno;
		vcpu_get_regs(v, &regs);
		if (record) {
			if (r || run->exit_reason != KVM_EXIT_MMIO) {
				printf(" %s\n", r ? "(KVM_RUN failed)" :
				       exit_name(run->exit_reason));
				if (r || run->exit_reason != KVM_EXIT_HLT)
					return 0;
				break;
			}
			data = 0;
			memcpy(&data, run->mmio.data, run->mmio.len);
			printf(" %s(%u, %#llx, %#llx%s)", run->mmio.is_write ? "W" : "R",
			       run->mmio.len, (unsigned long long)run->mmio.phys_addr,
			       (unsigned long long)data, !run->mmio.is_write ? "" :
			       regs.rip == end ? ", 1" : regs.rip == start ? ", 0" : ", ?");
			if (!run->mmio.is_write)
				memcpy(run->mmio.data, &x->data, 8);
			continue;
		}
		if (x->kind == X_SHUTDOWN) {
			good &= exit_is(v, r, KVM_EXIT_SHUTDOWN) &&
				check_u64("RIP", regs.rip, start);
			ok(good, "%s: KVM_EXIT_SHUTDOWN, RIP at the instruction",
			   c->what);
			return 0;
		}
		if (x->kind == X_ERR) {
			/* kvm-intel, at CPL 0: the instruction's bytes come
			 * along (flags INSTRUCTION_BYTES, insn_size, then at
			 * least the instruction itself), RIP at it.
			 */
			good &= exit_is(v, r, KVM_EXIT_INTERNAL_ERROR) &&
				check_u64("internal.suberror", run->internal.suberror,
					  KVM_INTERNAL_ERROR_EMULATION) &&
				check_u64("emulation_failure.flags",
					  run->emulation_failure.flags &
					  KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES,
					  KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES) &&
				check_u64("insn_size >= the instruction's length",
					  run->emulation_failure.insn_size >= end - start, 1) &&
				check_u64("ndata >= 3", run->emulation_failure.ndata >= 3, 1) &&
				check_u64("insn_bytes are the instruction's",
					  !memcmp(run->emulation_failure.insn_bytes, mk->start,
						  end - start), 1) &&
				check_u64("RIP", regs.rip, start);
			ok(good, "%s: KVM_EXIT_INTERNAL_ERROR, emulation, with the instruction's bytes",
			   c->what);
			return 0;
		}
		if (!exit_is(v, r, KVM_EXIT_MMIO)) {
			diag("  (%s %u of %s)", xname(x->kind), i + 1, c->what);
			errno = e;
			ok(0, "%s", c->what);
			return 0;
		}
		data = 0;
		memcpy(&data, run->mmio.data, x->len <= 8 ? x->len : 8);
		good &= check_u64("mmio.is_write", run->mmio.is_write, x->kind == X_W);
		good &= check_u64("mmio.phys_addr", run->mmio.phys_addr, x->gpa);
		good &= check_u64("mmio.len", run->mmio.len, x->len);
		if (x->kind == X_W)
			good &= check_u64("mmio.data", data, x->data);
		good &= check_u64("RIP at the exit", regs.rip,
				  x->kind == X_W && x->rip_end ? end : start);
		if (!good)
			diag("  (%s %u of %s)", xname(x->kind), i + 1, c->what);
		/* A different access than expected: the rest is unknown. */
		if (run->mmio.is_write != (x->kind == X_W)) {
			ok(0, "%s", c->what);
			return 0;
		}
		if (x->kind == X_R)
			memcpy(run->mmio.data, &x->data, 8);
		if (c->imm_exit && i == 0)
			run->immediate_exit = 1;
	}
	if (c->imm_exit && !record) {
		/* The write came out under immediate_exit; now nothing is
		 * left to complete: EINTR, the guest not entered.
		 */
		r = vcpu_run(v);
		good &= check_u64("KVM_RUN with immediate_exit after the write",
				  r == -1 ? errno : 0, EINTR);
		run->immediate_exit = 0;
	}
	if (!record) {
		r = vcpu_run(v);
		if (!exit_is(v, r, KVM_EXIT_HLT)) {
			ok(0, "%s: then HLT", c->what);
			return 0;
		}
	}
	vcpu_get_regs(v, &regs);
	memcpy(&ram, c->ram_gpa ? gpa_ptr(v->vm, c->ram_gpa) : (void *)&c->ram_out, 8);
	if (record) {
		printf("#   OUT(%#llx, %#llx, %#llx, %#llx, %#llx, %#llx, %#llx, %#llx, %#llx) RAM %#llx\n",
		       (unsigned long long)regs.rax, (unsigned long long)regs.rbx,
		       (unsigned long long)regs.rcx, (unsigned long long)regs.rdx,
		       (unsigned long long)regs.rsi, (unsigned long long)regs.rdi,
		       (unsigned long long)regs.rbp, (unsigned long long)regs.r9,
		       (unsigned long long)(regs.rflags & F_ALL),
		       (unsigned long long)ram);
		return regs.rip == end + 1;
	}
	good &= check_u64("RIP at the HLT", regs.rip, end + 1);
	good &= check_u64("rax", regs.rax, c->out.ax);
	good &= check_u64("rbx", regs.rbx, c->out.bx);
	good &= check_u64("rcx", regs.rcx, c->out.cx);
	good &= check_u64("rdx", regs.rdx, c->out.dx);
	good &= check_u64("rsi", regs.rsi, c->out.si);
	good &= check_u64("rdi", regs.rdi, c->out.di);
	good &= check_u64("rbp", regs.rbp, c->out.bp);
	good &= check_u64("r9", regs.r9, c->out.r9);
	good &= check_u64("rflags (defined bits)", regs.rflags & c->fmask,
			  c->out.fl & c->fmask);
	good &= check_u64("RAM", ram, c->ram_out);
	ok(good, "%s: %s", c->what, c->ex[0].kind == X_W && c->ex[1].kind == X_END ?
	   "one write exit" : c->ex[1].kind == X_END ? "one read exit" :
	   "its exits in order");
	return regs.rip == end + 1;
}

static void run_guest(const char *mode, struct vcpu *v, const struct mcase *c,
		      size_t n, const unsigned char *blob,
		      const struct insn_mark *mk, size_t nmk)
{
	size_t i;

	if (nmk != n)
		tap_bail("%s: %zu instructions in the guest, %zu cases", mode,
			 nmk, n);
	if (!v) {
		for (i = 0; i < n; i++)
			ok(0, "%s: could not set up the VM", c[i].what);
		return;
	}
	for (i = 0; i < n; i++)
		if (!run_case(v, &c[i], blob, &mk[i]))
			break;
	/* The rest could not run: each is a failure of its own. */
	for (i++; i < n; i++)
		if (!record)
			ok(0, "%s: not reached", c[i].what);
	guest_destroy(v);
}

int main(int argc, char **argv)
{
	const char *path = kvm_device_path(argc, argv);

	record = argc > 2 && !strcmp(argv[2], "--record");
	kvm_fd = kvm_open_dev(path);
	kvm_watchdog(120);
	if (!record)
		tap_plan(ARRAY_SIZE(c64) + ARRAY_SIZE(c32) + ARRAY_SIZE(c16));
	diag("device %s", path);

	run_guest("64-bit", guest(MODE_LONG64, g_m64_start, g_m64_end), c64,
		  ARRAY_SIZE(c64), g_m64_start, g_marks_m64, NR_MARKS(m64));
	run_guest("32-bit", guest(MODE_PROT32, g_m32_start, g_m32_end), c32,
		  ARRAY_SIZE(c32), g_m32_start, g_marks_m32, NR_MARKS(m32));
	run_guest("real mode", guest16(), c16, ARRAY_SIZE(c16), g_m16_start,
		  g_marks_m16, NR_MARKS(m16));

	close(kvm_fd);
	return record ? 0 : tap_exit();
}

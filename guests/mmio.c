// SPDX-License-Identifier: GPL-2.0
/*
 * ELF64: exercises the test MMIO device "testdev" at GPA 0xfeb00000 with
 * the instruction forms an MMIO decoder must handle: MOV of every size in
 * both directions, MOV with an immediate, MOVZX/MOVSX/MOVSXD, single
 * STOSB/STOSQ, REX-extended registers, base+disp and base+index*scale.
 * Every address is absolute, held in a register (no RIP-relative MMIO).
 * The asm below pins each form so the compiler cannot pick another.
 *
 * testdev: +0x00 ID (32-bit, RO, "vtx!"), +0x08 SCRATCH (8 bytes, any
 * access of 1/2/4/8 bytes within them), +0x10 COUNTER (32-bit, the number
 * of earlier reads), +0x18 SUM (64-bit, a write adds, zero-extended).
 */
#include "rt.h"

#define TESTDEV		0xfeb00000ul
#define TD_ID		(TESTDEV + 0x00)
#define TD_SCRATCH	(TESTDEV + 0x08)
#define TD_COUNTER	(TESTDEV + 0x10)
#define TD_SUM		(TESTDEV + 0x18)
#define TD_UNUSED	(TESTDEV + 0x100)
#define TESTDEV_ID	0x21787476u	/* "vtx!" */

static unsigned int checks, failures;

static void check(const char *what, u64 got, u64 want)
{
	checks++;
	if (got == want) {
		printf("mmio: ok %s\n", what);
	} else {
		failures++;
		printf("mmio: FAIL %s got 0x%llx want 0x%llx\n", what, got, want);
	}
}

/* MOV through a plain register-indirect address, (%reg). */
static inline u8 rd8(unsigned long a)
{
	u8 v;

	asm volatile("movb (%1), %0" : "=q"(v) : "r"(a) : "memory");
	return v;
}

static inline u16 rd16(unsigned long a)
{
	u16 v;

	asm volatile("movw (%1), %0" : "=r"(v) : "r"(a) : "memory");
	return v;
}

static inline u32 rd32(unsigned long a)
{
	u32 v;

	asm volatile("movl (%1), %0" : "=r"(v) : "r"(a) : "memory");
	return v;
}

static inline u64 rd64(unsigned long a)
{
	u64 v;

	asm volatile("movq (%1), %0" : "=r"(v) : "r"(a) : "memory");
	return v;
}

static inline void wr8(unsigned long a, u8 v)
{
	asm volatile("movb %0, (%1)" : : "q"(v), "r"(a) : "memory");
}

static inline void wr16(unsigned long a, u16 v)
{
	asm volatile("movw %0, (%1)" : : "r"(v), "r"(a) : "memory");
}

static inline void wr32(unsigned long a, u32 v)
{
	asm volatile("movl %0, (%1)" : : "r"(v), "r"(a) : "memory");
}

static inline void wr64(unsigned long a, u64 v)
{
	asm volatile("movq %0, (%1)" : : "r"(v), "r"(a) : "memory");
}

static void test_id(void)
{
	check("ID 32-bit load", rd32(TD_ID), TESTDEV_ID);
	wr32(TD_ID, 0);
	check("ID ignores a store", rd32(TD_ID), TESTDEV_ID);
}

static void test_scratch_mov(void)
{
	u64 v = 0;
	int i;

	wr64(TD_SCRATCH, 0x1122334455667788ull);
	check("SCRATCH 64-bit store, 64-bit load", rd64(TD_SCRATCH),
	      0x1122334455667788ull);
	check("SCRATCH 32-bit load at +0", rd32(TD_SCRATCH), 0x55667788);
	check("SCRATCH 32-bit load at +4", rd32(TD_SCRATCH + 4), 0x11223344);
	check("SCRATCH 16-bit load at +0", rd16(TD_SCRATCH), 0x7788);
	check("SCRATCH 16-bit load at +2", rd16(TD_SCRATCH + 2), 0x5566);
	check("SCRATCH 16-bit load at +4", rd16(TD_SCRATCH + 4), 0x3344);
	check("SCRATCH 16-bit load at +6", rd16(TD_SCRATCH + 6), 0x1122);
	for (i = 0; i < 8; i++)
		v |= (u64)rd8(TD_SCRATCH + i) << (8 * i);
	check("SCRATCH 8-bit loads at +0..+7", v, 0x1122334455667788ull);

	wr32(TD_SCRATCH + 4, 0xdeadbeef);
	check("SCRATCH 32-bit store at +4", rd64(TD_SCRATCH),
	      0xdeadbeef55667788ull);
	wr16(TD_SCRATCH + 2, 0xcafe);
	check("SCRATCH 16-bit store at +2", rd64(TD_SCRATCH),
	      0xdeadbeefcafe7788ull);
	wr8(TD_SCRATCH, 0xa5);
	wr8(TD_SCRATCH + 7, 0x5a);
	check("SCRATCH 8-bit stores at +0 and +7", rd64(TD_SCRATCH),
	      0x5aadbeefcafe77a5ull);

	/* Unaligned, still within the 8 bytes. */
	wr64(TD_SCRATCH, 0);
	wr16(TD_SCRATCH + 1, 0xbeef);
	wr32(TD_SCRATCH + 3, 0x11223344);
	check("SCRATCH unaligned 16-bit store at +1, 32-bit at +3",
	      rd64(TD_SCRATCH), 0x0011223344beef00ull);
	check("SCRATCH unaligned 32-bit load at +2", rd32(TD_SCRATCH + 2),
	      0x223344be);
	check("SCRATCH unaligned 16-bit load at +5", rd16(TD_SCRATCH + 5),
	      0x1122);
	wr8(TD_SCRATCH + 5, 0x99);
	check("SCRATCH 8-bit load at +5 after an 8-bit store",
	      rd8(TD_SCRATCH + 5), 0x99);
}

/* Plain C: the compiler's own choice of base + disp8 forms. */
struct testdev {
	u32 id;
	u32 pad;
	u64 scratch;
};

static void test_c_volatile(void)
{
	volatile struct testdev *td = (volatile struct testdev *)TESTDEV;
	volatile u8 *b = (volatile u8 *)&td->scratch;

	td->scratch = 0x0102030405060708ull;
	check("C volatile 64-bit store/load, base+disp", td->scratch,
	      0x0102030405060708ull);
	b[6] = 0xee;
	check("C volatile 8-bit store/load, base+disp", b[6], 0xee);
	check("C volatile 32-bit load of ID", td->id, TESTDEV_ID);
}

/*
 * SCRATCH = 0x8badf00dc0de9a17: byte +1 0x9a, word +2 0xc0de, dword +4
 * 0x8badf00d, all with the sign bit set; byte +0 0x17 without.  The
 * destination starts as all ones (or zero) to show what the load writes.
 */
static void test_extend(void)
{
	unsigned long a = TD_SCRATCH;
	u64 v;

	wr64(a, 0x8badf00dc0de9a17ull);

	asm volatile("movq $-1, %0; movzbl 1(%1), %k0" : "=&r"(v) : "r"(a) : "memory");
	check("MOVZX r32, m8 (upper half cleared)", v, 0x9a);
	asm volatile("movq $-1, %0; movzbq 1(%1), %0" : "=&r"(v) : "r"(a) : "memory");
	check("MOVZX r64, m8 (REX.W)", v, 0x9a);
	asm volatile("movq $-1, %0; movzbw 1(%1), %w0" : "=&r"(v) : "r"(a) : "memory");
	check("MOVZX r16, m8 (0x66, upper bits kept)", v, 0xffffffffffff009aull);
	asm volatile("movq $-1, %0; movzwl 2(%1), %k0" : "=&r"(v) : "r"(a) : "memory");
	check("MOVZX r32, m16", v, 0xc0de);
	asm volatile("movq $-1, %0; movzwq 2(%1), %0" : "=&r"(v) : "r"(a) : "memory");
	check("MOVZX r64, m16 (REX.W)", v, 0xc0de);

	asm volatile("movq $-1, %0; movsbq (%1), %0" : "=&r"(v) : "r"(a) : "memory");
	check("MOVSX r64, m8 (positive)", v, 0x17);
	asm volatile("movq $0, %0; movsbq 1(%1), %0" : "=&r"(v) : "r"(a) : "memory");
	check("MOVSX r64, m8 (negative)", v, 0xffffffffffffff9aull);
	asm volatile("movq $0, %0; movsbl 1(%1), %k0" : "=&r"(v) : "r"(a) : "memory");
	check("MOVSX r32, m8 (upper half cleared)", v, 0xffffff9aull);
	asm volatile("movq $0, %0; movswq 2(%1), %0" : "=&r"(v) : "r"(a) : "memory");
	check("MOVSX r64, m16", v, 0xffffffffffffc0deull);
	asm volatile("movq $0, %0; movswl 2(%1), %k0" : "=&r"(v) : "r"(a) : "memory");
	check("MOVSX r32, m16", v, 0xffffc0deull);
	asm volatile("movq $0, %0; movslq 4(%1), %0" : "=&r"(v) : "r"(a) : "memory");
	check("MOVSXD r64, m32", v, 0xffffffff8badf00dull);
}

static void test_mov_imm(void)
{
	unsigned long a = TD_SCRATCH;

	asm volatile("movq $-2, (%0)" : : "r"(a) : "memory");
	check("MOV m64, imm32 (sign-extended)", rd64(a), 0xfffffffffffffffeull);
	asm volatile("movl $0x12345678, 4(%0)" : : "r"(a) : "memory");
	check("MOV m32, imm32 at +4", rd64(a), 0x12345678fffffffeull);
	asm volatile("movw $0xabcd, (%0)" : : "r"(a) : "memory");
	check("MOV m16, imm16", rd64(a), 0x12345678ffffabcdull);
	asm volatile("movb $0x42, 2(%0)" : : "r"(a) : "memory");
	check("MOV m8, imm8 at +2", rd64(a), 0x12345678ff42abcdull);
}

static void test_stos(void)
{
	unsigned long di = TD_SCRATCH;

	/* DF is clear (crt0's CLD): RDI moves up. */
	asm volatile("stosq" : "+D"(di) : "a"(0x0123456789abcdefull) : "memory");
	check("STOSQ stores 8 bytes", rd64(TD_SCRATCH), 0x0123456789abcdefull);
	check("STOSQ advances RDI by 8", di, TD_SCRATCH + 8);

	di = TD_SCRATCH + 3;
	asm volatile("stosb" : "+D"(di) : "a"(0x77) : "memory");
	check("STOSB stores 1 byte at +3", rd64(TD_SCRATCH),
	      0x0123456777abcdefull);
	check("STOSB advances RDI by 1", di, TD_SCRATCH + 4);
}

/* R8-R15 (REX.R/REX.B/REX.X), base+index*scale and base+disp32. */
static void test_rex_sib(void)
{
	u64 v;

	asm volatile("movq %0, %%r9\n\t"
		     "movq %1, %%r10\n\t"
		     "movl $1, %%r11d\n\t"
		     "movq %%r9, (%%r10,%%r11,8)"
		     : : "r"(0xfeedfacecafef00dull), "r"(TESTDEV)
		     : "r9", "r10", "r11", "memory");
	check("MOV m64, r9 with base r10 + index r11 * 8", rd64(TD_SCRATCH),
	      0xfeedfacecafef00dull);

	asm volatile("movq %1, %%r10\n\t"
		     "movq $-1, %%r13\n\t"
		     "movl 0x20c(%%r10), %%r13d\n\t"
		     "movq %%r13, %0"
		     : "=r"(v) : "r"(TESTDEV - 0x200)
		     : "r10", "r13", "memory");
	check("MOV r13d, m32 with base r10 + disp32", v, 0xfeedface);

	asm volatile("movq %1, %%r8\n\t"
		     "movl $2, %%ecx\n\t"
		     "movb $0x3c, %%r15b\n\t"
		     "movb %%r15b, 3(%%r8,%%rcx,4)\n\t"
		     "movzbl 3(%%r8,%%rcx,4), %k0"
		     : "=r"(v) : "r"(TESTDEV)
		     : "r8", "rcx", "r15", "memory");
	check("MOV m8, r15b and MOVZX with base r8 + index rcx * 4 + disp8",
	      v, 0x3c);
	check("SCRATCH after the SIB stores", rd64(TD_SCRATCH),
	      0xfeedface3cfef00dull);
}

static void test_counter(void)
{
	/* The only reads of COUNTER in this guest: 0, 1, 2. */
	u32 c0 = rd32(TD_COUNTER);
	u32 c1 = rd32(TD_COUNTER);
	u32 c2 = rd32(TD_COUNTER);

	check("COUNTER first read", c0, 0);
	check("COUNTER second read", c1, 1);
	check("COUNTER third read", c2, 2);
}

static void test_sum(void)
{
	/* Zero-extended: 0xff, not -1; 0xfffe, not -2. */
	wr8(TD_SUM, 0xff);
	wr16(TD_SUM, 0xfffe);
	wr32(TD_SUM, 0x80000000u);
	check("SUM of 8-, 16- and 32-bit stores", rd64(TD_SUM), 0x800100fdull);
	wr64(TD_SUM, 0x100000000ull);
	check("SUM after a 64-bit store", rd64(TD_SUM), 0x1800100fdull);
}

static void test_unused(void)
{
	wr32(TD_UNUSED, 0xffffffff);
	check("unused offset 0x100 reads 0 after a store", rd32(TD_UNUSED), 0);
	check("unused offset 0xff8 reads 0 (64-bit)", rd64(TESTDEV + 0xff8), 0);
}

int main(int index, int count)
{
	(void)index;
	(void)count;
	test_id();
	test_scratch_mov();
	test_c_volatile();
	test_extend();
	test_mov_imm();
	test_stos();
	test_rex_sib();
	test_counter();
	test_sum();
	test_unused();

	if (failures) {
		printf("mmio: %u of %u checks failed\n", failures, checks);
		exit(failures);
	}
	printf("mmio: all %u checks passed\n", checks);
	return 0;
}

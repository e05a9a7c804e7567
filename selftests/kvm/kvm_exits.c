// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_exits: what each kind of guest instruction turns into at the KVM API.
 *
 *   kvm_exits [DEVICE]	(default $VTX_DEVICE, else /dev/vtx)
 *
 * Exits to userspace (port I/O, string I/O, MMIO, a read-only slot, triple
 * fault) are checked field by field; instructions the kernel side handles
 * itself (CPUID, MSRs, VMCALL, INVD, XSETBV, VMXON) are checked by what the
 * guest saw, with #GP and #UD handlers that record the vector and HLT.
 *
 * Where kvm-intel (the reference) chose among behaviours the architecture
 * allows, the test asserts kvm-intel's choice and says so: "kvm-intel:".
 */
#include <stddef.h>

#include "kvm_util.h"

#define MMIO_GPA	0xd0000000	/* no slot: MMIO */
#define RO_GPA		0x400000	/* a KVM_MEM_READONLY slot */
#define DONE		(DATA_GPA + 0x18) /* the guest got there: 1 */
#define SENTINEL	0xa5a5a5a5a5a5a5a5ULL
#define INSB_GPA	0x20f00		/* 256 bytes below a page end */
#define INSB_COUNT	2000

/* ---- the guests ------------------------------------------------------------ */

asm(".pushsection .rodata\n"
	/*
	 * Port I/O, 32-bit flat: OUT of each size, IN of each size (each
	 * result stored from EAX, so that the merge into EAX shows), and
	 * an OUT to a port above 0xff through DX.
	 */
	"MARKS_BEGIN io\n"
	".global g_io_start, g_io_end\n"
	"g_io_start:\n"
	".code32\n"
	"	mov $0x11, %al\n"
	"	INSN io, out %al, $0x10\n"
	"	mov $0x2233, %ax\n"
	"	INSN io, out %ax, $0x12\n"
	"	mov $0x44556677, %eax\n"
	"	INSN io, out %eax, $0x14\n"
	"	INSN io, in $0x20, %al\n"	/* EAX = 0x445566a1 */
	"	mov %eax, " XSTR(DATA_GPA) "\n"
	"	INSN io, in $0x22, %ax\n"	/* EAX = 0x4455b2b1 */
	"	mov %eax, " XSTR(DATA_GPA) " + 4\n"
	"	INSN io, in $0x24, %eax\n"	/* EAX = 0xc4c3c2c1 */
	"	mov %eax, " XSTR(DATA_GPA) " + 8\n"
	"	mov $0x1234, %dx\n"
	"	mov $0x99, %al\n"
	"	INSN io, out %al, (%dx)\n"
	"	hlt\n"
	"g_io_end:\n"
	"MARKS_END io\n"

	/*
	 * String I/O, 32-bit flat: "HELLO" out of port 0x30, 3 words in
	 * from port 0x32, 2000 bytes in from port 0x34.
	 */
	".global g_rep_start, g_rep_end\n"
	"g_rep_start:\n"
	"	cld\n"
	"	mov $" XSTR(DATA_GPA) " + 0x100, %esi\n"
	"	mov $5, %ecx\n"
	"	mov $0x30, %dx\n"
	"	rep outsb\n"
	"	mov $" XSTR(DATA_GPA) " + 0x200, %edi\n"
	"	mov $3, %ecx\n"
	"	mov $0x32, %dx\n"
	"	rep insw\n"
	"	mov %edi, " XSTR(DATA_GPA) " + 0x300\n"
	"	mov %ecx, " XSTR(DATA_GPA) " + 0x304\n"
	/* 2000 bytes in, from 256 bytes below a page boundary. */
	"	mov $" XSTR(INSB_GPA) ", %edi\n"
	"	mov $2000, %ecx\n"
	"	mov $0x34, %dx\n"
	"	rep insb\n"
	"	hlt\n"
	"g_rep_end:\n"

	/* A triple fault: #UD with an IDT of limit 0, 32-bit. */
	".global g_tf_ud_start, g_tf_ud_end\n"
	"g_tf_ud_start:\n"
	"	ud2\n"
	"	hlt\n"
	"g_tf_ud_end:\n"

	/*
	 * MMIO, 64-bit: stores of each size, loads of each size (into
	 * registers preset to all ones, so that merging and zero-extension
	 * show), MOVZX, MOVSX, MOVSXD, stores of immediates, STOS.
	 * RBX = MMIO_GPA throughout.
	 */
	".code64\n"
	"MARKS_BEGIN mmio\n"
	".global g_mmio_start, g_mmio_end\n"
	"g_mmio_start:\n"
	"	mov $" XSTR(MMIO_GPA) ", %ebx\n"
	"	movabs $0x1122334455667788, %rax\n"
	"	mov $-1, %rsi\n"
	"	mov $-1, %r8\n"
	"	mov $-1, %r9\n"
	"	mov $-1, %r10\n"
	"	mov $-1, %r11\n"
	"	mov $-1, %r12\n"
	"	mov $-1, %r13\n"
	"	mov $-1, %r14\n"
	"	mov $-1, %r15\n"
	"	INSN mmio, mov %al, (%rbx)\n"
	"	INSN mmio, mov %ax, 2(%rbx)\n"
	"	INSN mmio, mov %eax, 4(%rbx)\n"
	"	INSN mmio, mov %rax, 8(%rbx)\n"
	"	INSN mmio, mov 0x10(%rbx), %r8b\n"
	"	INSN mmio, mov 0x12(%rbx), %r9w\n"
	"	INSN mmio, mov 0x14(%rbx), %r10d\n"
	"	INSN mmio, mov 0x18(%rbx), %r11\n"
	"	INSN mmio, movzbl 0x20(%rbx), %r12d\n"
	"	INSN mmio, movzwq 0x22(%rbx), %r13\n"
	"	INSN mmio, movsbq 0x24(%rbx), %r14\n"
	"	INSN mmio, movswl 0x26(%rbx), %r15d\n"
	"	INSN mmio, movslq 0x28(%rbx), %rsi\n"
	"	INSN mmio, movb $0x5a, 0x30(%rbx)\n"
	"	INSN mmio, movl $0x12345678, 0x34(%rbx)\n"
	"	INSN mmio, movq $-2, 0x38(%rbx)\n"
	"	lea 0x40(%rbx), %rdi\n"
	"	mov $0xcafebabe, %eax\n"
	"	INSN mmio, stosl\n"
	"	movabs $0x0123456789abcdef, %rax\n"
	"	INSN mmio, stosq\n"
	"	hlt\n"
	"g_mmio_end:\n"
	"MARKS_END mmio\n"

	/* A read-only slot, 64-bit: read, write (MMIO), read again. */
	"MARKS_BEGIN ro\n"
	".global g_ro_start, g_ro_end\n"
	"g_ro_start:\n"
	"	mov $" XSTR(RO_GPA) ", %ebx\n"
	"	mov (%rbx), %eax\n"
	"	mov %eax, " XSTR(DATA_GPA) "\n"
	"	INSN ro, movl $0x11223344, 8(%rbx)\n"
	"	mov 8(%rbx), %ecx\n"
	"	mov %ecx, " XSTR(DATA_GPA) " + 4\n"
	"	hlt\n"
	"g_ro_end:\n"
	"MARKS_END ro\n"

	/*
	 * Instructions the kernel side handles, 64-bit; one entry point
	 * per case, each ending in "DONE = 1; HLT".  The #GP and #UD
	 * handlers store the vector at DATA+0, the error code at DATA+8
	 * and the faulting RIP at DATA+0x10, then HLT.
	 */
	".global g_x64_start, g_x64_end, g_x64_gp, g_x64_ud\n"
	".global g_x64_rdmsr_bad, g_x64_rdmsr_bad_insn\n"
	".global g_x64_wrmsr_bad, g_x64_wrmsr_bad_insn\n"
	".global g_x64_rdmsr_fc, g_x64_msr_rt, g_x64_tsc_aux\n"
	".global g_x64_vmcall, g_x64_invd, g_x64_xsetbv\n"
	".global g_x64_vmxon, g_x64_vmxon_insn, g_x64_int3\n"
	"g_x64_start:\n"
	"g_x64_gp:\n"
	"	movq $13, " XSTR(DATA_GPA) "\n"
	"	pop %rax\n"				/* error code */
	"	mov %rax, " XSTR(DATA_GPA) " + 8\n"
	"	pop %rax\n"				/* RIP */
	"	mov %rax, " XSTR(DATA_GPA) " + 0x10\n"
	"	hlt\n"
	"g_x64_ud:\n"
	"	movq $6, " XSTR(DATA_GPA) "\n"
	"	movq $0, " XSTR(DATA_GPA) " + 8\n"	/* none pushed */
	"	pop %rax\n"
	"	mov %rax, " XSTR(DATA_GPA) " + 0x10\n"
	"	hlt\n"
	/* An MSR that does not exist: RDMSR and WRMSR. */
	"g_x64_rdmsr_bad:\n"
	"	mov $0xdeadbeef, %ecx\n"
	"g_x64_rdmsr_bad_insn:\n"
	"	rdmsr\n"
	"	jmp done\n"
	"g_x64_wrmsr_bad:\n"
	"	mov $0xdeadbeef, %ecx\n"
	"	xor %eax, %eax\n"
	"	xor %edx, %edx\n"
	"g_x64_wrmsr_bad_insn:\n"
	"	wrmsr\n"
	"	jmp done\n"
	/* IA32_FEATURE_CONTROL (0x3a): EDX:EAX to DATA+0x20. */
	"g_x64_rdmsr_fc:\n"
	"	mov $0x3a, %ecx\n"
	"	rdmsr\n"
	"	mov %eax, " XSTR(DATA_GPA) " + 0x20\n"
	"	mov %edx, " XSTR(DATA_GPA) " + 0x24\n"
	"	jmp done\n"
	/* IA32_SYSENTER_CS and _ESP: write, clear EDX:EAX, read back. */
	"g_x64_msr_rt:\n"
	"	mov $0x174, %ecx\n"
	"	mov $0x1234, %eax\n"
	"	xor %edx, %edx\n"
	"	wrmsr\n"
	"	xor %eax, %eax\n"
	"	rdmsr\n"
	"	mov %eax, " XSTR(DATA_GPA) " + 0x20\n"
	"	mov %edx, " XSTR(DATA_GPA) " + 0x24\n"
	"	mov $0x175, %ecx\n"
	"	mov $0x12345678, %eax\n"
	"	mov $0x7fff, %edx\n"
	"	wrmsr\n"
	"	xor %eax, %eax\n"
	"	xor %edx, %edx\n"
	"	rdmsr\n"
	"	mov %eax, " XSTR(DATA_GPA) " + 0x28\n"
	"	mov %edx, " XSTR(DATA_GPA) " + 0x2c\n"
	"	jmp done\n"
	/* IA32_TSC_AUX: write, read back, and RDTSCP's ECX. */
	"g_x64_tsc_aux:\n"
	"	mov $0xc0000103, %ecx\n"
	"	mov $0x12345678, %eax\n"
	"	xor %edx, %edx\n"
	"	wrmsr\n"
	"	xor %eax, %eax\n"
	"	rdmsr\n"
	"	mov %eax, " XSTR(DATA_GPA) " + 0x20\n"
	"	mov %edx, " XSTR(DATA_GPA) " + 0x24\n"
	"	xor %ecx, %ecx\n"
	"	rdtscp\n"
	"	mov %ecx, " XSTR(DATA_GPA) " + 0x28\n"
	"	jmp done\n"
	/* A hypercall nobody defined (0x1234): RAX to DATA+0x20. */
	"g_x64_vmcall:\n"
	"	mov $0x1234, %eax\n"
	"	vmcall\n"
	"	mov %rax, " XSTR(DATA_GPA) " + 0x20\n"
	"	jmp done\n"
	"g_x64_invd:\n"
	"	invd\n"
	"	jmp done\n"
	/*
	 * CR4.OSXSAVE on, CPUID.1:ECX (OSXSAVE now visible) to DATA+0x28,
	 * XCR0 = x87|SSE, XGETBV's EDX:EAX to DATA+0x20.
	 */
	"g_x64_xsetbv:\n"
	"	mov %cr4, %rax\n"
	"	or $0x40000, %eax\n"
	"	mov %rax, %cr4\n"
	"	mov $1, %eax\n"
	"	cpuid\n"
	"	mov %ecx, " XSTR(DATA_GPA) " + 0x28\n"
	"	xor %ecx, %ecx\n"
	"	xor %edx, %edx\n"
	"	mov $3, %eax\n"
	"	xsetbv\n"
	"	xor %eax, %eax\n"
	"	xgetbv\n"
	"	mov %eax, " XSTR(DATA_GPA) " + 0x20\n"
	"	mov %edx, " XSTR(DATA_GPA) " + 0x24\n"
	"	jmp done\n"
	/* VMXON with CR4.VMXE clear (a VMXON region at DATA+0x800). */
	"g_x64_vmxon:\n"
	"	mov $" XSTR(DATA_GPA) " + 0x800, %eax\n"
	"g_x64_vmxon_insn:\n"
	"	vmxon (%rax)\n"
	"	jmp done\n"
	/* #BP with an IDT of limit 0: a triple fault. */
	"g_x64_int3:\n"
	"	int3\n"
	"	jmp done\n"
	"done:\n"
	"	movq $1, " XSTR(DONE) "\n"
	"	hlt\n"
	"g_x64_end:\n"
	".popsection\n");

extern const unsigned char g_io_start[], g_io_end[];
extern const unsigned char g_rep_start[], g_rep_end[];
extern const unsigned char g_tf_ud_start[], g_tf_ud_end[];
extern const unsigned char g_mmio_start[], g_mmio_end[];
extern const unsigned char g_ro_start[], g_ro_end[];
extern const unsigned char g_x64_start[], g_x64_end[], g_x64_gp[], g_x64_ud[];
extern const unsigned char g_x64_rdmsr_bad[], g_x64_rdmsr_bad_insn[];
extern const unsigned char g_x64_wrmsr_bad[], g_x64_wrmsr_bad_insn[];
extern const unsigned char g_x64_rdmsr_fc[], g_x64_msr_rt[], g_x64_tsc_aux[];
extern const unsigned char g_x64_vmcall[], g_x64_invd[], g_x64_xsetbv[];
extern const unsigned char g_x64_vmxon[], g_x64_vmxon_insn[], g_x64_int3[];
DECLARE_MARKS(io);
DECLARE_MARKS(mmio);
DECLARE_MARKS(ro);

static int kvm_fd;

/* A VM with slot 0, a vCPU in @mode, @start..@end at CODE_GPA. */
static struct vcpu *guest(enum guest_mode mode, const unsigned char *start,
			  const unsigned char *end)
{
	return guest_create(kvm_fd, mode, start, end);
}

/* ---- port I/O --------------------------------------------------------------- */

static const struct io_step {
	__u8 dir;
	__u16 port;
	__u8 size;
	__u32 data;	/* OUT: expected; IN: what the host supplies */
} io_steps[] = {
	{ KVM_EXIT_IO_OUT, 0x10,   1, 0x11 },
	{ KVM_EXIT_IO_OUT, 0x12,   2, 0x2233 },
	{ KVM_EXIT_IO_OUT, 0x14,   4, 0x44556677 },
	{ KVM_EXIT_IO_IN,  0x20,   1, 0xa1 },
	{ KVM_EXIT_IO_IN,  0x22,   2, 0xb2b1 },
	{ KVM_EXIT_IO_IN,  0x24,   4, 0xc4c3c2c1 },
	{ KVM_EXIT_IO_OUT, 0x1234, 1, 0x99 },
};

#define IO_CHECKS	(ARRAY_SIZE(io_steps) + 5)

static int io_exit_matches(struct kvm_run *run, const struct io_step *s)
{
	__u32 data = 0;
	int good = 1;

	good &= check_u64("io.direction", run->io.direction, s->dir);
	good &= check_u64("io.port", run->io.port, s->port);
	good &= check_u64("io.size", run->io.size, s->size);
	good &= check_u64("io.count", run->io.count, 1);
	if (s->dir == KVM_EXIT_IO_OUT) {
		memcpy(&data, (char *)run + run->io.data_offset, s->size);
		good &= check_u64("data", data, s->data);
	}
	return good;
}

static void test_port_io(void)
{
	struct vcpu *v = guest(MODE_PROT32, g_io_start, g_io_end);
	int rip_good = 1;
	size_t i;
	__u64 rip;
	int r;

	if (!v) {
		fail_n(IO_CHECKS, "port I/O");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(io_steps); i++) {
		const struct io_step *s = &io_steps[i];
		struct kvm_run *run = v->run;

		r = vcpu_run(v);
		if (!exit_is(v, r, KVM_EXIT_IO)) {
			ok(0, "%s port %#x size %u: KVM_EXIT_IO",
			   s->dir == KVM_EXIT_IO_OUT ? "out" : "in", s->port,
			   s->size);
			continue;
		}
		ok(io_exit_matches(run, s),
		   "%s port %#x size %u: KVM_EXIT_IO with its direction, port, size, count 1 and data",
		   s->dir == KVM_EXIT_IO_OUT ? "out" : "in", s->port, s->size);
		/*
		 * kvm-intel: RIP still points at the IN/OUT when it exits;
		 * the next KVM_RUN completes the instruction.
		 */
		rip = vcpu_rip(v);
		if (rip != GUEST_ADDR(g_io_start, g_marks_io[i].start)) {
			diag("  exit %zu: rip %#llx, expected %#llx (the instruction)",
			     i, (unsigned long long)rip,
			     (unsigned long long)GUEST_ADDR(g_io_start,
							    g_marks_io[i].start));
			rip_good = 0;
		}
		if (s->dir == KVM_EXIT_IO_IN)
			memcpy((char *)run + run->io.data_offset, &s->data,
			       s->size);
	}
	ok(rip_good, "port I/O: at each exit RIP is the I/O instruction (kvm-intel)");
	run_expect(v, KVM_EXIT_HLT, "port I/O: KVM_EXIT_HLT after the last OUT");
	ok_u64("eax after in al", guest_read32(v->vm, DATA_GPA), 0x445566a1,
	       "in al: the guest got the byte, EAX[31:8] kept");
	ok_u64("eax after in ax", guest_read32(v->vm, DATA_GPA + 4), 0x4455b2b1,
	       "in ax: the guest got the word, EAX[31:16] kept");
	ok_u64("eax after in eax", guest_read32(v->vm, DATA_GPA + 8),
	       0xc4c3c2c1, "in eax: the guest got the dword");
	guest_destroy(v);
}

/* ---- string I/O ------------------------------------------------------------- */

#define REP_CHECKS	13

/*
 * kvm-intel's split of string I/O, as observed (6.1): OUTS leaves once per
 * element (count 1, its emulator's em_out); INS reads ahead and leaves
 * once for as many elements as fit before the end of the destination page
 * and in its 1 KiB buffer.
 */
static const unsigned int outsb_split[] = { 1, 1, 1, 1, 1 };
static const unsigned int insw_split[] = { 3 };
/* INS stops at the page boundary and after 1 KiB. */
static const unsigned int insb_split[] = { 256, 1024, 720 };

static int split_is(const unsigned int *got, size_t n, const unsigned int *want,
		    size_t wn)
{
	char buf[128] = "";
	size_t i;

	if (n == wn && !memcmp(got, want, n * sizeof(*got)))
		return 1;
	for (i = 0; i < n && strlen(buf) < sizeof(buf) - 12; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%u",
			 i ? "," : "", got[i]);
	diag("  counts per exit: %s (%zu exits), expected %zu exits", buf, n,
	     wn);
	return 0;
}

static void test_string_io(void)
{
	struct vcpu *v = guest(MODE_PROT32, g_rep_start, g_rep_end);
	unsigned int counts[16], n = 0, total = 0;
	char out[16] = "";
	int fields_good = 1, good;
	struct kvm_regs regs;
	struct kvm_run *run;
	__u16 word = 0xa1a0;
	int r;

	if (!v) {
		fail_n(REP_CHECKS, "string I/O");
		return;
	}
	run = v->run;
	memcpy(gpa_ptr(v->vm, DATA_GPA + 0x100), "HELLO", 5);

	/* rep outsb: collect every exit on port 0x30. */
	for (;;) {
		r = vcpu_run(v);
		if (r || run->exit_reason != KVM_EXIT_IO ||
		    run->io.direction != KVM_EXIT_IO_OUT || run->io.port != 0x30)
			break;
		fields_good &= check_u64("io.size", run->io.size, 1);
		if (n < ARRAY_SIZE(counts) && total + run->io.count < sizeof(out)) {
			counts[n++] = run->io.count;
			memcpy(out + total, (char *)run + run->io.data_offset,
			       run->io.count);
			total += run->io.count;
		} else {
			fields_good = 0;
			diag("  more than %zu exits or bytes", ARRAY_SIZE(out));
			break;
		}
	}
	ok(fields_good && n > 0,
	   "rep outsb: KVM_EXIT_IO out, port 0x30, size 1 (%u exits)", n);
	if (!ok(total == 5 && !memcmp(out, "HELLO", 5),
		"rep outsb: 5 bytes in all, \"HELLO\""))
		diag("  %u bytes: \"%.*s\"", total, (int)total, out);
	ok(split_is(counts, n, outsb_split, ARRAY_SIZE(outsb_split)),
	   "rep outsb of 5: one exit per byte, count 1 each (kvm-intel)");
	vcpu_get_regs(v, &regs);
	ok(check_u64("rsi", regs.rsi, DATA_GPA + 0x105) &
	   check_u64("rcx", regs.rcx, 3),
	   "rep outsb: ESI advanced by 5 (ECX already 3 for rep insw)");

	/* rep insw: the first exit is already in hand. */
	n = total = 0;
	fields_good = 1;
	for (;;) {
		unsigned int i;

		if (r || run->exit_reason != KVM_EXIT_IO ||
		    run->io.direction != KVM_EXIT_IO_IN || run->io.port != 0x32)
			break;
		fields_good &= check_u64("io.size", run->io.size, 2);
		if (n >= ARRAY_SIZE(counts) || total + run->io.count > 3) {
			fields_good = 0;
			diag("  more than 3 words asked for");
			break;
		}
		counts[n++] = run->io.count;
		for (i = 0; i < run->io.count; i++, word += 0x202)
			memcpy((char *)run + run->io.data_offset + 2 * i,
			       &word, 2);
		total += run->io.count;
		r = vcpu_run(v);
	}
	ok(fields_good && n > 0,
	   "rep insw: KVM_EXIT_IO in, port 0x32, size 2 (%u exits)", n);
	ok(total == 3, "rep insw: 3 words asked for in all (%u)", total);
	ok(split_is(counts, n, insw_split, ARRAY_SIZE(insw_split)),
	   "rep insw of 3: one exit with count 3 (kvm-intel)");
	ok(check_u64("word 0", *(__u16 *)gpa_ptr(v->vm, DATA_GPA + 0x200),
		     0xa1a0) &
	   check_u64("word 1", *(__u16 *)gpa_ptr(v->vm, DATA_GPA + 0x202),
		     0xa3a2) &
	   check_u64("word 2", *(__u16 *)gpa_ptr(v->vm, DATA_GPA + 0x204),
		     0xa5a4),
	   "rep insw: the 3 words landed at ES:EDI");
	ok(check_u64("edi", guest_read32(v->vm, DATA_GPA + 0x300),
		     DATA_GPA + 0x206) &
	   check_u64("ecx", guest_read32(v->vm, DATA_GPA + 0x304), 0),
	   "rep insw: EDI advanced by 6, ECX 0");

	/* rep insb of 2000 bytes, byte i = i * 7; its first exit is in hand. */
	n = total = 0;
	fields_good = 1;
	for (;;) {
		unsigned int i;

		if (r || run->exit_reason != KVM_EXIT_IO ||
		    run->io.direction != KVM_EXIT_IO_IN || run->io.port != 0x34)
			break;
		fields_good &= check_u64("io.size", run->io.size, 1);
		if (n >= ARRAY_SIZE(counts) ||
		    total + run->io.count > INSB_COUNT) {
			fields_good = 0;
			diag("  more than %d bytes asked for", INSB_COUNT);
			break;
		}
		counts[n++] = run->io.count;
		for (i = 0; i < run->io.count; i++)
			((__u8 *)run + run->io.data_offset)[i] = (total + i) * 7;
		total += run->io.count;
		r = vcpu_run(v);
	}
	ok(fields_good && total == INSB_COUNT,
	   "rep insb: KVM_EXIT_IO in, port 0x34, size 1, %d bytes in all (%u)",
	   INSB_COUNT, total);
	ok(split_is(counts, n, insb_split, ARRAY_SIZE(insb_split)),
	   "rep insb of 2000 at 256 bytes below a page end: 256, 1024, 720 (kvm-intel)");
	ok_exit(v, r, KVM_EXIT_HLT, "rep insb: then KVM_EXIT_HLT");
	for (good = 1, n = 0; n < INSB_COUNT; n++)
		if (*(__u8 *)gpa_ptr(v->vm, INSB_GPA + n) != (__u8)(n * 7)) {
			diag("  byte %u is %#x, expected %#x", n,
			     *(__u8 *)gpa_ptr(v->vm, INSB_GPA + n),
			     (__u8)(n * 7));
			good = 0;
			break;
		}
	ok(good, "rep insb: the 2000 bytes landed in order across the page boundary");
	guest_destroy(v);
}

/* ---- CPUID ------------------------------------------------------------------- */

#define CPUID_CHECKS	6
#define CPUID_1_ECX_VMX		(1U << 5)
#define CPUID_1_ECX_HYPERVISOR	(1U << 31)

asm(".pushsection .rodata\n"
	".code64\n"
	".global g_cpuid_start, g_cpuid_end\n"
	"g_cpuid_start:\n"
	"	mov $1, %eax\n"
	"	xor %ecx, %ecx\n"
	"	cpuid\n"
	"	mov %ecx, " XSTR(DATA_GPA) "\n"
	"	hlt\n"
	"g_cpuid_end:\n"
	".popsection\n");
extern const unsigned char g_cpuid_start[], g_cpuid_end[];

/* Run the CPUID guest with @table; CPUID.1:ECX as the guest saw it. */
static int cpuid_guest(struct kvm_cpuid2 *table, const char *what, __u32 *ecx)
{
	struct vcpu *v = guest(MODE_LONG64, g_cpuid_start, g_cpuid_end);
	int pass;

	if (!v || vcpu_set_cpuid(v, table)) {
		ok(0, "%s: could not set up the VM", what);
		guest_destroy(v);
		return 0;
	}
	pass = run_expect(v, KVM_EXIT_HLT,
			  "%s: CPUID handled in the kernel, then KVM_EXIT_HLT",
			  what);
	*ecx = guest_read32(v->vm, DATA_GPA);
	guest_destroy(v);
	return pass;
}

static void test_cpuid(void)
{
	struct kvm_cpuid_entry2 *leaf1;
	struct kvm_cpuid2 *table;
	__u32 ecx = 0, table_ecx;

	if (!kvm_cap(kvm_fd, KVM_CAP_EXT_CPUID)) {
		skip_n(CPUID_CHECKS, "device lacks KVM_CAP_EXT_CPUID", "CPUID");
		return;
	}
	table = kvm_supported_cpuid(kvm_fd);
	leaf1 = table ? cpuid_find(table, 1, 0) : NULL;
	if (!ok(leaf1 != NULL, "KVM_GET_SUPPORTED_CPUID has leaf 1")) {
		fail_n(CPUID_CHECKS - 1, "CPUID");
		free(table);
		return;
	}
	table_ecx = leaf1->ecx;
	diag("supported CPUID.1:ECX %#x: hypervisor bit %u, VMX %u",
	     table_ecx, !!(table_ecx & CPUID_1_ECX_HYPERVISOR),
	     !!(table_ecx & CPUID_1_ECX_VMX));

	/* The table as the device gave it: the guest sees those bits. */
	cpuid_guest(table, "CPUID, the supported table", &ecx);
	ok(check_u64("hypervisor bit", !!(ecx & CPUID_1_ECX_HYPERVISOR),
		     !!(table_ecx & CPUID_1_ECX_HYPERVISOR)) &
	   check_u64("VMX bit", !!(ecx & CPUID_1_ECX_VMX),
		     !!(table_ecx & CPUID_1_ECX_VMX)),
	   "CPUID, the supported table: the guest's hypervisor and VMX bits are the table's");

	/* As QEMU does: the hypervisor bit on, VMX off. */
	leaf1->ecx = (table_ecx | CPUID_1_ECX_HYPERVISOR) & ~CPUID_1_ECX_VMX;
	ecx = 0;
	cpuid_guest(table, "CPUID, hypervisor bit set, VMX cleared", &ecx);
	if (!ok(ecx & CPUID_1_ECX_HYPERVISOR,
		"the guest sees the hypervisor bit CPUID.1:ECX[31]"))
		diag("  CPUID.1:ECX %#x", ecx);
	if (!ok(!(ecx & CPUID_1_ECX_VMX),
		"VMX (CPUID.1:ECX[5]) is hidden from the guest"))
		diag("  CPUID.1:ECX %#x", ecx);
	free(table);
}

/* ---- MMIO -------------------------------------------------------------------- */

static const struct mmio_step {
	__u8 is_write;
	__u8 len;
	__u16 off;		/* from MMIO_GPA */
	__u64 data;		/* write: expected; read: supplied */
	size_t reg;		/* read: the register it lands in */
	__u64 reg_want;
	const char *what;
} mmio_steps[] = {
#define W(len, off, data, what) { 1, len, off, data, 0, 0, what }
#define R(len, off, data, reg, want, what) \
	{ 0, len, off, data, offsetof(struct kvm_regs, reg), want, what }
	W(1, 0x00, 0x88, "mov %al, (mmio)"),
	W(2, 0x02, 0x7788, "mov %ax, (mmio)"),
	W(4, 0x04, 0x55667788, "mov %eax, (mmio)"),
	W(8, 0x08, 0x1122334455667788ULL, "mov %rax, (mmio)"),
	R(1, 0x10, 0xa1, r8, 0xffffffffffffffa1ULL, "mov (mmio), %r8b"),
	R(2, 0x12, 0xb2b1, r9, 0xffffffffffffb2b1ULL, "mov (mmio), %r9w"),
	R(4, 0x14, 0xc4c3c2c1, r10, 0xc4c3c2c1ULL, "mov (mmio), %r10d"),
	R(8, 0x18, 0xd8d7d6d5d4d3d2d1ULL, r11, 0xd8d7d6d5d4d3d2d1ULL,
	  "mov (mmio), %r11"),
	R(1, 0x20, 0x80, r12, 0x80, "movzbl (mmio), %r12d"),
	R(2, 0x22, 0x8001, r13, 0x8001, "movzwq (mmio), %r13"),
	R(1, 0x24, 0x80, r14, 0xffffffffffffff80ULL, "movsbq (mmio), %r14"),
	R(2, 0x26, 0x8001, r15, 0xffff8001ULL, "movswl (mmio), %r15d"),
	R(4, 0x28, 0x80000000, rsi, 0xffffffff80000000ULL,
	  "movslq (mmio), %rsi"),
	W(1, 0x30, 0x5a, "movb $0x5a, (mmio)"),
	W(4, 0x34, 0x12345678, "movl $0x12345678, (mmio)"),
	W(8, 0x38, 0xfffffffffffffffeULL, "movq $-2, (mmio)"),
	W(4, 0x40, 0xcafebabe, "stosl"),
	W(8, 0x44, 0x0123456789abcdefULL, "stosq"),
#undef W
#undef R
};

#define NR_MMIO_READS	9
#define MMIO_CHECKS	(ARRAY_SIZE(mmio_steps) + NR_MMIO_READS + 3)

static void check_mmio_load(struct vcpu *v, const struct mmio_step *s)
{
	struct kvm_regs regs;
	__u64 got;

	vcpu_get_regs(v, &regs);
	memcpy(&got, (char *)&regs + s->reg, sizeof(got));
	ok_u64("the register", got, s->reg_want,
	       "MMIO %s: the register got %#llx", s->what,
	       (unsigned long long)s->reg_want);
}

static void test_mmio(void)
{
	struct vcpu *v = guest(MODE_LONG64, g_mmio_start, g_mmio_end);
	int rip_good = 1, good;
	struct kvm_regs regs;
	struct kvm_run *run;
	__u64 data, want_rip;
	size_t i;
	int r;

	if (!v) {
		fail_n(MMIO_CHECKS, "MMIO");
		return;
	}
	run = v->run;
	if (NR_MARKS(mmio) != ARRAY_SIZE(mmio_steps))
		tap_bail("%zu marks for %zu MMIO steps", NR_MARKS(mmio),
			 ARRAY_SIZE(mmio_steps));
	for (i = 0; i < ARRAY_SIZE(mmio_steps); i++) {
		const struct mmio_step *s = &mmio_steps[i];

		r = vcpu_run(v);
		if (i && !mmio_steps[i - 1].is_write)
			check_mmio_load(v, &mmio_steps[i - 1]);
		good = exit_is(v, r, KVM_EXIT_MMIO);
		if (good) {
			data = 0;
			memcpy(&data, run->mmio.data, s->len);
			good &= check_u64("mmio.phys_addr", run->mmio.phys_addr,
					  MMIO_GPA + s->off);
			good &= check_u64("mmio.len", run->mmio.len, s->len);
			good &= check_u64("mmio.is_write", run->mmio.is_write,
					  s->is_write);
			if (s->is_write)
				good &= check_u64("mmio.data", data, s->data);
		}
		ok(good, "MMIO %s: KVM_EXIT_MMIO %s of %u bytes at %#llx%s",
		   s->what, s->is_write ? "write" : "read", s->len,
		   (unsigned long long)MMIO_GPA + s->off,
		   s->is_write ? " with its data" : "");
		/*
		 * kvm-intel: a write has been executed when it exits (RIP
		 * after the instruction, STOS's RDI advanced); a read
		 * waits for its data (RIP at the instruction).
		 */
		want_rip = GUEST_ADDR(g_mmio_start, s->is_write ?
				      g_marks_mmio[i].end : g_marks_mmio[i].start);
		vcpu_get_regs(v, &regs);
		if (regs.rip != want_rip) {
			diag("  %s: rip %#llx, expected %#llx", s->what,
			     (unsigned long long)regs.rip,
			     (unsigned long long)want_rip);
			rip_good = 0;
		}
		if (!s->is_write)
			memcpy(run->mmio.data, &s->data, s->len);
	}
	ok(rip_good, "MMIO: RIP after a write, at a read when they exit (kvm-intel)");
	vcpu_get_regs(v, &regs);
	ok_u64("rdi", regs.rdi, MMIO_GPA + 0x4c,
	       "MMIO stosl, stosq: RDI advanced by 4 and 8");
	run_expect(v, KVM_EXIT_HLT, "MMIO: KVM_EXIT_HLT after the last one");
	guest_destroy(v);
}

/* ---- a read-only slot -------------------------------------------------------- */

#define RO_CHECKS	4

static void test_readonly(void)
{
	struct vcpu *v;
	unsigned char *ro;
	int good, r;

	if (!kvm_cap(kvm_fd, KVM_CAP_READONLY_MEM)) {
		skip_n(RO_CHECKS, "device lacks KVM_CAP_READONLY_MEM",
		       "read-only slot");
		return;
	}
	v = guest(MODE_LONG64, g_ro_start, g_ro_end);
	ro = v ? vm_add_mem(v->vm, 1, RO_GPA, PAGE_SIZE_4K,
			    KVM_MEM_READONLY) : NULL;
	if (!ro) {
		fail_n(RO_CHECKS, "read-only slot");
		guest_destroy(v);
		return;
	}
	memcpy(ro, "\xde\xc0\xad\x0b\0\0\0\0\xaa\x55\xaa\x55", 12);

	r = vcpu_run(v);
	good = exit_is(v, r, KVM_EXIT_MMIO);
	if (good) {
		__u32 data = 0;

		memcpy(&data, v->run->mmio.data, 4);
		good &= check_u64("mmio.phys_addr", v->run->mmio.phys_addr,
				  RO_GPA + 8);
		good &= check_u64("mmio.len", v->run->mmio.len, 4);
		good &= check_u64("mmio.is_write", v->run->mmio.is_write, 1);
		good &= check_u64("mmio.data", data, 0x11223344);
		good &= check_u64("rip", vcpu_rip(v),
				  GUEST_ADDR(g_ro_start, g_marks_ro[0].end));
	}
	ok(good, "a write to a KVM_MEM_READONLY slot: KVM_EXIT_MMIO write with its data");
	run_expect(v, KVM_EXIT_HLT, "read-only slot: then KVM_EXIT_HLT");
	ok(check_u64("read of RO_GPA", guest_read32(v->vm, DATA_GPA),
		     0x0badc0de) &
	   check_u64("read of RO_GPA + 8", guest_read32(v->vm, DATA_GPA + 4),
		     0x55aa55aa),
	   "reads from the read-only slot read its memory, without an exit");
	ok_u64("RO_GPA + 8", *(__u32 *)(ro + 8), 0x55aa55aa,
	       "the write did not reach the read-only memory");
	munmap(ro, PAGE_SIZE_4K);
	guest_destroy(v);
}

/* ---- triple fault ------------------------------------------------------------ */

#define TF_CHECKS	2

static void test_triple_fault(void)
{
	struct vcpu *v = guest(MODE_PROT32, g_tf_ud_start, g_tf_ud_end);

	if (v)
		run_expect(v, KVM_EXIT_SHUTDOWN,
			   "ud2 with an empty IDT (32-bit): triple fault, KVM_EXIT_SHUTDOWN");
	else
		fail_n(1, "triple fault");
	guest_destroy(v);

	v = guest(MODE_LONG64, g_x64_start, g_x64_end);
	if (v && !vcpu_set_rip(v, GUEST_ADDR(g_x64_start, g_x64_int3)))
		run_expect(v, KVM_EXIT_SHUTDOWN,
			   "int3 with an empty IDT (64-bit): triple fault, KVM_EXIT_SHUTDOWN");
	else
		fail_n(1, "triple fault");
	guest_destroy(v);
}

/* ---- instructions the kernel handles ----------------------------------------- */

/*
 * A 64-bit guest at @entry with #GP and #UD handlers; DATA+0..0x2f filled
 * with SENTINEL.  Runs it and checks for KVM_EXIT_HLT (one result).
 */
static struct vcpu *x64_run(const unsigned char *entry, const char *what,
			    struct kvm_cpuid2 *cpuid)
{
	struct vcpu *v = guest(MODE_LONG64, g_x64_start, g_x64_end);
	unsigned int i;

	if (!v || (cpuid && vcpu_set_cpuid(v, cpuid)) ||
	    vcpu_set_idt_gate(v, MODE_LONG64, 6,
			      GUEST_ADDR(g_x64_start, g_x64_ud)) ||
	    vcpu_set_idt_gate(v, MODE_LONG64, 13,
			      GUEST_ADDR(g_x64_start, g_x64_gp)) ||
	    vcpu_set_rip(v, GUEST_ADDR(g_x64_start, entry))) {
		ok(0, "%s: could not set up the VM", what);
		guest_destroy(v);
		return NULL;
	}
	for (i = 0; i < 6; i++)
		guest_write64(v->vm, DATA_GPA + i * 8, SENTINEL);
	run_expect(v, KVM_EXIT_HLT, "%s: KVM_EXIT_HLT (no exit before)", what);
	return v;
}

/* The guest took exception @vector at @insn (one result). */
static void ok_fault(struct vcpu *v, unsigned int vector, __u64 err,
		     const unsigned char *insn, const char *what)
{
	struct vm *vm = v ? v->vm : NULL;

	if (!vm) {
		ok(0, "%s: no VM", what);
		return;
	}
	ok(check_u64("vector", guest_read64(vm, DATA_GPA), vector) &
	   check_u64("error code", guest_read64(vm, DATA_GPA + 8), err) &
	   check_u64("faulting RIP", guest_read64(vm, DATA_GPA + 0x10),
		     GUEST_ADDR(g_x64_start, insn)),
	   "%s: exception %u (error code %llu) at the instruction", what,
	   vector, (unsigned long long)err);
}

/* The guest reached its end without an exception (one result). */
static int ok_done(struct vcpu *v, const char *what)
{
	if (!v) {
		ok(0, "%s: no VM", what);
		return 0;
	}
	return ok(check_u64("vector (SENTINEL: none)",
			    guest_read64(v->vm, DATA_GPA), SENTINEL) &
		  check_u64("DONE", guest_read64(v->vm, DONE), 1),
		  "%s: no exception, the guest went on", what);
}

#define X64_CHECKS	(2 + 2 + 3 + 3 + 3 + 2 + 2 + 4 + 2)

static void test_msr(void)
{
	struct kvm_cpuid_entry2 *e;
	struct kvm_cpuid2 *cpuid;
	struct vcpu *v;
	__u64 fc;

	/* An MSR that does not exist: #GP(0), as on hardware. */
	v = x64_run(g_x64_rdmsr_bad, "rdmsr 0xdeadbeef", NULL);
	ok_fault(v, 13, 0, g_x64_rdmsr_bad_insn, "rdmsr 0xdeadbeef");
	guest_destroy(v);
	v = x64_run(g_x64_wrmsr_bad, "wrmsr 0xdeadbeef", NULL);
	ok_fault(v, 13, 0, g_x64_wrmsr_bad_insn, "wrmsr 0xdeadbeef");
	guest_destroy(v);

	/*
	 * IA32_FEATURE_CONTROL.  kvm-intel (6.1): readable, no #GP, 0 until
	 * the VMM writes it with KVM_SET_MSRS.
	 */
	v = x64_run(g_x64_rdmsr_fc, "rdmsr IA32_FEATURE_CONTROL", NULL);
	ok_done(v, "rdmsr IA32_FEATURE_CONTROL");
	fc = v ? guest_read64(v->vm, DATA_GPA + 0x20) : SENTINEL;
	ok_u64("IA32_FEATURE_CONTROL", fc, 0,
	       "rdmsr IA32_FEATURE_CONTROL reads 0, not the host's value (kvm-intel)");
	guest_destroy(v);

	/* The SYSENTER MSRs round-trip. */
	v = x64_run(g_x64_msr_rt, "wrmsr/rdmsr IA32_SYSENTER_CS, _ESP", NULL);
	ok_u64("IA32_SYSENTER_CS", v ? guest_read64(v->vm, DATA_GPA + 0x20) : 0,
	       0x1234, "IA32_SYSENTER_CS (0x174) reads back 0x1234");
	ok_u64("IA32_SYSENTER_ESP", v ? guest_read64(v->vm, DATA_GPA + 0x28) : 0,
	       0x7fff12345678ULL,
	       "IA32_SYSENTER_ESP (0x175) reads back 0x7fff12345678");
	guest_destroy(v);

	/* IA32_TSC_AUX, where the guest's CPUID allows it (RDTSCP). */
	cpuid = kvm_cap(kvm_fd, KVM_CAP_EXT_CPUID) ?
		kvm_supported_cpuid(kvm_fd) : NULL;
	e = cpuid ? cpuid_find(cpuid, 0x80000001, 0) : NULL;
	if (!e || !(e->edx & (1U << 27))) {
		skip_n(3, cpuid ? "the device's CPUID lacks RDTSCP" :
		       "device lacks KVM_CAP_EXT_CPUID", "IA32_TSC_AUX");
	} else {
		v = x64_run(g_x64_tsc_aux, "IA32_TSC_AUX", cpuid);
		ok_u64("IA32_TSC_AUX", v ? guest_read64(v->vm, DATA_GPA + 0x20) : 0,
		       0x12345678, "IA32_TSC_AUX (0xc0000103) reads back");
		ok_u64("rdtscp ecx", v ? guest_read32(v->vm, DATA_GPA + 0x28) : 0,
		       0x12345678, "RDTSCP returns IA32_TSC_AUX in ECX");
		guest_destroy(v);
	}
	free(cpuid);
}

static void test_misc_insns(void)
{
	struct kvm_cpuid_entry2 *e;
	struct kvm_cpuid2 *cpuid;
	struct kvm_sregs sregs;
	struct vcpu *v;

	/* kvm-intel answers a hypercall it does not know with -KVM_ENOSYS. */
	v = x64_run(g_x64_vmcall, "vmcall 0x1234", NULL);
	ok_u64("rax", v ? guest_read64(v->vm, DATA_GPA + 0x20) : 0,
	       (__u64)KVM_ENOSYS_RET,
	       "vmcall 0x1234: RAX = -KVM_ENOSYS (-1000), the guest goes on");
	guest_destroy(v);

	v = x64_run(g_x64_invd, "invd", NULL);
	ok_done(v, "invd");
	guest_destroy(v);

	/* XSETBV, where the guest's CPUID has XSAVE. */
	cpuid = kvm_cap(kvm_fd, KVM_CAP_EXT_CPUID) ?
		kvm_supported_cpuid(kvm_fd) : NULL;
	e = cpuid ? cpuid_find(cpuid, 1, 0) : NULL;
	if (!e || !(e->ecx & (1U << 26))) {
		skip_n(4, cpuid ? "the device's CPUID lacks XSAVE" :
		       "device lacks KVM_CAP_EXT_CPUID", "xsetbv");
	} else {
		v = x64_run(g_x64_xsetbv, "CR4.OSXSAVE, xsetbv XCR0=3", cpuid);
		ok_u64("xgetbv", v ? guest_read64(v->vm, DATA_GPA + 0x20) : 0,
		       3, "xsetbv XCR0 = x87|SSE, xgetbv reads 3");
		ok_u64("CPUID.1:ECX.OSXSAVE",
		       v ? (guest_read32(v->vm, DATA_GPA + 0x28) >> 27) & 1 : 0,
		       1, "CPUID.1:ECX.OSXSAVE follows CR4.OSXSAVE");
		if (v)
			vcpu_get_sregs(v, &sregs);
		ok_u64("cr4.OSXSAVE", v ? !!(sregs.cr4 & X86_CR4_OSXSAVE) : 0,
		       1, "KVM_GET_SREGS shows CR4.OSXSAVE");
		guest_destroy(v);
	}
	free(cpuid);

	/* VMXON with CR4.VMXE clear is #UD, whatever CPUID says. */
	v = x64_run(g_x64_vmxon, "vmxon", NULL);
	ok_fault(v, 6, 0, g_x64_vmxon_insn, "vmxon with CR4.VMXE=0");
	guest_destroy(v);
}

int main(int argc, char **argv)
{
	const char *path = kvm_device_path(argc, argv);

	kvm_fd = kvm_open_dev(path);
	kvm_watchdog(300);
	tap_plan(IO_CHECKS + REP_CHECKS + CPUID_CHECKS + MMIO_CHECKS +
		 RO_CHECKS + TF_CHECKS + X64_CHECKS);
	diag("device %s", path);

	test_port_io();
	test_string_io();
	test_cpuid();
	test_mmio();
	test_readonly();
	test_triple_fault();
	test_msr();
	test_misc_insns();

	close(kvm_fd);
	return tap_exit();
}

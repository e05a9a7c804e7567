// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_hostile: guests and a VMM that try to crash, hang or fool the host.
 *
 *   kvm_hostile [DEVICE]	(default $VTX_DEVICE, else /dev/vtx)
 *
 * - An #AC whose delivery raises #AC again (CVE-2015-5307) and a #DB
 *   whose delivery hits a data breakpoint (CVE-2015-8104): on a CPU that
 *   lets the guest take them itself, the CPU loops in microcode and the
 *   host hangs.  Here KVM_RUN must come back: kvm-intel reports the
 *   exception during delivery as KVM_INTERNAL_ERROR_SIMUL_EX.
 * - #DB reflected as the CPU would deliver it: single-step and ICEBP,
 *   with DR6 and the return RIP the guest's handler sees; a #DB through
 *   a broken IDT is a triple fault.
 * - Values the CPU refuses with #GP, which the hypervisor loads for the
 *   guest: XSETBV (XCR0 component rules, SDM Vol. 1 13.3) and MOV to
 *   CR4 (PCIDE outside long mode, CET, PKS, FRED, LA57 toggled in long
 *   mode, PAE cleared in long mode).
 * - An exception injected in real mode carries no error code.
 * - prctl(PR_SET_TSC, PR_TSC_SIGSEGV) between two KVM_RUNs on one CPU:
 *   RDTSC in the VMM must then raise SIGSEGV (the hypervisor restores
 *   the kernel's current CR4 after a VM exit, not the one it saw first).
 *
 * kvm-intel is the reference; "(vtx)" marks the answers the top README
 * lists as differences.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <time.h>
#include <sys/prctl.h>
#include <x86intrin.h>

#include "kvm_util.h"

#define COUNT		(DATA_GPA + 0x10)	/* exceptions taken */
#define SENTINEL	0xa5a5a5a5a5a5a5a5ULL
/* Ring-3 segments for the #AC guest, after the GDT of kvm_util.h. */
#define GDT_UCODE32	0x48
#define GDT_UDATA32	0x50
#define GDT_LIMIT_USER	0x57

/* ---- the guests ------------------------------------------------------------ */

asm(".pushsection .rodata\n"
	/*
	 * CVE-2015-5307, 32-bit: CR0.AM on, IRET to ring 3 with EFLAGS.AC
	 * and an odd ESP; the push there raises #AC, whose gate leads to
	 * ring 3 as well (no stack switch), so delivering it pushes onto
	 * the odd stack and raises #AC again, and again.
	 */
	".global g_ac_start, g_ac_end, g_ac_handler\n"
	".code32\n"
	"g_ac_start:\n"
	"	mov %cr0, %eax\n"
	"	or $0x40000, %eax\n"			/* CR0.AM */
	"	mov %eax, %cr0\n"
	"	push $" XSTR(GDT_UDATA32) " + 3\n"	/* SS */
	"	push $0x5001\n"				/* ESP: odd */
	"	push $0x40202\n"			/* EFLAGS: AC, IF */
	"	push $" XSTR(GDT_UCODE32) " + 3\n"	/* CS */
	"	push $" XSTR(CODE_GPA) " + (1f - g_ac_start)\n"
	"	iret\n"
	"1:	push %eax\n"				/* #AC */
	"	jmp 1b\n"
	"g_ac_handler:\n"				/* never completes */
	"	jmp g_ac_handler\n"
	"g_ac_end:\n"

	/* Single-step into a broken IDT (limit 0): a triple fault. */
	".global g_dbtf_start, g_dbtf_end, g_dbtf_icebp\n"
	"g_dbtf_start:\n"
	"	pushf\n"
	"	orl $0x100, (%esp)\n"
	"	popf\n"
	"	nop\n"
	"	hlt\n"
	"g_dbtf_icebp:\n"
	"	.byte 0xf1\n"
	"	hlt\n"
	"g_dbtf_end:\n"

	/*
	 * Control registers, 32-bit: each MOV to CR4 below must #GP; the
	 * #GP handler counts at COUNT and skips the 3-byte MOV.
	 */
	".global g_cr4_32_start, g_cr4_32_end, g_cr4_32_gp\n"
	"g_cr4_32_start:\n"
	"	mov %cr4, %ebx\n"
	"	mov %ebx, %eax\n"
	"	or $0x20000, %eax\n"			/* PCIDE, no long mode */
	"	mov %eax, %cr4\n"
	"	mov %ebx, %eax\n"
	"	or $0x800000, %eax\n"			/* CET */
	"	mov %eax, %cr4\n"
	"	mov %ebx, %eax\n"
	"	or $0x1000000, %eax\n"			/* PKS */
	"	mov %eax, %cr4\n"
	"	mov %cr4, %eax\n"
	"	mov %eax, " XSTR(DATA_GPA) " + 8\n"
	"	hlt\n"
	"g_cr4_32_gp:\n"
	"	incl " XSTR(COUNT) "\n"
	"	addl $3, 4(%esp)\n"
	"	add $4, %esp\n"
	"	iret\n"
	"g_cr4_32_end:\n"

	/* Real mode: WRMSR of an MSR nobody has, #GP through the IVT. */
	".code16\n"
	".global g_rm_start, g_rm_end, g_rm_gp, g_rm_wrmsr\n"
	"g_rm_start:\n"
	"	mov $0xdeadbeef, %ecx\n"
	"	xor %eax, %eax\n"
	"	xor %edx, %edx\n"
	"g_rm_wrmsr:\n"
	"	wrmsr\n"
	"	hlt\n"
	"g_rm_gp:\n"
	"	mov %sp, " XSTR(DATA_GPA) "\n"
	"	mov %sp, %bx\n"
	"	mov (%bx), %ax\n"			/* the IP pushed */
	"	mov %ax, " XSTR(DATA_GPA) " + 2\n"
	"	hlt\n"
	"g_rm_end:\n"

	".code64\n"
	/*
	 * 64-bit: the #DB handler stores DR6 at DATA+0 and the RIP it
	 * returns to at DATA+8, counts at COUNT, clears TF and returns.
	 */
	".global g_x64_start, g_x64_end, g_x64_db, g_x64_gp\n"
	".global g_x64_tf, g_x64_tf_after, g_x64_icebp, g_x64_icebp_after\n"
	".global g_x64_cr4, g_x64_xsetbv, g_x64_dbloop\n"
	"g_x64_start:\n"
	"g_x64_db:\n"
	"	mov %dr6, %rax\n"
	"	mov %rax, " XSTR(DATA_GPA) "\n"
	"	mov (%rsp), %rax\n"
	"	mov %rax, " XSTR(DATA_GPA) " + 8\n"
	"	incq " XSTR(COUNT) "\n"
	"	andq $~0x100, 16(%rsp)\n"
	"	iretq\n"
	/* #GP: counts, records the vector, skips a 3-byte instruction. */
	"g_x64_gp:\n"
	"	incq " XSTR(COUNT) "\n"
	"	movq $13, " XSTR(DATA_GPA) " + 0x18\n"
	"	addq $3, 8(%rsp)\n"
	"	add $8, %rsp\n"
	"	iretq\n"
	/*
	 * Touch the pages #DB delivery reads and writes first (the IDT,
	 * the GDT for the gate's code segment, the stack): this
	 * checks how #DB is reflected, not how an event whose delivery
	 * meets guest RAM not yet mapped is re-delivered (IDT-vectoring
	 * information, SDM 28.2.4: a trap-like #DB lost there is not
	 * raised again, unlike a fault).
	 */
	"g_x64_touch:\n"
	"	mov " XSTR(IDT_GPA) " + 16, %rax\n"
	"	mov " XSTR(GDT_GPA) " + " XSTR(GDT_CODE64) ", %rax\n"
	"	ret\n"
	"g_x64_tf:\n"
	"	call g_x64_touch\n"
	"	pushf\n"
	"	orq $0x100, (%rsp)\n"
	"	popf\n"
	"	nop\n"
	"g_x64_tf_after:\n"
	"	hlt\n"
	"g_x64_icebp:\n"
	"	call g_x64_touch\n"
	"	.byte 0xf1\n"
	"g_x64_icebp_after:\n"
	"	hlt\n"
	/* MOV to CR4 in long mode: LA57 toggled, FRED, PAE cleared. */
	"g_x64_cr4:\n"
	"	mov %cr4, %rbx\n"
	"	mov %rbx, %rax\n"
	"	btc $12, %rax\n"
	"	mov %rax, %cr4\n"
	"	mov %rbx, %rax\n"
	"	bts $32, %rax\n"
	"	mov %rax, %cr4\n"
	"	mov %rbx, %rax\n"
	"	btr $5, %rax\n"
	"	mov %rax, %cr4\n"
	"	mov %cr4, %rax\n"
	"	mov %rax, " XSTR(DATA_GPA) " + 8\n"
	"	hlt\n"
	/*
	 * XSETBV of ECX = DATA+0x20, EDX:EAX = DATA+0x28 (xsetbv is 3
	 * bytes: a #GP skips it); XGETBV(0) to DATA+0x30 afterwards.
	 */
	"g_x64_xsetbv:\n"
	"	mov %cr4, %rax\n"
	"	bts $18, %rax\n"			/* OSXSAVE */
	"	mov %rax, %cr4\n"
	"	mov " XSTR(DATA_GPA) " + 0x20, %ecx\n"
	"	mov " XSTR(DATA_GPA) " + 0x28, %eax\n"
	"	mov " XSTR(DATA_GPA) " + 0x2c, %edx\n"
	"	xsetbv\n"
	"	xor %ecx, %ecx\n"
	"	xgetbv\n"
	"	mov %eax, " XSTR(DATA_GPA) " + 0x30\n"
	"	mov %edx, " XSTR(DATA_GPA) " + 0x34\n"
	"	hlt\n"
	/*
	 * CVE-2015-8104: a data breakpoint (DR0, write, 4 bytes) on the
	 * stack slot that #DB delivery writes first, then ICEBP.  Each
	 * delivery hits the breakpoint: another #DB, forever.
	 */
	"g_x64_dbloop:\n"
	"	call g_x64_touch\n"
	"	mov $" XSTR(STACK_TOP) " - 8, %rax\n"
	"	mov %rax, %dr0\n"
	"	mov $0xd0403, %rax\n"		/* L0 G0, RW0 = 01, LEN0 = 11 */
	"	mov %rax, %dr7\n"
	"	.byte 0xf1\n"
	"	hlt\n"
	/*
	 * A split lock: a locked add across a 64-byte line, the guest not
	 * asking for alignment checks.  On a host with split-lock detection
	 * it raises #AC all the same (MSR_TEST_CTRL is not switched).
	 */
	".global g_x64_split\n"
	"g_x64_split:\n"
	"	lock incl " XSTR(DATA_GPA) " + 0x3e\n"
	"	hlt\n"
	"g_x64_end:\n"

	/* The VMM's side of PR_SET_TSC: the guest only exits, forever. */
	".code32\n"
	".global g_io_start, g_io_end\n"
	"g_io_start:\n"
	"1:	out %al, $0x80\n"
	"	jmp 1b\n"
	"g_io_end:\n"
	".code64\n"
	".popsection\n");

extern const unsigned char g_ac_start[], g_ac_end[], g_ac_handler[];
extern const unsigned char g_dbtf_start[], g_dbtf_end[], g_dbtf_icebp[];
extern const unsigned char g_cr4_32_start[], g_cr4_32_end[], g_cr4_32_gp[];
extern const unsigned char g_rm_start[], g_rm_end[], g_rm_gp[], g_rm_wrmsr[];
extern const unsigned char g_x64_start[], g_x64_end[], g_x64_db[], g_x64_gp[];
extern const unsigned char g_x64_tf[], g_x64_tf_after[];
extern const unsigned char g_x64_icebp[], g_x64_icebp_after[];
extern const unsigned char g_x64_cr4[], g_x64_xsetbv[], g_x64_dbloop[];
extern const unsigned char g_x64_split[];
extern const unsigned char g_io_start[], g_io_end[];

static int kvm_fd;
static int on_vtx;

/* A VM with slot 0, a vCPU in @mode, @start..@end at CODE_GPA. */
static struct vcpu *guest(enum guest_mode mode, const unsigned char *start,
			  const unsigned char *end)
{
	return guest_create(kvm_fd, mode, start, end);
}

/* A 64-bit guest at @entry with the #DB and #GP handlers above. */
static struct vcpu *x64_guest(const unsigned char *entry)
{
	struct vcpu *v = guest(MODE_LONG64, g_x64_start, g_x64_end);

	if (!v)
		return NULL;
	if (vcpu_set_idt_gate(v, MODE_LONG64, 1,
			      GUEST_ADDR(g_x64_start, g_x64_db)) ||
	    vcpu_set_idt_gate(v, MODE_LONG64, 13,
			      GUEST_ADDR(g_x64_start, g_x64_gp)) ||
	    vcpu_set_rip(v, GUEST_ADDR(g_x64_start, entry))) {
		guest_destroy(v);
		return NULL;
	}
	return v;
}

/* ---- CVE-2015-5307: #AC during #AC delivery -------------------------------- */

#define AC_CHECKS	2

static void test_ac_loop(void)
{
	struct vcpu *v = guest(MODE_PROT32, g_ac_start, g_ac_end);
	struct kvm_segment s;
	struct kvm_sregs sr;
	__u64 handler = GUEST_ADDR(g_ac_start, g_ac_handler);
	int r;

	if (!v) {
		fail_n(AC_CHECKS, "#AC loop");
		return;
	}
	/* Ring-3 flat code and data; a DPL 3 interrupt gate for #AC to them. */
	s = gdt_seg(GDT_CODE32);
	s.dpl = 3;
	guest_write64(v->vm, GDT_GPA + GDT_UCODE32, seg_descriptor(&s));
	s = gdt_seg(GDT_DATA32);
	s.dpl = 3;
	guest_write64(v->vm, GDT_GPA + GDT_UDATA32, seg_descriptor(&s));
	guest_write64(v->vm, IDT_GPA + 17 * 8,
		      (handler & 0xffff) | ((__u64)(GDT_UCODE32 | 3) << 16) |
		      (0xeeULL << 40) | ((handler >> 16) & 0xffff) << 48);
	if (vcpu_get_sregs(v, &sr)) {
		fail_n(AC_CHECKS, "#AC loop");
		guest_destroy(v);
		return;
	}
	sr.gdt.limit = GDT_LIMIT_USER;
	sr.idt.limit = 256 * 8 - 1;
	if (vcpu_set_sregs(v, &sr)) {
		fail_n(AC_CHECKS, "#AC loop");
		guest_destroy(v);
		return;
	}
	r = vcpu_run(v);
	ok(r == 0 || errno == EINTR,
	   "#AC whose delivery raises #AC (CVE-2015-5307): KVM_RUN came back");
	if (exit_is(v, r, KVM_EXIT_INTERNAL_ERROR))
		diag_exit(v->run);
	ok(r == 0 && v->run->exit_reason == KVM_EXIT_INTERNAL_ERROR &&
	   v->run->internal.suberror == KVM_INTERNAL_ERROR_SIMUL_EX,
	   "... KVM_EXIT_INTERNAL_ERROR, KVM_INTERNAL_ERROR_SIMUL_EX: an exception while delivering one (kvm-intel)");
	guest_destroy(v);
}

/*
 * The host's split-lock policy decides (handle_guest_split_lock()): with
 * the default "warn" the guest goes on; without detection (the Bochs PC)
 * there is no #AC at all.  Either way the add happens and the guest halts.
 */
#define SPLIT_CHECKS	2

static void test_split_lock(void)
{
	struct vcpu *v = x64_guest(g_x64_split);

	if (!v) {
		fail_n(SPLIT_CHECKS, "split lock");
		return;
	}
	guest_write32(v->vm, DATA_GPA + 0x3e, 41);
	run_expect(v, KVM_EXIT_HLT, "a guest split lock (lock incl across a cache line): HLT");
	ok_u64("the counter", guest_read32(v->vm, DATA_GPA + 0x3e), 42,
	       "a guest split lock: the locked add happened, no #AC reached the guest");
	guest_destroy(v);
}

/* ---- #DB --------------------------------------------------------------------- */

#define DB_CHECKS	(2 + 3 + 3 + 2)

static volatile sig_atomic_t ticks;

static void on_tick(int sig)
{
	(void)sig;
	ticks++;
}

static void test_db(void)
{
	struct vcpu *v;
	struct sigaction sa = { .sa_handler = on_tick };
	struct sigevent sev = {
		.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1,
	};
	struct itimerspec its = { .it_value.tv_sec = 2 };
	timer_t timer;
	int r;

	/* A broken IDT: single-step and ICEBP end in a triple fault. */
	v = guest(MODE_PROT32, g_dbtf_start, g_dbtf_end);
	if (v)
		run_expect(v, KVM_EXIT_SHUTDOWN,
			   "single-step with an IDT of limit 0: triple fault, KVM_EXIT_SHUTDOWN");
	else
		fail_n(1, "#DB, broken IDT");
	guest_destroy(v);
	v = guest(MODE_PROT32, g_dbtf_start, g_dbtf_end);
	if (v && !vcpu_set_rip(v, GUEST_ADDR(g_dbtf_start, g_dbtf_icebp)))
		run_expect(v, KVM_EXIT_SHUTDOWN,
			   "ICEBP with an IDT of limit 0: triple fault, KVM_EXIT_SHUTDOWN");
	else
		fail_n(1, "#DB, broken IDT");
	guest_destroy(v);

	/* Single-step: the trap after the instruction that follows POPF. */
	v = x64_guest(g_x64_tf);
	if (v) {
		run_expect(v, KVM_EXIT_HLT, "single-step #DB: the guest's handler ran, then HLT");
		ok_u64("DR6", guest_read64(v->vm, DATA_GPA), 0xffff4ff0,
		       "single-step #DB: DR6.BS set (0xffff4ff0)");
		ok(check_u64("#DB count", guest_read64(v->vm, COUNT), 1) &
		   check_u64("return RIP", guest_read64(v->vm, DATA_GPA + 8),
			     GUEST_ADDR(g_x64_start, g_x64_tf_after)),
		   "single-step #DB: once, after the instruction following POPF");
	} else {
		fail_n(3, "single-step #DB");
	}
	guest_destroy(v);

	/* ICEBP (INT1): a trap-like #DB after the instruction. */
	v = x64_guest(g_x64_icebp);
	if (v) {
		run_expect(v, KVM_EXIT_HLT, "ICEBP: the guest's #DB handler ran, then HLT");
		ok_u64("DR6", guest_read64(v->vm, DATA_GPA), 0xffff0ff0,
		       "ICEBP: DR6 as reset (0xffff0ff0), no cause bit");
		ok(check_u64("#DB count", guest_read64(v->vm, COUNT), 1) &
		   check_u64("return RIP", guest_read64(v->vm, DATA_GPA + 8),
			     GUEST_ADDR(g_x64_start, g_x64_icebp_after)),
		   "ICEBP: #DB once, returning after the ICEBP");
	} else {
		fail_n(3, "ICEBP");
	}
	guest_destroy(v);

	/*
	 * CVE-2015-8104.  Where the guest's breakpoints are live in the CPU
	 * (kvm-intel loads them), every #DB exits and the guest loops
	 * through exits until a signal ends KVM_RUN; vtx keeps the guest's
	 * debug registers as shadows (README), so its guest takes one #DB
	 * and halts.  Either way KVM_RUN must come back.
	 */
	v = x64_guest(g_x64_dbloop);
	if (!v || sigaction(SIGUSR1, &sa, NULL) ||
	    timer_create(CLOCK_MONOTONIC, &sev, &timer)) {
		fail_n(2, "#DB loop");
		guest_destroy(v);
		return;
	}
	timer_settime(timer, 0, &its, NULL);
	r = vcpu_run(v);
	timer_delete(timer);
	ok(r == 0 || errno == EINTR,
	   "#DB on a data breakpoint #DB delivery hits (CVE-2015-8104): KVM_RUN came back");
	diag("  KVM_RUN returned %d (%s), %s, %llu #DB in the guest, %d timer signal(s)",
	     r, r ? errno_name(errno) : "-", exit_name(v->run->exit_reason),
	     (unsigned long long)guest_read64(v->vm, COUNT), (int)ticks);
	if (on_vtx)
		ok((r == 0 && v->run->exit_reason == KVM_EXIT_HLT) ||
		   (r && errno == EINTR),
		   "... (vtx): one #DB, HLT (breakpoints stay shadows), or a signal");
	else
		ok((r && errno == EINTR) ||
		   (r == 0 && (v->run->exit_reason == KVM_EXIT_HLT ||
			       v->run->exit_reason == KVM_EXIT_INTERNAL_ERROR)),
		   "... a signal ended the loop, or the CPU took no breakpoint (HLT), or SIMUL_EX");
	guest_destroy(v);
}

/* ---- values the CPU would refuse ---------------------------------------------- */

#define CR4_CHECKS	4

static void test_cr4(void)
{
	struct kvm_sregs s;
	struct vcpu *v;

	v = guest(MODE_PROT32, g_cr4_32_start, g_cr4_32_end);
	if (v && !vcpu_set_idt_gate(v, MODE_PROT32, 13,
				    GUEST_ADDR(g_cr4_32_start, g_cr4_32_gp))) {
		run_expect(v, KVM_EXIT_HLT, "MOV to CR4, 32-bit: HLT at the end");
		vcpu_get_sregs(v, &s);
		ok(check_u64("#GP count", guest_read32(v->vm, COUNT), 3) &
		   check_u64("CR4 afterwards", guest_read32(v->vm, DATA_GPA + 8),
			     s.cr4),
		   "MOV to CR4 of PCIDE outside long mode, of CET, of PKS: #GP each, CR4 unchanged");
	} else {
		fail_n(2, "MOV to CR4, 32-bit");
	}
	guest_destroy(v);

	v = x64_guest(g_x64_cr4);
	if (v) {
		run_expect(v, KVM_EXIT_HLT, "MOV to CR4, 64-bit: HLT at the end");
		vcpu_get_sregs(v, &s);
		ok(check_u64("#GP count", guest_read32(v->vm, COUNT), 3) &
		   check_u64("CR4 afterwards", guest_read64(v->vm, DATA_GPA + 8),
			     s.cr4),
		   "MOV to CR4 in long mode toggling LA57, setting FRED, clearing PAE: #GP each");
	} else {
		fail_n(2, "MOV to CR4, 64-bit");
	}
	guest_destroy(v);
}

#define XSETBV_CASES	9
#define XSETBV_CHECKS	(2 * XSETBV_CASES)

static void test_xsetbv(void)
{
	static const struct {
		__u32 ecx;
		__u64 xcr0;
		const char *what;
	} bad[] = {
		{ 0, 0, "XCR0 = 0" },
		{ 0, 0x2, "XCR0 without x87" },
		{ 0, 0x5, "AVX without SSE" },
		{ 1, 0x1, "XCR1" },
		{ 0, 0x9, "BNDREGS without BNDCSR" },
		{ 0, 0x27, "opmask without ZMM_Hi256, Hi16_ZMM" },
		{ 0, 0xe3, "AVX-512 without AVX" },
		{ 0, 0x20003, "XTILECFG without XTILEDATA" },
	};
	struct kvm_cpuid_entry2 *e1, *ed;
	struct kvm_cpuid2 *cpuid;
	struct vcpu *v;
	unsigned int i;
	__u64 all;

	cpuid = kvm_cap(kvm_fd, KVM_CAP_EXT_CPUID) ?
		kvm_supported_cpuid(kvm_fd) : NULL;
	e1 = cpuid ? cpuid_find(cpuid, 1, 0) : NULL;
	ed = cpuid ? cpuid_find(cpuid, 0xd, 0) : NULL;
	if (!e1 || !(e1->ecx & (1U << 26)) || !ed) {
		skip_n(XSETBV_CHECKS, cpuid ?
		       "the device's CPUID lacks XSAVE (in the Bochs PC the kernel turns XSAVE off: needs real VT-x)" :
		       "device lacks KVM_CAP_EXT_CPUID", "xsetbv");
		free(cpuid);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		v = x64_guest(g_x64_xsetbv);
		if (!v || vcpu_set_cpuid(v, cpuid)) {
			fail_n(2, bad[i].what);
			guest_destroy(v);
			continue;
		}
		guest_write32(v->vm, DATA_GPA + 0x20, bad[i].ecx);
		guest_write64(v->vm, DATA_GPA + 0x28, bad[i].xcr0);
		run_expect(v, KVM_EXIT_HLT, "xsetbv %s: HLT", bad[i].what);
		ok(check_u64("#GP count", guest_read64(v->vm, COUNT), 1) &
		   check_u64("XCR0 afterwards", guest_read64(v->vm, DATA_GPA + 0x30), 1),
		   "xsetbv %s (ecx %u, %#llx): #GP, XCR0 stays x87", bad[i].what,
		   bad[i].ecx, (unsigned long long)bad[i].xcr0);
		guest_destroy(v);
	}
	/* Everything the device's CPUID offers is a valid XCR0. */
	all = ((__u64)ed->edx << 32 | ed->eax);
	v = x64_guest(g_x64_xsetbv);
	if (!v || vcpu_set_cpuid(v, cpuid)) {
		fail_n(2, "xsetbv of CPUID.0xD.0");
	} else {
		guest_write32(v->vm, DATA_GPA + 0x20, 0);
		guest_write64(v->vm, DATA_GPA + 0x28, all);
		run_expect(v, KVM_EXIT_HLT, "xsetbv of all CPUID.0xD.0 offers (%#llx): HLT",
			   (unsigned long long)all);
		ok(check_u64("#GP count", guest_read64(v->vm, COUNT), 0) &
		   check_u64("XCR0 afterwards", guest_read64(v->vm, DATA_GPA + 0x30), all),
		   "xsetbv of all CPUID.0xD.0 offers: no #GP, XGETBV reads it back");
	}
	guest_destroy(v);
	free(cpuid);
}

/* ---- real mode: no error code ------------------------------------------------ */

#define RM_CHECKS	2

static void test_real_mode_gp(void)
{
	struct vcpu *v = guest(MODE_REAL, g_rm_start, g_rm_end);
	__u64 handler = GUEST_ADDR(g_rm_start, g_rm_gp);

	if (!v) {
		fail_n(RM_CHECKS, "real-mode #GP");
		return;
	}
	guest_write32(v->vm, 13 * 4, (__u32)handler);	/* IVT: 0000:handler */
	run_expect(v, KVM_EXIT_HLT, "real mode, WRMSR 0xdeadbeef: #GP handler ran, HLT");
	ok(check_u64("SP in the handler", guest_read32(v->vm, DATA_GPA) & 0xffff,
		     STACK_TOP - 6) &
	   check_u64("IP pushed", guest_read32(v->vm, DATA_GPA + 2) & 0xffff,
		     GUEST_ADDR(g_rm_start, g_rm_wrmsr)),
	   "real-mode #GP: FLAGS, CS, IP pushed, no error code (SDM 26.2.1.3)");
	guest_destroy(v);
}

/* ---- PR_SET_TSC between two KVM_RUNs ------------------------------------------ */

#define TSC_CHECKS	4

static sigjmp_buf tsc_jmp;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(tsc_jmp, 1);
}

/* Does RDTSC in this process raise SIGSEGV right now? */
static int rdtsc_faults(void)
{
	struct sigaction sa = { .sa_handler = on_segv }, old;
	volatile int faulted = 0;

	sigaction(SIGSEGV, &sa, &old);
	if (sigsetjmp(tsc_jmp, 1))
		faulted = 1;
	else
		(void)__rdtsc();
	sigaction(SIGSEGV, &old, NULL);
	return faulted;
}

static void test_pr_set_tsc(void)
{
	struct vcpu *v;
	cpu_set_t set;
	int cpu = sched_getcpu();

	CPU_ZERO(&set);
	CPU_SET(cpu < 0 ? 0 : cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		skip_n(TSC_CHECKS, "sched_setaffinity failed", "PR_SET_TSC");
		return;
	}
	v = guest(MODE_PROT32, g_io_start, g_io_end);
	if (!v) {
		fail_n(TSC_CHECKS, "PR_SET_TSC");
		return;
	}
	/* The vCPU is loaded on this CPU with the CR4 of now. */
	run_expect(v, KVM_EXIT_IO, "PR_SET_TSC: first KVM_RUN, an I/O exit");
	if (prctl(PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0)) {
		skip_n(TSC_CHECKS - 1, "prctl(PR_SET_TSC) failed", "PR_SET_TSC");
		guest_destroy(v);
		return;
	}
	run_expect(v, KVM_EXIT_IO, "PR_SET_TSC(SIGSEGV), KVM_RUN on the same CPU: I/O exit");
	ok(rdtsc_faults(),
	   "after the VM exit, RDTSC in the VMM raises SIGSEGV (CR4.TSD the kernel's, not stale)");
	prctl(PR_SET_TSC, PR_TSC_ENABLE, 0, 0, 0);
	vcpu_run(v);
	ok(!rdtsc_faults(), "PR_SET_TSC(ENABLE), KVM_RUN again: RDTSC works");
	guest_destroy(v);
	CPU_ZERO(&set);
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

int main(int argc, char **argv)
{
	const char *path = kvm_device_path(argc, argv);

	kvm_fd = kvm_open_dev(path);
	on_vtx = kvm_path_is_vtx(path);
	kvm_watchdog(300);
	tap_plan(AC_CHECKS + DB_CHECKS + CR4_CHECKS + XSETBV_CHECKS +
		 RM_CHECKS + TSC_CHECKS + SPLIT_CHECKS);
	diag("device %s", path);

	test_ac_loop();
	test_db();
	test_cr4();
	test_xsetbv();
	test_real_mode_gp();
	test_pr_set_tsc();
	test_split_lock();

	close(kvm_fd);
	return tap_exit();
}

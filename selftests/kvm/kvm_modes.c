// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_modes: one guest per processor mode, each checked for its exit, its
 * registers and the memory it wrote.
 *
 *   kvm_modes [DEVICE]	(default $VTX_DEVICE, else /dev/vtx)
 *
 * Every guest loads DS itself (so that the segment load happens in the
 * guest), puts known values in the GPRs, writes a word of its own to
 * DATA_GPA + 0x10 (through DS base 0x7000 in the 16-bit modes, through the
 * page ALIAS_VA in the paging modes, which only page tables map there) and
 * executes HLT.  Then: KVM_EXIT_HLT, the GPRs, RIP just after the HLT, the
 * word, and CR0, CR4 and EFER as KVM_SET_SREGS set them.
 */
#include "kvm_util.h"

#define CHECKS_PER_MODE	7

/* The GPR values the 16- and 32-bit guests load. */
#define V_EAX 0x11111111
#define V_EBX 0x22222222
#define V_ECX 0x33333333
#define V_EDX 0x44444444
#define V_ESI 0x55555555
#define V_EDI 0x66666666
#define V_EBP 0x77777777

asm(
	".pushsection .rodata\n"
	".global g_real_start, g_real_end\n"
	/* Real mode, CS = 0 and IP = 0x8000. */
	"g_real_start:\n"
	".code16\n"
	"	mov $" XSTR(DATA_GPA) " >> 4, %ax\n"
	"	mov %ax, %ds\n"			/* DS base = 0x700 << 4 */
	"	mov $" XSTR(V_EAX) ", %eax\n"
	"	mov $" XSTR(V_EBX) ", %ebx\n"
	"	mov $" XSTR(V_ECX) ", %ecx\n"
	"	mov $" XSTR(V_EDX) ", %edx\n"
	"	mov $" XSTR(V_ESI) ", %esi\n"
	"	mov $" XSTR(V_EDI) ", %edi\n"
	"	mov $" XSTR(V_EBP) ", %ebp\n"
	"	movl $0xfeed0001, 0x10\n"	/* DS:0x10 = 0x7010 */
	"	hlt\n"
	"g_real_end:\n"

	/* 16-bit protected mode: a 16-bit data segment based at DATA_GPA. */
	".global g_prot16_start, g_prot16_end\n"
	"g_prot16_start:\n"
	"	mov $" XSTR(GDT_DATA16_AT_DATA) ", %ax\n"
	"	mov %ax, %ds\n"
	"	mov $" XSTR(V_EAX) ", %eax\n"
	"	mov $" XSTR(V_EBX) ", %ebx\n"
	"	mov $" XSTR(V_ECX) ", %ecx\n"
	"	mov $" XSTR(V_EDX) ", %edx\n"
	"	mov $" XSTR(V_ESI) ", %esi\n"
	"	mov $" XSTR(V_EDI) ", %edi\n"
	"	mov $" XSTR(V_EBP) ", %ebp\n"
	"	movl $0xfeed0002, 0x10\n"	/* DS:0x10 = 0x7010 */
	"	hlt\n"
	"g_prot16_end:\n"

	/* 32-bit flat, no paging: the physical address itself. */
	".code32\n"
	".global g_prot32_start, g_prot32_end\n"
	"g_prot32_start:\n"
	"	mov $" XSTR(GDT_DATA32) ", %ax\n"
	"	mov %ax, %ds\n"
	"	mov $" XSTR(DATA_GPA) " + 0x10, %eax\n"
	"	movl $0xfeed0003, (%eax)\n"
	"	mov $" XSTR(V_EAX) ", %eax\n"
	"	mov $" XSTR(V_EBX) ", %ebx\n"
	"	mov $" XSTR(V_ECX) ", %ecx\n"
	"	mov $" XSTR(V_EDX) ", %edx\n"
	"	mov $" XSTR(V_ESI) ", %esi\n"
	"	mov $" XSTR(V_EDI) ", %edi\n"
	"	mov $" XSTR(V_EBP) ", %ebp\n"
	"	hlt\n"
	"g_prot32_end:\n"

	/*
	 * 32-bit paging and PAE paging share the guest: the word goes
	 * through ALIAS_VA, which only the page tables send to DATA_GPA.
	 * The value comes in EAX from the host (mode-specific).
	 */
	".global g_paged32_start, g_paged32_end\n"
	"g_paged32_start:\n"
	"	mov $" XSTR(GDT_DATA32) ", %bx\n"
	"	mov %bx, %ds\n"
	"	mov $" XSTR(ALIAS_VA) " + 0x10, %ebx\n"
	"	mov %eax, (%ebx)\n"
	"	mov $" XSTR(V_EAX) ", %eax\n"
	"	mov $" XSTR(V_EBX) ", %ebx\n"
	"	mov $" XSTR(V_ECX) ", %ecx\n"
	"	mov $" XSTR(V_EDX) ", %edx\n"
	"	mov $" XSTR(V_ESI) ", %esi\n"
	"	mov $" XSTR(V_EDI) ", %edi\n"
	"	mov $" XSTR(V_EBP) ", %ebp\n"
	"	hlt\n"
	"g_paged32_end:\n"

	/* 64-bit: all sixteen GPRs, 64-bit values; the word via ALIAS_VA. */
	".code64\n"
	".global g_long_start, g_long_end\n"
	"g_long_start:\n"
	"	mov $" XSTR(GDT_DATA32) ", %ax\n"
	"	mov %ax, %ds\n"
	"	mov $" XSTR(ALIAS_VA) " + 0x10, %eax\n" /* zero-extended */
	"	movl $0xfeed0006, (%rax)\n"
	"	movabs $0x1111111111111111, %rax\n"
	"	movabs $0x2222222222222222, %rbx\n"
	"	movabs $0x3333333333333333, %rcx\n"
	"	movabs $0x4444444444444444, %rdx\n"
	"	movabs $0x5555555555555555, %rsi\n"
	"	movabs $0x6666666666666666, %rdi\n"
	"	movabs $0x7777777777777777, %rbp\n"
	"	movabs $0x8888888888888888, %r8\n"
	"	movabs $0x9999999999999999, %r9\n"
	"	movabs $0xaaaaaaaaaaaaaaaa, %r10\n"
	"	movabs $0xbbbbbbbbbbbbbbbb, %r11\n"
	"	movabs $0xcccccccccccccccc, %r12\n"
	"	movabs $0xdddddddddddddddd, %r13\n"
	"	movabs $0xeeeeeeeeeeeeeeee, %r14\n"
	"	movabs $0xffffffffffffffff, %r15\n"
	"	hlt\n"
	"g_long_end:\n"
	".popsection\n");

extern const unsigned char g_real_start[], g_real_end[];
extern const unsigned char g_prot16_start[], g_prot16_end[];
extern const unsigned char g_prot32_start[], g_prot32_end[];
extern const unsigned char g_paged32_start[], g_paged32_end[];
extern const unsigned char g_long_start[], g_long_end[];

struct mode_case {
	enum guest_mode mode;
	const unsigned char *start, *end;
	__u32 word;		/* what lands at DATA_GPA + 0x10 */
	__u64 host_rax;		/* RAX the host gives the guest */
};

static const struct mode_case cases[] = {
	{ MODE_REAL,	 g_real_start,	  g_real_end,	 0xfeed0001, 0 },
	{ MODE_PROT16,	 g_prot16_start,  g_prot16_end,	 0xfeed0002, 0 },
	{ MODE_PROT32,	 g_prot32_start,  g_prot32_end,	 0xfeed0003, 0 },
	{ MODE_PAGING32, g_paged32_start, g_paged32_end, 0xfeed0004,
	  0xfeed0004 },
	{ MODE_PAE,	 g_paged32_start, g_paged32_end, 0xfeed0005,
	  0xfeed0005 },
	{ MODE_LONG64,	 g_long_start,	  g_long_end,	 0xfeed0006, 0 },
};

static void expected_regs(enum guest_mode mode, struct kvm_regs *r)
{
	memset(r, 0, sizeof(*r));
	r->rsp = STACK_TOP;
	if (mode == MODE_LONG64) {
		r->rax = 0x1111111111111111ULL;
		r->rbx = 0x2222222222222222ULL;
		r->rcx = 0x3333333333333333ULL;
		r->rdx = 0x4444444444444444ULL;
		r->rsi = 0x5555555555555555ULL;
		r->rdi = 0x6666666666666666ULL;
		r->rbp = 0x7777777777777777ULL;
		r->r8 = 0x8888888888888888ULL;
		r->r9 = 0x9999999999999999ULL;
		r->r10 = 0xaaaaaaaaaaaaaaaaULL;
		r->r11 = 0xbbbbbbbbbbbbbbbbULL;
		r->r12 = 0xccccccccccccccccULL;
		r->r13 = 0xddddddddddddddddULL;
		r->r14 = 0xeeeeeeeeeeeeeeeeULL;
		r->r15 = 0xffffffffffffffffULL;
		return;
	}
	/* The upper halves stay as the host set them: 0. */
	r->rax = V_EAX;
	r->rbx = V_EBX;
	r->rcx = V_ECX;
	r->rdx = V_EDX;
	r->rsi = V_ESI;
	r->rdi = V_EDI;
	r->rbp = V_EBP;
}

static int check_gprs(const struct kvm_regs *got, const struct kvm_regs *want)
{
	int good = 1;

#define GPR(x) good &= check_u64(#x, got->x, want->x)
	GPR(rax); GPR(rbx); GPR(rcx); GPR(rdx); GPR(rsi); GPR(rdi);
	GPR(rsp); GPR(rbp); GPR(r8); GPR(r9); GPR(r10); GPR(r11);
	GPR(r12); GPR(r13); GPR(r14); GPR(r15);
#undef GPR
	return good;
}

static void run_case(int kvm_fd, const struct mode_case *c)
{
	const char *name = mode_names[c->mode];
	__u64 cr0, cr3, cr4, efer;
	struct kvm_regs regs, want;
	struct kvm_sregs sregs;
	struct vcpu *v = NULL;
	struct vm *vm;
	int i, r;

	vm = vm_create(kvm_fd);
	if (vm)
		v = vcpu_create(vm, 0);
	if (v) {
		vm_load_code(vm, c->start, c->end);
		if (vcpu_setup_mode(v, c->mode) == 0) {
			vcpu_get_regs(v, &regs);
			regs.rax = c->host_rax;
			if (vcpu_set_regs(v, &regs) == 0)
				goto run;
		}
	}
	for (i = 0; i < CHECKS_PER_MODE; i++)
		ok(0, "%s: could not set up the VM", name);
	goto out;

run:
	r = vcpu_run(v);
	ok_exit(v, r, KVM_EXIT_HLT, "%s: KVM_EXIT_HLT", name);

	vcpu_get_regs(v, &regs);
	expected_regs(c->mode, &want);
	ok(check_gprs(&regs, &want), "%s: the GPRs the guest loaded", name);
	ok_u64("rip", regs.rip, GUEST_ADDR(c->start, c->end),
	       "%s: RIP just after the HLT", name);
	ok_u64("DATA_GPA + 0x10", guest_read32(vm, DATA_GPA + 0x10), c->word,
	       "%s: the word the guest wrote", name);

	mode_cregs(c->mode, &cr0, &cr3, &cr4, &efer);
	vcpu_get_sregs(v, &sregs);
	ok_u64("cr0", sregs.cr0, cr0, "%s: CR0 is %#llx", name,
	       (unsigned long long)cr0);
	ok_u64("cr4", sregs.cr4, cr4, "%s: CR4 is %#llx", name,
	       (unsigned long long)cr4);
	ok_u64("efer", sregs.efer, efer, "%s: EFER is %#llx", name,
	       (unsigned long long)efer);
out:
	vcpu_destroy(v);
	vm_destroy(vm);
}

int main(int argc, char **argv)
{
	const char *path = kvm_device_path(argc, argv);
	int kvm_fd = kvm_open_dev(path);
	size_t i;

	tap_plan(ARRAY_SIZE(cases) * CHECKS_PER_MODE);
	diag("device %s", path);
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		run_case(kvm_fd, &cases[i]);
	close(kvm_fd);
	return tap_exit();
}

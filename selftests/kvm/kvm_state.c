// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_state: the whole vCPU state, as a VMM saves and restores it for
 * migration or a snapshot (QEMU's kvm_arch_get_registers() and
 * kvm_arch_put_registers(), target/i386/kvm/kvm.c): KVM_GET/SET_REGS,
 * _SREGS, _XSAVE (_FPU without XSAVE), _XCRS, _MSRS (every MSR of
 * KVM_GET_MSR_INDEX_LIST that reads back and takes its value back),
 * _VCPU_EVENTS, _MP_STATE and _DEBUGREGS.
 *
 *   kvm_state [DEVICE]	(default $VTX_DEVICE, else /dev/vtx)
 *
 * In real mode, 32-bit protected mode and long mode:
 * - read-back: GET everything, SET it back, GET again: the same bytes
 *   (the clock MSRs excepted, see msr_is_clock());
 * - continuation: vCPU A runs to a chosen point; its state and memory go
 *   into a fresh VM's vCPU B in QEMU's order; B must read back what it
 *   was given, and A and B must then run to the end alike (the same
 *   exits, I/O data, final state and memory).  The chosen points: plain
 *   (after a completed OUT), (a) an IN whose data is pending, (b) an
 *   interrupt from KVM_INTERRUPT queued while IF = 0, (c) an interrupt
 *   injected through KVM_SET_VCPU_EVENTS, (d) inside an NMI handler (NMI
 *   blocked) with another NMI pending, (e) an STI interrupt shadow,
 *   (f) after HLT.  Each point also asserts what must happen there, so
 *   that a state that got lost in both A and B still fails.
 *
 * (a): the data of an IN that exited is no vCPU state KVM hands out: at
 * the exit RIP is still on the IN and the next KVM_RUN completes it.
 * Taken there, a new vCPU runs the IN again (its VMM must serve it
 * again); QEMU instead completes it first with immediate_exit
 * (kvm_cpu_exec() kicks itself, KVM_RUN returns EINTR with the IN done)
 * and saves the state after it: the point "(a) ... completed".  Putting
 * the state back into the same vCPU, RIP unchanged, keeps the IN pending.
 * (b): kvm-intel injects a KVM_INTERRUPT at the next entry whatever IF
 * says, and that entry fails; vtx holds it until the guest can take it
 * (README, "Where vtx differs from KVM"): each answer is asserted, and
 * A and B must agree.
 */
#include <stddef.h>

#include "kvm_util.h"

#define LOOPS		4		/* iterations of the work loop */
#define IRQ_VEC		0x20
#define IRQCNT_GPA	(DATA_GPA + 0x400)
#define NMICNT_GPA	(DATA_GPA + 0x404)
#define PORT_OUT	0x10
#define PORT_IN		0x11
#define PORT_DONE	0x1f
#define PORT_IRQ	0x20
#define PORT_NMI1	0x22
#define PORT_NMI2	0x23
#define PORT_CLI	0x30
#define PORT_STI	0x31
#define PORT_HLT	0x32
#define MAX_LOG		64
#define MAX_MSRS	1024

/* A debugging aid where a device cannot run SSE in its guests. */
#ifdef STATE_NO_SSE
#define SSE(insn)	""
#else
#define SSE(insn)	"\t" insn "\n"
#endif

/*
 * One guest, assembled for each mode: a work loop that mixes GPRs and
 * SSE registers, stores into memory and exits (OUT, then IN) every
 * iteration; entry points for the special cases; an interrupt handler
 * (vector 0x20) and an NMI handler.
 */
asm(".macro STATE_GUEST n, bits, acc, iretinsn\n"
	"	.pushsection .rodata\n"
	"	.code\\bits\n"
	"	.global g_st\\n\\()_start, g_st\\n\\()_end, g_st\\n\\()_work\n"
	"	.global g_st\\n\\()_in, g_st\\n\\()_cli, g_st\\n\\()_halt\n"
	"	.global g_st\\n\\()_irq, g_st\\n\\()_nmi\n"
	"g_st\\n\\()_start:\n"
	"g_st\\n\\()_work:\n"
	"1:	imul $0x9e3779b1, %eax, %eax\n"
	"	add %ecx, %eax\n"
	"	xor %eax, %ebx\n"
	"	rol $5, %ebx\n"
	SSE("movd %eax, %xmm0")
	SSE("paddd %xmm0, %xmm1")
	SSE("pshufd $0x39, %xmm1, %xmm1")
	SSE("pxor %xmm1, %xmm2")
	"	mov %ebx, " XSTR(DATA_GPA) "(,%ecx,4)\n"
	"	out %eax, $" XSTR(PORT_OUT) "\n"
	"g_st\\n\\()_in:\n"
	"	in $" XSTR(PORT_IN) ", %eax\n"
	"	add %eax, %edx\n"
	"	dec %ecx\n"
	"	jnz 1b\n"
	SSE("movd %xmm2, %eax")
	"	out %eax, $" XSTR(PORT_DONE) "\n"
	"	hlt\n"
	/* (b): IF = 0 across an exit, then STI and an OUT in its shadow. */
	"g_st\\n\\()_cli:\n"
	"	cli\n"
	"	out %al, $" XSTR(PORT_CLI) "\n"
	"	sti\n"
	"	out %al, $" XSTR(PORT_STI) "\n"
	"	jmp 1b\n"
	/* (f): halt with IF = 1; the interrupt wakes it. */
	"g_st\\n\\()_halt:\n"
	"	sti\n"
	"	hlt\n"
	"	out %al, $" XSTR(PORT_HLT) "\n"
	"	jmp 1b\n"
	"g_st\\n\\()_irq:\n"
	"	push \\acc\n"
	"	incl " XSTR(IRQCNT_GPA) "\n"
	"	mov " XSTR(IRQCNT_GPA) ", %eax\n"
	"	out %eax, $" XSTR(PORT_IRQ) "\n"
	"	pop \\acc\n"
	"	\\iretinsn\n"
	"g_st\\n\\()_nmi:\n"
	"	push \\acc\n"
	"	out %al, $" XSTR(PORT_NMI1) "\n"
	"	incl " XSTR(NMICNT_GPA) "\n"
	"	mov " XSTR(NMICNT_GPA) ", %eax\n"
	"	out %eax, $" XSTR(PORT_NMI2) "\n"
	"	pop \\acc\n"
	"	\\iretinsn\n"
	"g_st\\n\\()_end:\n"
	"	.code64\n"
	"	.popsection\n"
	".endm\n"
	"STATE_GUEST 16, 16, %eax, iret\n"
	"STATE_GUEST 32, 32, %eax, iret\n"
	"STATE_GUEST 64, 64, %rax, iretq\n");

#define DECLARE_GUEST(n)						\
	extern const unsigned char g_st##n##_start[], g_st##n##_end[],	\
		g_st##n##_work[], g_st##n##_in[], g_st##n##_cli[],	\
		g_st##n##_halt[], g_st##n##_irq[], g_st##n##_nmi[]
DECLARE_GUEST(16);
DECLARE_GUEST(32);
DECLARE_GUEST(64);

struct guest_blob {
	enum guest_mode mode;
	const char *name;
	const unsigned char *start, *end, *work, *in, *cli, *halt, *irq, *nmi;
};

#define BLOB(m, n, label)						\
	{ m, label, g_st##n##_start, g_st##n##_end, g_st##n##_work,	\
	  g_st##n##_in, g_st##n##_cli, g_st##n##_halt, g_st##n##_irq,	\
	  g_st##n##_nmi }

static const struct guest_blob blobs[] = {
	BLOB(MODE_REAL, 16, "real mode"),
	BLOB(MODE_PROT32, 32, "32-bit protected"),
	BLOB(MODE_LONG64, 64, "long mode"),
};

#define ADDR(b, label)	GUEST_ADDR((b)->start, (b)->label)

/* ---- what the device offers, found once ---------------------------------- */

static int g_kvm;
static int g_vtx;		/* the device is vtx */
static int g_intel;		/* the host CPU is Intel (kvm-intel) */
static int g_xsave;		/* KVM_CAP_XSAVE, else KVM_GET/SET_FPU */
static size_t g_xsave_size;	/* KVM_CAP_XSAVE2's size, at least 4096 */
static int g_xcrs, g_dbg;
static __u64 g_xcr0;		/* what the guests run with */
static __u32 g_msrs[MAX_MSRS];	/* readable and restorable */
static unsigned int g_nmsrs;
static __u32 g_refused[MAX_MSRS];	/* readable, their value refused */
static unsigned int g_nrefused;

struct msr_buf {
	struct kvm_msrs h;
	struct kvm_msr_entry e[MAX_MSRS];
};

struct vstate {
	struct kvm_xsave *xsave;	/* g_xsave_size bytes; first */
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_fpu fpu;
	struct kvm_xcrs xcrs;
	struct kvm_vcpu_events ev;
	struct kvm_mp_state mp;
	struct kvm_debugregs dr;
	struct msr_buf msrs;
};

static int host_is_intel(void)
{
	__u32 a = 0, b, c, d;

	asm volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
	return b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e;
}

static int msr_get1(int fd, __u32 idx, __u64 *val)
{
	struct { struct kvm_msrs h; struct kvm_msr_entry e; } m;

	memset(&m, 0, sizeof(m));
	m.h.nmsrs = 1;
	m.e.index = idx;
	if (ioctl(fd, KVM_GET_MSRS, &m) != 1)
		return -1;
	*val = m.e.data;
	return 0;
}

static int msr_set1(int fd, __u32 idx, __u64 val)
{
	struct { struct kvm_msrs h; struct kvm_msr_entry e; } m;

	memset(&m, 0, sizeof(m));
	m.h.nmsrs = 1;
	m.e.index = idx;
	m.e.data = val;
	return ioctl(fd, KVM_SET_MSRS, &m) == 1 ? 0 : -1;
}

/*
 * MSRs whose value moves on its own: the TSC, and Hyper-V's reference
 * time counter and VP runtime (KVM lists them; they count time).  A read
 * after a write of V gives V plus the time in between: compared with
 * a tolerance (CLOCKS_AHEAD), not compared after the guests ran
 * (CLOCKS_SKIP).  Hyper-V's two are not even carried to another VM
 * (CLOCKS_TSC): KVM ignores a host write of the reference counter, which
 * counts from the VM's creation, and the VP runtime is the vCPU thread's
 * run time plus an offset.
 */
enum clocks { CLOCKS_SKIP, CLOCKS_AHEAD, CLOCKS_TSC };

static int msr_is_clock(__u32 idx)
{
	return idx == 0x10 || idx == 0x40000020 || idx == 0x40000010;
}

/*
 * KVM_GET_MSR_INDEX_LIST, and which of those MSRs a fresh vCPU reads
 * back and takes back unchanged (what a VMM can save and restore).
 */
static void probe_msrs(void)
{
	struct { struct kvm_msr_list h; __u32 i[MAX_MSRS]; } l;
	struct vm *vm = vm_create(g_kvm);
	struct vcpu *v = vm ? vcpu_create(vm, 0) : NULL;
	__u32 k;
	__u64 val;

	if (!v)
		tap_bail("cannot create a vCPU");
	l.h.nmsrs = MAX_MSRS;
	if (ioctl(g_kvm, KVM_GET_MSR_INDEX_LIST, &l))
		tap_bail("KVM_GET_MSR_INDEX_LIST: %s", errno_name(errno));
	for (k = 0; k < l.h.nmsrs; k++) {
		if (msr_get1(v->fd, l.i[k], &val))
			continue;
		if (msr_set1(v->fd, l.i[k], val))
			g_refused[g_nrefused++] = l.i[k];
		else
			g_msrs[g_nmsrs++] = l.i[k];
	}
	diag("  %u MSRs listed, %u read back and restorable, %u refused their own value",
	     l.h.nmsrs, g_nmsrs, g_nrefused);
	for (k = 0; k < g_nrefused; k++)
		diag("  refused: MSR %#x", g_refused[k]);
	vcpu_destroy(v);
	vm_destroy(vm);
}

/*
 * KVM lists MSRs a VMM cannot write back as read: MSR_KVM_ASYNC_PF_INT
 * (0x4b564d06) takes no value without an in-kernel LAPIC
 * (kvm_pv_enable_async_pf_int(); QEMU writes it only with one), and with
 * nested VMX, IA32_VMX_CR0_FIXED1 and IA32_VMX_CR4_FIXED1 (0x487, 0x489)
 * are derived from CPUID and refused (vmx_set_vmx_msr(); QEMU does not
 * write them).  Every other listed MSR that reads must take its value.
 */
static int refused_expected(__u32 idx)
{
	return !g_vtx && (idx == 0x4b564d06 || idx == 0x487 || idx == 0x489);
}

/* ---- the whole state ----------------------------------------------------- */

static int state_alloc(struct vstate *s)
{
	memset(s, 0, sizeof(*s));
	s->xsave = calloc(1, g_xsave_size);
	return s->xsave ? 0 : -1;
}

static void state_free(struct vstate *s)
{
	free(s->xsave);
	s->xsave = NULL;
}

#define IOC(fd, req, arg, name)						\
	({								\
		int r__ = ioctl((fd), (req), (arg));			\
									\
		if (r__ < 0)						\
			diag("  %s: %s", name, errno_name(errno));	\
		r__ < 0 ? -1 : 0;					\
	})

/* QEMU's kvm_arch_get_registers(): everything, in one go. */
static int state_get(struct vcpu *v, struct vstate *s)
{
	unsigned long xreq = g_xsave_size > sizeof(struct kvm_xsave) ?
			     KVM_GET_XSAVE2 : KVM_GET_XSAVE;
	unsigned int i;
	int r = 0;

	memset(&s->regs, 0, sizeof(*s) - offsetof(struct vstate, regs));
	r |= IOC(v->fd, KVM_GET_REGS, &s->regs, "KVM_GET_REGS");
	if (g_xsave) {
		memset(s->xsave, 0, g_xsave_size);
		r |= IOC(v->fd, xreq, s->xsave, "KVM_GET_XSAVE");
	} else {
		r |= IOC(v->fd, KVM_GET_FPU, &s->fpu, "KVM_GET_FPU");
	}
	if (g_xcrs)
		r |= IOC(v->fd, KVM_GET_XCRS, &s->xcrs, "KVM_GET_XCRS");
	r |= IOC(v->fd, KVM_GET_SREGS, &s->sregs, "KVM_GET_SREGS");
	s->msrs.h.nmsrs = g_nmsrs;
	for (i = 0; i < g_nmsrs; i++)
		s->msrs.e[i].index = g_msrs[i];
	if (ioctl(v->fd, KVM_GET_MSRS, &s->msrs) != (int)g_nmsrs) {
		diag("  KVM_GET_MSRS of %u: %s", g_nmsrs, errno_name(errno));
		r = -1;
	}
	r |= IOC(v->fd, KVM_GET_VCPU_EVENTS, &s->ev, "KVM_GET_VCPU_EVENTS");
	r |= IOC(v->fd, KVM_GET_MP_STATE, &s->mp, "KVM_GET_MP_STATE");
	if (g_dbg)
		r |= IOC(v->fd, KVM_GET_DEBUGREGS, &s->dr, "KVM_GET_DEBUGREGS");
	return r;
}

/*
 * QEMU's kvm_arch_put_registers() order: SREGS, REGS, XSAVE, XCRS, MSRS,
 * VCPU_EVENTS, MP_STATE, DEBUGREGS.  Unlike QEMU 7.2, whose
 * kvm_put_vcpu_events() sets neither KVM_VCPUEVENT_VALID_SHADOW nor
 * interrupt.shadow (it drops an interrupt shadow), the events go back as
 * KVM_GET_VCPU_EVENTS gave them, flags included.
 */
static int state_put(struct vcpu *v, struct vstate *s)
{
	int r = 0;

	r |= IOC(v->fd, KVM_SET_SREGS, &s->sregs, "KVM_SET_SREGS");
	r |= IOC(v->fd, KVM_SET_REGS, &s->regs, "KVM_SET_REGS");
	if (g_xsave)
		r |= IOC(v->fd, KVM_SET_XSAVE, s->xsave, "KVM_SET_XSAVE");
	else
		r |= IOC(v->fd, KVM_SET_FPU, &s->fpu, "KVM_SET_FPU");
	if (g_xcrs)
		r |= IOC(v->fd, KVM_SET_XCRS, &s->xcrs, "KVM_SET_XCRS");
	if (ioctl(v->fd, KVM_SET_MSRS, &s->msrs) != (int)s->msrs.h.nmsrs) {
		diag("  KVM_SET_MSRS of %u: %s", s->msrs.h.nmsrs,
		     errno_name(errno));
		r = -1;
	}
	r |= IOC(v->fd, KVM_SET_VCPU_EVENTS, &s->ev, "KVM_SET_VCPU_EVENTS");
	r |= IOC(v->fd, KVM_SET_MP_STATE, &s->mp, "KVM_SET_MP_STATE");
	if (g_dbg)
		r |= IOC(v->fd, KVM_SET_DEBUGREGS, &s->dr, "KVM_SET_DEBUGREGS");
	return r;
}

/* The first differing byte of a struct, as a diagnostic. */
static int same_bytes(const char *what, const void *a, const void *b,
		      size_t n)
{
	const unsigned char *x = a, *y = b;
	size_t i;

	for (i = 0; i < n; i++)
		if (x[i] != y[i]) {
			diag("  %s differs first at byte %zu: %#x, then %#x",
			     what, i, x[i], y[i]);
			return 0;
		}
	return 1;
}

/* Largest move of a clock MSR accepted between a write and a read: 60 s. */
static __u64 clock_tolerance(struct vcpu *v)
{
	long khz = ioctl(v->fd, KVM_GET_TSC_KHZ, 0);

	return (khz > 0 ? (__u64)khz : 4000000ULL) * 1000ULL * 60;
}

/*
 * @a, then @b: the same state, the clock MSRs as @clocks says; a clock
 * compared may be ahead in @b by up to @tol (time went by in between).
 */
static int state_same(const struct vstate *a, const struct vstate *b,
		      enum clocks clocks, __u64 tol)
{
	int same = 1;
	unsigned int i;

	same &= same_bytes("kvm_regs", &a->regs, &b->regs, sizeof(a->regs));
	same &= same_bytes("kvm_sregs", &a->sregs, &b->sregs, sizeof(a->sregs));
	if (g_xsave)
		same &= same_bytes("kvm_xsave", a->xsave, b->xsave, g_xsave_size);
	else
		same &= same_bytes("kvm_fpu", &a->fpu, &b->fpu, sizeof(a->fpu));
	same &= same_bytes("kvm_xcrs", &a->xcrs, &b->xcrs, sizeof(a->xcrs));
	same &= same_bytes("kvm_vcpu_events", &a->ev, &b->ev, sizeof(a->ev));
	same &= same_bytes("kvm_mp_state", &a->mp, &b->mp, sizeof(a->mp));
	same &= same_bytes("kvm_debugregs", &a->dr, &b->dr, sizeof(a->dr));
	for (i = 0; i < a->msrs.h.nmsrs; i++) {
		__u32 idx = a->msrs.e[i].index;
		__u64 x = a->msrs.e[i].data, y = b->msrs.e[i].data;

		if (x == y)
			continue;
		if (msr_is_clock(idx) &&
		    (clocks == CLOCKS_SKIP ||
		     (clocks == CLOCKS_TSC && idx != 0x10) ||
		     (y > x && y - x <= tol)))
			continue;
		diag("  MSR %#x: %#llx, then %#llx", idx,
		     (unsigned long long)x, (unsigned long long)y);
		same = 0;
	}
	return same;
}

/* ---- guests -------------------------------------------------------------- */

/* An exit as the comparison sees it. */
struct xit {
	__u32 reason;
	__u16 port;
	__u8 dir, size;
	__u32 data;	/* OUT's data, IN's given data */
	__u64 rip;
};

struct runner {
	struct vcpu *v;
	unsigned int nin;	/* IN exits served: the next IN's data */
	int redo_in;		/* the first IN gets redo_data (PT_IN_RAW) */
	__u32 redo_data;
	unsigned int n;
	struct xit log[MAX_LOG];
};

#define CR4_OSFXSR		(1ULL << 9)
#define CR4_OSXMMEXCPT		(1ULL << 10)

static void set_real_vector(struct vm *vm, unsigned int vec, __u64 addr)
{
	guest_write32(vm, vec * 4, (__u32)addr);	/* CS 0, IP addr */
}

/*
 * vCPU A: the guest in its mode, SSE enabled, XCR0 with every x87/SSE/
 * AVX component offered, and recognisable values everywhere a VMM saves
 * state: GPRs, XMM (and YMM) registers, DR0-DR3, SYSENTER, SYSCALL and
 * PAT MSRs.
 */
static struct vcpu *guest_make(const struct guest_blob *b)
{
	static const struct { __u32 idx; __u64 val; } msrs[] = {
		{ 0x174, 0x10 }, { 0x175, 0x12345000 }, { 0x176, 0x23456000 },
		{ 0xc0000081, 0x0023001000000000ULL },
		{ 0xc0000082, 0xffffffff81000000ULL },
		{ 0xc0000083, 0xffffffff82000000ULL },
		{ 0xc0000084, 0x4700 }, { 0xc0000102, 0xffff888000001000ULL },
		{ 0xc0000103, 7 }, { 0x277, 0x0007050600070106ULL },
	};
	struct vcpu *v = guest_create(g_kvm, b->mode, b->start, b->end);
	struct vm *vm;
	struct kvm_sregs s;
	struct kvm_regs r;
	unsigned int i, j;

	if (!v)
		return NULL;
	vm = v->vm;
	if (b->mode == MODE_REAL) {
		set_real_vector(vm, IRQ_VEC, ADDR(b, irq));
		set_real_vector(vm, 2, ADDR(b, nmi));
	} else if (vcpu_set_idt_gate(v, b->mode, IRQ_VEC, ADDR(b, irq)) ||
		   vcpu_set_idt_gate(v, b->mode, 2, ADDR(b, nmi))) {
		goto fail;
	}
	if (vcpu_get_sregs(v, &s))
		goto fail;
	s.cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
	if (g_xcr0 > 1)
		s.cr4 |= X86_CR4_OSXSAVE;
	if (vcpu_set_sregs(v, &s))
		goto fail;
	if (g_xcr0 > 1) {
		struct kvm_xcrs x = { .nr_xcrs = 1 };

		x.xcrs[0].xcr = 0;
		x.xcrs[0].value = g_xcr0;
		if (IOC(v->fd, KVM_SET_XCRS, &x, "KVM_SET_XCRS"))
			goto fail;
	}
	if (vcpu_get_regs(v, &r))
		goto fail;
	r.rax = 0x1234567;
	r.rbx = 0x9abcdef;
	r.rcx = LOOPS;
	r.rdx = 0x55aa;
	r.rsi = 0x5151;
	r.rdi = 0xd1d1;
	r.rbp = 0xb0b0;
	if (b->mode == MODE_LONG64) {
		r.r8 = 0x0808080808080808ULL;
		r.r15 = 0x1515151515151515ULL;
	}
	if (vcpu_set_regs(v, &r))
		goto fail;
	if (g_xsave) {
		struct kvm_xsave *x = calloc(1, g_xsave_size);
		unsigned char *p = (unsigned char *)x->region;
		__u64 bv;

		if (!x || IOC(v->fd, g_xsave_size > sizeof(*x) ?
			      KVM_GET_XSAVE2 : KVM_GET_XSAVE, x, "KVM_GET_XSAVE")) {
			free(x);
			goto fail;
		}
		for (i = 0; i < 8; i++)
			for (j = 0; j < 16; j++)
				p[160 + 16 * i + j] = 0x10 * i + j;
		memcpy(&bv, p + 512, 8);
		bv |= 2;
		if (g_xcr0 & 4) {
			for (i = 0; i < 8; i++)
				for (j = 0; j < 16; j++)
					p[576 + 16 * i + j] = 0x80 + 0x10 * i + j;
			bv |= 4;
		}
		memcpy(p + 512, &bv, 8);
		i = IOC(v->fd, KVM_SET_XSAVE, x, "KVM_SET_XSAVE");
		free(x);
		if (i)
			goto fail;
	} else {
		struct kvm_fpu f;

		if (IOC(v->fd, KVM_GET_FPU, &f, "KVM_GET_FPU"))
			goto fail;
		for (i = 0; i < 8; i++)
			for (j = 0; j < 16; j++)
				f.xmm[i][j] = 0x10 * i + j;
		if (IOC(v->fd, KVM_SET_FPU, &f, "KVM_SET_FPU"))
			goto fail;
	}
	if (g_dbg) {
		struct kvm_debugregs d;

		if (IOC(v->fd, KVM_GET_DEBUGREGS, &d, "KVM_GET_DEBUGREGS"))
			goto fail;
		for (i = 0; i < 4; i++)
			d.db[i] = 0x11110000 + 0x100 * i;
		d.dr7 = 0x400;	/* no breakpoint enabled */
		if (IOC(v->fd, KVM_SET_DEBUGREGS, &d, "KVM_SET_DEBUGREGS"))
			goto fail;
	}
	for (i = 0; i < ARRAY_SIZE(msrs); i++)
		for (j = 0; j < g_nmsrs; j++)
			if (g_msrs[j] == msrs[i].idx &&
			    msr_set1(v->fd, msrs[i].idx, msrs[i].val))
				diag("  MSR %#x refused %#llx", msrs[i].idx,
				     (unsigned long long)msrs[i].val);
	return v;
fail:
	guest_destroy(v);
	return NULL;
}

/* B: a fresh VM and vCPU, A's memory, A's state put in QEMU's order. */
static struct vcpu *guest_clone(struct vcpu *a, struct vstate *s)
{
	struct vm *vm = vm_create(g_kvm);
	struct vcpu *v = vm ? vcpu_create(vm, 0) : NULL;

	if (!v) {
		vm_destroy(vm);
		return NULL;
	}
	memcpy(vm->mem, a->vm->mem, GUEST_MEM_SIZE);
	if (state_put(v, s)) {
		guest_destroy(v);
		return NULL;
	}
	return v;
}

static __u32 io_data(struct vcpu *v)
{
	__u32 d = 0;

	memcpy(&d, (char *)v->run + v->run->io.data_offset, v->run->io.size);
	return d;
}

static void io_give(struct vcpu *v, __u32 d)
{
	memcpy((char *)v->run + v->run->io.data_offset, &d, v->run->io.size);
}

/*
 * The VMM of both A and B, the same for each: IN gets 0x5a000000 plus
 * the number of INs served before (B continues A's count); HLT and an
 * open interrupt window get the interrupt IRQ_VEC.  Runs until the
 * guest's final OUT, any other exit, or MAX_LOG exits.
 */
static void run_to_end(struct runner *rn)
{
	struct vcpu *v = rn->v;
	struct kvm_run *run = v->run;
	struct kvm_interrupt irq = { .irq = IRQ_VEC };
	struct xit *x;
	int r;

	while (rn->n < MAX_LOG) {
		r = vcpu_run(v);
		x = &rn->log[rn->n++];
		memset(x, 0, sizeof(*x));
		x->reason = r ? 0xffff0000 | errno : run->exit_reason;
		x->rip = vcpu_rip(v);
		if (r)
			return;
		if (run->exit_reason == KVM_EXIT_IO) {
			x->port = run->io.port;
			x->dir = run->io.direction;
			x->size = run->io.size;
			if (x->dir == KVM_EXIT_IO_IN && rn->redo_in) {
				rn->redo_in = 0;
				x->data = rn->redo_data;
				io_give(v, x->data);
			} else if (x->dir == KVM_EXIT_IO_IN) {
				x->data = 0x5a000000 + rn->nin++;
				io_give(v, x->data);
			} else {
				x->data = io_data(v);
			}
			if (x->port == PORT_DONE)
				return;
			continue;
		}
		if (run->exit_reason == KVM_EXIT_HLT ||
		    run->exit_reason == KVM_EXIT_IRQ_WINDOW_OPEN) {
			run->request_interrupt_window = 0;
			if (ioctl(v->fd, KVM_INTERRUPT, &irq))
				return;
			continue;
		}
		return;
	}
}

static void diag_log(const char *who, const struct runner *rn)
{
	unsigned int i;

	for (i = 0; i < rn->n; i++)
		diag("  %s exit %u: %s port %#x %s data %#x rip %#llx", who, i,
		     rn->log[i].reason >= 0xffff0000 ? "KVM_RUN failed" :
		     exit_name(rn->log[i].reason), rn->log[i].port,
		     rn->log[i].dir ? "out" : "in", rn->log[i].data,
		     (unsigned long long)rn->log[i].rip);
}

/* The first @n exits of @rn: OUT/IN ports @ports (0: not I/O, skipped). */
static int log_starts(const struct runner *rn, const __u32 *reasons,
		      const __u16 *ports, unsigned int n)
{
	unsigned int i;

	if (rn->n < n)
		return 0;
	for (i = 0; i < n; i++)
		if (rn->log[i].reason != reasons[i] ||
		    (reasons[i] == KVM_EXIT_IO && rn->log[i].port != ports[i]))
			return 0;
	return 1;
}

/* Run to the next exit, which must be I/O on @port: 1 if so. */
static int run_to_port(struct vcpu *v, __u16 port)
{
	int r = vcpu_run(v);

	if (!exit_is(v, r, KVM_EXIT_IO))
		return 0;
	return check_u64("io.port", v->run->io.port, port);
}

/* QEMU's way out of KVM_RUN with an exit served: immediate_exit. */
static int complete_io(struct vcpu *v)
{
	int r;

	v->run->immediate_exit = 1;
	r = vcpu_run(v);
	v->run->immediate_exit = 0;
	if (r != -1 || errno != EINTR) {
		diag("  KVM_RUN with immediate_exit: %d (%s), expected EINTR",
		     r, errno_name(errno));
		return 0;
	}
	return 1;
}

/* ---- the checks ---------------------------------------------------------- */

/* 1. GET, SET, GET: the same bytes (one result). */
static void test_readback(const struct guest_blob *b)
{
	struct vcpu *v = guest_make(b);
	struct vstate s1, s2;
	int pass;

	if (!v || state_alloc(&s1) || state_alloc(&s2)) {
		fail_n(1, b->name);
		guest_destroy(v);
		return;
	}
	pass = run_to_port(v, PORT_OUT) && complete_io(v) &&
	       run_to_port(v, PORT_IN);
	io_give(v, 0x77);
	pass = pass && complete_io(v) && !state_get(v, &s1) &&
	       !state_put(v, &s1) && !state_get(v, &s2) &&
	       state_same(&s1, &s2, CLOCKS_AHEAD, clock_tolerance(v));
	ok(pass, "%s: GET all, SET all, GET all: the same (TSC moves on)",
	   b->name);
	state_free(&s1);
	state_free(&s2);
	guest_destroy(v);
}

/* What a continuation point does to A before its state is taken. */
enum point {
	PT_PLAIN, PT_IN_RAW, PT_IN, PT_IRQ_IF0, PT_EV_IRQ, PT_NMI,
	PT_SHADOW, PT_HALT,
};

static const char *const point_names[] = {
	"after a completed OUT", "(a) an IN pending, not completed",
	"(a) an IN completed by immediate_exit",
	"(b) KVM_INTERRUPT queued with IF = 0",
	"(c) interrupt.injected by KVM_SET_VCPU_EVENTS",
	"(d) NMI blocked in its handler, another pending",
	"(e) STI shadow", "(f) after HLT",
};

/* The NMI did not come at once: what the events say, and what came. */
static void diag_nmi_miss(struct vcpu *a)
{
	struct kvm_vcpu_events ev;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		if (!ioctl(a->fd, KVM_GET_VCPU_EVENTS, &ev))
			diag("  then: nmi pending %u masked %u injected %u, shadow %u, rip %#llx",
			     ev.nmi.pending, ev.nmi.masked, ev.nmi.injected,
			     ev.interrupt.shadow, (unsigned long long)vcpu_rip(a));
		if (a->run->exit_reason != KVM_EXIT_IO || vcpu_run(a))
			return;
		diag("  next exit: port %#x", a->run->io.port);
	}
}

/*
 * Brings A to the point; 1 if it got there.  Each point's own
 * expectation about A's state there is checked by point_expect_a().
 */
static int point_reach(const struct guest_blob *b, struct vcpu *a,
		       enum point pt)
{
	struct kvm_vcpu_events ev;
	struct kvm_interrupt irq = { .irq = IRQ_VEC };

	switch (pt) {
	case PT_PLAIN:
		return run_to_port(a, PORT_OUT) && complete_io(a) &&
		       run_to_port(a, PORT_IN) &&
		       (io_give(a, 0x1), complete_io(a)) &&
		       run_to_port(a, PORT_OUT) && complete_io(a);
	case PT_IN_RAW:
	case PT_IN:
		if (!run_to_port(a, PORT_OUT) || !complete_io(a) ||
		    !run_to_port(a, PORT_IN))
			return 0;
		io_give(a, 0xc0ffee11);
		return pt == PT_IN_RAW || complete_io(a);
	case PT_IRQ_IF0:
		vcpu_set_rip(a, ADDR(b, cli));
		return run_to_port(a, PORT_CLI) && complete_io(a) &&
		       !ioctl(a->fd, KVM_INTERRUPT, &irq);
	case PT_EV_IRQ:
	case PT_SHADOW:
		if (!run_to_port(a, PORT_OUT) || !complete_io(a) ||
		    IOC(a->fd, KVM_GET_VCPU_EVENTS, &ev, "KVM_GET_VCPU_EVENTS"))
			return 0;
		if (pt == PT_EV_IRQ) {
			ev.interrupt.injected = 1;
			ev.interrupt.nr = IRQ_VEC;
		} else {
			ev.flags |= KVM_VCPUEVENT_VALID_SHADOW;
			ev.interrupt.shadow = KVM_X86_SHADOW_INT_STI;
		}
		return !IOC(a->fd, KVM_SET_VCPU_EVENTS, &ev,
			    "KVM_SET_VCPU_EVENTS");
	case PT_NMI:
		if (!run_to_port(a, PORT_OUT) || !complete_io(a) ||
		    IOC(a->fd, KVM_NMI, 0, "KVM_NMI"))
			return 0;
		if (!run_to_port(a, PORT_NMI1)) {
			diag_nmi_miss(a);
			return 0;
		}
		return complete_io(a) && !IOC(a->fd, KVM_NMI, 0, "KVM_NMI");
	case PT_HALT:
		vcpu_set_rip(a, ADDR(b, halt));
		return exit_is(a, vcpu_run(a), KVM_EXIT_HLT);
	}
	return 0;
}

/* What the state taken at the point must show. */
static int point_state_ok(const struct guest_blob *b, enum point pt,
			  const struct vstate *s, struct vcpu *a)
{
	struct kvm_mp_state halted = { .mp_state = KVM_MP_STATE_HALTED };
	int r;

	const struct kvm_vcpu_events *e = &s->ev;
	__u64 in = ADDR(b, in);

	switch (pt) {
	case PT_PLAIN:
		return check_u64("rip", s->regs.rip, in);
	case PT_IN_RAW:
		/* The IN's data waits in kvm_run: RIP still on the IN. */
		return check_u64("rip", s->regs.rip, in);
	case PT_IN:
		return check_u64("rip", s->regs.rip, in + (b->mode == MODE_REAL ? 3 : 2)) &
		       check_u64("eax", s->regs.rax & 0xffffffff, 0xc0ffee11);
	case PT_IRQ_IF0:
	case PT_EV_IRQ:
		return check_u64("interrupt.injected", e->interrupt.injected, 1) &
		       check_u64("interrupt.nr", e->interrupt.nr, IRQ_VEC) &
		       check_u64("if", !!(s->regs.rflags & X86_RFLAGS_IF),
				 pt == PT_EV_IRQ);
	case PT_NMI:
		return check_u64("nmi.masked", e->nmi.masked, 1) &
		       check_u64("nmi.pending", e->nmi.pending, 1) &
		       check_u64("nmi.injected", e->nmi.injected, 0);
	case PT_SHADOW:
		return check_u64("interrupt.shadow", e->interrupt.shadow,
				 KVM_X86_SHADOW_INT_STI);
	case PT_HALT:
		/*
		 * No in-kernel LAPIC: HLT is the VMM's, the vCPU stays
		 * runnable, and HALTED is no state it takes (EINVAL on
		 * kvm-intel and vtx alike, as kvm_irq checks).
		 */
		r = ioctl(a->fd, KVM_SET_MP_STATE, &halted);
		return check_u64("mp_state", s->mp.mp_state,
				 KVM_MP_STATE_RUNNABLE) &
		       check_u64("rip", s->regs.rip, ADDR(b, halt) + 2) &
		       check_u64("KVM_SET_MP_STATE(HALTED) errno",
				 r ? errno : 0, EINVAL);
	}
	return 0;
}

/* What A's (and B's) run from the point must start with. */
static int point_run_ok(const struct guest_blob *b, enum point pt,
			const struct runner *rn)
{
	static const __u32 io2[] = { KVM_EXIT_IO, KVM_EXIT_IO };
	static const __u32 io3[] = { KVM_EXIT_IO, KVM_EXIT_IO, KVM_EXIT_IO };
	static const __u32 win[] = { KVM_EXIT_IO, KVM_EXIT_IRQ_WINDOW_OPEN,
				     KVM_EXIT_IO };
	__u16 p[3];

	switch (pt) {
	case PT_PLAIN:
		p[0] = PORT_IN;
		p[1] = PORT_OUT;
		return log_starts(rn, io2, p, 2);
	case PT_IN:
		/* The IN is done: the loop's next OUT, then its IN. */
		p[0] = PORT_OUT;
		p[1] = PORT_IN;
		return log_starts(rn, io2, p, 2);
	case PT_IN_RAW:
		/* B runs the IN again: the same exit once more. */
		p[0] = PORT_IN;
		p[1] = PORT_OUT;
		return log_starts(rn, io2, p, 2);
	case PT_IRQ_IF0:
		if (!g_vtx && g_intel) {
			/*
			 * kvm-intel injects a KVM_INTERRUPT blindly at the
			 * next entry, which IF = 0 makes fail (README).
			 */
			return rn->n >= 1 &&
			       rn->log[0].reason == KVM_EXIT_FAIL_ENTRY;
		}
		if (!g_vtx)
			return 1;	/* kvm-amd: not asserted, A = B only */
		/* vtx: held until STI and its shadow (one OUT) are over. */
		p[0] = PORT_STI;
		p[1] = PORT_IRQ;
		p[2] = PORT_IN;
		return log_starts(rn, io3, p, 2);
	case PT_EV_IRQ:
		/* Delivered first thing: the handler's OUT. */
		p[0] = PORT_IRQ;
		p[1] = PORT_IN;
		return log_starts(rn, io2, p, 2);
	case PT_NMI:
		/* Still blocked: the handler goes on, IRET, then the next. */
		p[0] = PORT_NMI2;
		p[1] = PORT_NMI1;
		p[2] = PORT_NMI2;
		return log_starts(rn, io3, p, 3);
	case PT_SHADOW:
		/* The IN in the shadow runs before the window opens. */
		p[0] = PORT_IN;
		p[1] = 0;
		p[2] = PORT_IRQ;
		return log_starts(rn, win, p, 3) &&
		       rn->log[1].rip == ADDR(b, in) + (b->mode == MODE_REAL ? 3 : 2);
	case PT_HALT:
		/* The VMM wakes it (KVM_INTERRUPT): handler, then past HLT. */
		p[0] = PORT_IRQ;
		p[1] = PORT_HLT;
		return log_starts(rn, io2, p, 2);
	}
	return 0;
}

/*
 * 2. Continuation: four results (the state at the point, B's read-back,
 * A and B alike to the end, the run shows the point's event).
 */
static void test_point(const struct guest_blob *b, enum point pt)
{
	const char *pn = point_names[pt];
	struct runner *ra = calloc(1, sizeof(*ra)), *rb = calloc(1, sizeof(*rb));
	struct vcpu *a = guest_make(b), *bv = NULL;
	struct vstate sa, sb, fa, fb;
	int alike;

	if (!a || !ra || !rb || state_alloc(&sa) || state_alloc(&sb) ||
	    state_alloc(&fa) || state_alloc(&fb)) {
		fail_n(4, b->name);
		goto out;
	}
	if (!point_reach(b, a, pt) || state_get(a, &sa)) {
		fail_n(4, pn);
		goto out;
	}
	ok(point_state_ok(b, pt, &sa, a), "%s, %s: the state shows it", b->name, pn);
	bv = guest_clone(a, &sa);
	ok(bv && !state_get(bv, &sb) && state_same(&sa, &sb, CLOCKS_TSC, clock_tolerance(a)),
	   "%s, %s: B reads back A's state", b->name, pn);
	if (!bv) {
		fail_n(2, pn);
		goto out;
	}
	ra->v = a;
	rb->v = bv;
	rb->nin = ra->nin;
	if (pt == PT_SHADOW)
		a->run->request_interrupt_window =
			bv->run->request_interrupt_window = 1;
	if (pt == PT_IN_RAW) {
		/*
		 * Taken without completing the IN, B runs it again: its first
		 * exit is that IN once more, A's is the OUT after it.  B's VMM
		 * serves it with the data A got, then both go on alike.
		 */
		rb->redo_in = 1;
		rb->redo_data = 0xc0ffee11;
		/*
		 * A gets its own state back, RIP unchanged: as on KVM (whose
		 * completion checks that RIP did not move), the IN still
		 * completes with the data A got, no IN exit again.
		 */
		if (state_put(a, &sa))
			diag("  putting A's state back into A failed");
	}
	if (pt == PT_HALT) {
		/* Halted in the VMM (QEMU's cpu->halted): an interrupt wakes it. */
		struct kvm_interrupt irq = { .irq = IRQ_VEC };

		ioctl(a->fd, KVM_INTERRUPT, &irq);
		ioctl(bv->fd, KVM_INTERRUPT, &irq);
	}
	run_to_end(ra);
	run_to_end(rb);
	if (pt == PT_IN_RAW) {
		/* A's log lacks the IN that B does again: line them up. */
		alike = rb->n == ra->n + 1 && rb->log[0].port == PORT_IN &&
			!memcmp(&rb->log[1], &ra->log[0],
				ra->n * sizeof(ra->log[0]));
		alike = alike && !state_get(a, &fa) && !state_get(bv, &fb) &&
			state_same(&fa, &fb, CLOCKS_SKIP, 0) &&
			same_bytes("guest memory", a->vm->mem, bv->vm->mem,
				   GUEST_MEM_SIZE);
		ok(alike, "%s, %s: A, its state put back, completes it; B runs it again, then as A",
		   b->name, pn);
		if (!alike) {
			diag_log("A", ra);
			diag_log("B", rb);
		}
		ok(point_run_ok(b, pt, rb), "%s, %s: B's first exit is the IN again",
		   b->name, pn);
		goto out;
	}
	alike = ra->n == rb->n &&
		!memcmp(ra->log, rb->log, ra->n * sizeof(ra->log[0]));
	alike = alike && !state_get(a, &fa) && !state_get(bv, &fb) &&
		state_same(&fa, &fb, CLOCKS_SKIP, 0);
	alike = alike && same_bytes("guest memory", a->vm->mem, bv->vm->mem,
				    GUEST_MEM_SIZE);
	ok(alike, "%s, %s: A and B run to the end alike (%u exits)",
	   b->name, pn, ra->n);
	if (!alike) {
		diag_log("A", ra);
		diag_log("B", rb);
	}
	if (pt == PT_IRQ_IF0 && !g_vtx && g_intel)
		ok(point_run_ok(b, pt, ra) && point_run_ok(b, pt, rb),
		   "%s, %s: KVM_EXIT_FAIL_ENTRY in A and B (kvm-intel)", b->name, pn);
	else if (pt == PT_IRQ_IF0 && g_vtx)
		ok(point_run_ok(b, pt, ra) && point_run_ok(b, pt, rb),
		   "%s, %s: delivered after STI's shadow in A and B (vtx)", b->name, pn);
	else
		ok(point_run_ok(b, pt, ra) && point_run_ok(b, pt, rb),
		   "%s, %s: the run shows it in A and B", b->name, pn);
	if (!point_run_ok(b, pt, ra) && alike)
		diag_log("A", ra);
out:
	state_free(&sa);
	state_free(&sb);
	state_free(&fa);
	state_free(&fb);
	free(ra);
	free(rb);
	if (bv)
		guest_destroy(bv);
	guest_destroy(a);
}

#define NR_POINTS	8
#define PER_MODE	(1 + 4 * NR_POINTS)

int main(int argc, char **argv)
{
	const char *path = kvm_device_path(argc, argv);
	struct kvm_cpuid_entry2 *e;
	struct kvm_cpuid2 *c;
	unsigned int i, k;
	long x2;

	g_kvm = kvm_open_dev(path);
	g_vtx = kvm_path_is_vtx(path);
	g_intel = host_is_intel();
	kvm_require_cap(g_kvm, KVM_CAP_VCPU_EVENTS);
	kvm_require_cap(g_kvm, KVM_CAP_MP_STATE);
	kvm_require_cap(g_kvm, KVM_CAP_USER_NMI);
	kvm_require_cap(g_kvm, KVM_CAP_IMMEDIATE_EXIT);
	g_xsave = kvm_cap(g_kvm, KVM_CAP_XSAVE);
	g_xcrs = kvm_cap(g_kvm, KVM_CAP_XCRS);
	g_dbg = kvm_cap(g_kvm, KVM_CAP_DEBUGREGS);
	x2 = kvm_cap(g_kvm, KVM_CAP_XSAVE2);
	g_xsave_size = x2 > (long)sizeof(struct kvm_xsave) ? (size_t)x2 :
		       sizeof(struct kvm_xsave);
	c = kvm_cached_cpuid(g_kvm);
	g_xcr0 = 1;
	e = c ? cpuid_find(c, 1, 0) : NULL;
	if (g_xcrs && e && (e->ecx & (1u << 26))) {
		e = cpuid_find(c, 0xd, 0);
		g_xcr0 = e ? (e->eax & 7) | 1 : 1;
	}
	kvm_watchdog(300);
	tap_plan(2 + 3 * PER_MODE);
	diag("  %s, %s host; XSAVE %d (%zu bytes), XCRS %d, DEBUGREGS %d, XCR0 %#llx",
	     path, g_intel ? "Intel" : "non-Intel", g_xsave, g_xsave_size,
	     g_xcrs, g_dbg, (unsigned long long)g_xcr0);
	probe_msrs();
	ok(g_nmsrs > 0, "KVM_GET_MSR_INDEX_LIST: %u MSRs read back and restore",
	   g_nmsrs);
	for (i = 0, k = 0; i < g_nrefused; i++)
		k += !refused_expected(g_refused[i]);
	ok(k == 0, "every other listed MSR that reads takes its own value back");

	for (i = 0; i < ARRAY_SIZE(blobs); i++) {
		test_readback(&blobs[i]);
		for (k = 0; k < NR_POINTS; k++)
			test_point(&blobs[i], k);
	}
	return tap_exit();
}

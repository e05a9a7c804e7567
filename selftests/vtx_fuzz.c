// SPDX-License-Identifier: GPL-2.0
/*
 * vtx_fuzz: a seeded ioctl fuzzer for /dev/vtx (and /dev/kvm, the
 * reference), structured like syzkaller's KVM descriptions rather than
 * blind: random sequences over every ioctl vtx serves on the device, VM
 * and vCPU fds, with valid, boundary and garbage arguments; ioctls on the
 * wrong fd kind and unknown numbers; random slot layouts over every kind
 * of memory; KVM_RUN on random guest code in every mode; vCPU threads
 * racing with slot changes, close(), munmap() of kvm_run, signals and
 * fork().
 *
 *   vtx_fuzz [--seed S] [--calls N] [--rounds R] [--seconds T]
 *            [--safe] [--digest FILE] [--threads] [--no-threads]
 *            [--verbose] [DEVICE]
 *
 * Each round runs in a child process of its own with seed
 * round_seed(S, r), printed; "--seed X --calls N --rounds 1" replays one
 * round exactly (the round seed is the seed of round 0).  Every call
 * draws its randomness from a generator seeded by (round seed, call
 * index) alone, so that a call's arguments never depend on what earlier
 * calls answered: the same seed makes the same calls on vtx and on
 * kvm-intel even where their answers differ.
 *
 * What is deterministic: everything the main thread does, in --digest
 * mode (no threads; KVM_RUN bounded by a timer signal, which only a guest
 * that runs longer than the timer ever meets: none in --safe mode).
 * What is racy by nature: the vCPU threads (on by default without
 * --digest), the kicker thread's signals, close()/munmap() while they
 * run, and the timing of the main thread's KVM_RUN timer.
 *
 * --safe: guests that can never spin without exits with RFLAGS.IF = 0,
 * and no input known to make kvm-intel itself warn in the test bed (dirty
 * logging): Bochs 2.7 takes no external-interrupt exit from an IF = 0
 * guest, and kvm-intel has no preemption timer there, so such a guest
 * hangs the PC (README, "Known gaps").  The kvm-intel runs use it.
 *
 * --digest FILE: one line per call, "INDEX OP RESULT" (RESULT the return
 * value or -ERRNO; KVM_RUN adds the exit reason), for comparing vtx with
 * kvm-intel call by call (vtx_fuzz_test.sh).
 *
 * --verbose: every call as it is recorded; for SETUP and KVM_RUN the
 * vCPU (VM and vCPU index), its RIP, RFLAGS, CR0 and pending events;
 * after a KVM_RUN that failed entry or stopped with an internal error,
 * the error's data, the registers, the code at CS:RIP (slot 0, no
 * paging), and on vtx the VMCS fields VM entry checks events against
 * (VTX_GET_VMCS).  Only reads: the calls stay the same as without it.
 *
 * After each round, with vtx, the parent checks /sys/kernel/debug/vtx/
 * (else VTX_GET_STATUS): no VM, vCPU or pinned page left, and the VMCS
 * pages back to what they were before the round.
 *
 * TAP: one result per round ("the round ran and left nothing behind"),
 * and one for the fork() children (EIO on the parent's VM and vCPU fds).
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <linux/capability.h>

#include "kvm_util.h"
#include "vtx.h"

#define MAX_VMS		3
#define MAX_VCPUS	4
#define MAX_BACKINGS	8
#define MAX_RUNNERS	4
#define TIB		(1ULL << 40)
#define RUN_TIMER_US	2000	/* bound on one KVM_RUN of the main thread */
#define ROUND_LIMIT_S	600	/* a round that takes longer has hung */
#define MEMLOCK_LIMIT	(64ULL << 20)

/* ---- randomness ---------------------------------------------------------- */

struct rng {
	__u64 s;
};

static __u64 splitmix(__u64 *s)
{
	__u64 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static __u64 rnd(struct rng *r)
{
	return splitmix(&r->s);
}

/* 0 .. n-1 */
static __u64 rn(struct rng *r, __u64 n)
{
	return n ? rnd(r) % n : 0;
}

/* 1 in @n */
static int one_in(struct rng *r, unsigned int n)
{
	return rn(r, n) == 0;
}

static void rfill(struct rng *r, void *p, size_t n)
{
	unsigned char *c = p;
	__u64 v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!(i & 7))
			v = rnd(r);
		c[i] = v;
		v >>= 8;
	}
}

static __u64 mix(__u64 a, __u64 b)
{
	__u64 s = a ^ (b * 0xd1342543de82ef95ULL);

	splitmix(&s);
	return splitmix(&s);
}

/* A value with boundary cases weighted up: 0, ~0, powers of two +-1, ... */
static __u64 rval(struct rng *r)
{
	__u64 b;

	switch (rn(r, 8)) {
	case 0:
		return 0;
	case 1:
		return ~0ULL;
	case 2:
		b = 1ULL << rn(r, 64);
		return b + rn(r, 3) - 1;
	case 3:
		return rn(r, 256);
	case 4:
		return (__u32)rnd(r);
	case 5:
		return 0x80000000ULL << rn(r, 33);
	default:
		return rnd(r);
	}
}

/* ---- the fuzzer's state -------------------------------------------------- */

enum backing_kind {
	BK_ANON, BK_HUGE, BK_MEMFD, BK_TMPFS, BK_RDONLY, BK_UNMAPPED,
	BK_HOLE, BK_ALIGNED, NR_BK
};

static const char *const bk_names[NR_BK] = {
	"anon", "1TiB-noreserve", "memfd", "tmpfs", "read-only", "unmapped",
	"holed", "2M-aligned",
};

struct backing {
	unsigned char *p;
	size_t size;
	int kind;
	int mapped;		/* we still own the mapping */
};

struct fz_vcpu {
	int fd;
	int live;		/* fd is ours and open */
	int mode;
	struct kvm_run *run;	/* the main thread's mapping, or NULL */
	size_t run_size;
};

struct fz_vm {
	int fd;
	int live;
	struct vm kvm;		/* kvm_util's view: fd and slot 0's memory */
	unsigned char *ram;	/* GUEST_MEM_SIZE, never unmapped */
	struct fz_vcpu vcpu[MAX_VCPUS];
};

struct runner {
	pthread_t tid;
	atomic_int state;	/* 0 free, 1 running */
	atomic_int stop;
	atomic_int done;
	int fd;
	__u64 seed;
	size_t run_size;
};

static struct {
	const char *path;
	int is_vtx;
	int safe;
	int threads;
	FILE *digest;
	int verbose;
	int dev;
	int devnull;
	struct fz_vm vm[MAX_VMS];
	struct backing bk[MAX_BACKINGS];
	unsigned char *scratch;	/* 64 KiB, a PROT_NONE guard page after */
	unsigned char *ro_page;	/* PROT_READ */
	struct kvm_cpuid2 *cpuid;
	long mmap_size;
	struct runner runner[MAX_RUNNERS];
	pthread_mutex_t runner_lock;
	atomic_int kicker_stop;
	pthread_t kicker;
	int kicker_live;
	unsigned long fork_bad;	/* fork children that saw not-EIO */
	unsigned long forks;
	unsigned long calls;
	unsigned long runs, exits[64];
} fz;

#define SCRATCH_SIZE	0x10000

/* ---- signals ------------------------------------------------------------- */

static void on_signal(int sig)
{
	(void)sig;
}

static sigjmp_buf touch_jmp;
static volatile sig_atomic_t touch_armed;

static unsigned long cur_call;

/*
 * A fault outside touch(): the fuzzer's own bug, or memory the kernel
 * took away.  Say where, then fault again with the default action (the
 * kernel logs it as a segfault, with its address).
 */
static void on_fault(int sig, siginfo_t *si, void *uc)
{
	char msg[128];
	int n;
	ssize_t r;

	(void)uc;
	if (touch_armed) {
		touch_armed = 0;
		siglongjmp(touch_jmp, 1);
	}
	n = snprintf(msg, sizeof(msg),
		     "# signal %d at address %p during call %lu\n", sig,
		     si->si_addr, cur_call);
	r = write(1, msg, n);
	(void)r;
	signal(sig, SIG_DFL);	/* returning faults again, fatally */
}

static void setup_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: KVM_RUN returns EINTR */
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = NULL;
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_NODEFER | SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Read every page of [p, p + size): 1 if all readable, 0 on a fault. */
static int touch(volatile unsigned char *p, size_t size)
{
	size_t i;

	if (sigsetjmp(touch_jmp, 1))
		return 0;
	touch_armed = 1;
	for (i = 0; i < size; i += PAGE_SIZE_4K)
		(void)p[i];
	touch_armed = 0;
	return 1;
}

/* ---- recording calls ----------------------------------------------------- */

/* ioctl() with errno folded into the result: r >= 0, or -errno. */
static long xioctl(int fd, unsigned long nr, unsigned long arg)
{
	long r;

	errno = 0;
	r = ioctl(fd, nr, arg);
	return r < 0 ? -errno : r;
}

static unsigned int cur_sub;	/* the records of one call: 0, 1, ... */

static void record(const char *op, long r, const char *extra)
{
	if (fz.digest)
		fprintf(fz.digest, "%lu.%u %s %ld%s%s\n", cur_call, cur_sub,
			op, r, extra ? " " : "", extra ? extra : "");
	cur_sub++;
	if (fz.verbose)
		printf("# call %lu: %s = %ld %s\n", cur_call, op, r,
		       extra ? extra : "");
}

/* ---- argument pointers --------------------------------------------------- */

/*
 * A pointer for an ioctl argument of @size bytes: mostly a valid buffer
 * (filled by the caller), else NULL, a small integer, a kernel address,
 * one that crosses into the guard page, a read-only page, or unaligned.
 * *@valid is set when the buffer is ours to fill and read.
 */
static void *rptr(struct rng *r, size_t size, int *valid)
{
	*valid = 0;
	if (size > SCRATCH_SIZE - 64)
		size = SCRATCH_SIZE - 64;
	switch (rn(r, 16)) {
	case 0:
		return NULL;
	case 1:
		return (void *)(unsigned long)rn(r, 4096);
	case 2:
		return (void *)0xffff888000000000UL;
	case 3:		/* the last bytes before the guard page */
		return fz.scratch + SCRATCH_SIZE - size / 2 - 1;
	case 4:
		return fz.ro_page;
	case 5:
		*valid = 1;
		return fz.scratch + 1 + rn(r, 7);	/* unaligned */
	case 6:
		return (void *)(unsigned long)rnd(r);
	default:
		*valid = 1;
		return fz.scratch;
	}
}

/* ---- memory backings ----------------------------------------------------- */

static void backing_drop(struct backing *b)
{
	if (b->mapped && b->p)
		munmap(b->p, b->size);
	memset(b, 0, sizeof(*b));
}

static void *map_file(int fd, size_t size)
{
	void *p;

	if (fd < 0)
		return MAP_FAILED;
	if (ftruncate(fd, size)) {
		close(fd);
		return MAP_FAILED;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return p;
}

/* Fill what a guest may execute: HLT in --safe mode, else random bytes. */
static void fill_guest(struct rng *r, void *p, size_t size)
{
	if (fz.safe)
		memset(p, 0xf4, size);
	else
		rfill(r, p, size);
}

static void backing_new(struct rng *r, struct backing *b)
{
	int kind = rn(r, NR_BK);
	size_t size = PAGE_SIZE_4K << rn(r, 10);	/* 4 KiB .. 2 MiB */
	char name[64];
	void *p = MAP_FAILED;
	int fd;

	backing_drop(b);
	switch (kind) {
	case BK_HUGE:
		size = TIB;
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		break;
	case BK_MEMFD:
		fd = syscall(SYS_memfd_create, "vtx_fuzz", 0);
		p = map_file(fd, size);
		break;
	case BK_TMPFS:
		snprintf(name, sizeof(name), "/tmp/vtx_fuzz.%d", getpid());
		fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);
		unlink(name);
		p = map_file(fd, size);
		break;
	case BK_ALIGNED:
		size = 4 << 20;
		p = mmap(NULL, 2 * size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p != MAP_FAILED) {
			unsigned long a = ((unsigned long)p + size - 1) &
					  ~(size - 1);

			/* Keep [a, a + size): 2 MiB aligned, THP-able. */
			if (a > (unsigned long)p)
				munmap(p, a - (unsigned long)p);
			munmap((void *)(a + size),
			       (unsigned long)p + size - a);
			p = (void *)a;
			madvise(p, size, MADV_HUGEPAGE);
		}
		break;
	default:
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		break;
	}
	if (p == MAP_FAILED)
		return;
	b->p = p;
	b->size = size;
	b->kind = kind;
	b->mapped = 1;
	if (kind != BK_HUGE)
		fill_guest(r, p, size);
	switch (kind) {
	case BK_RDONLY:
		mprotect(p, size, PROT_READ);
		break;
	case BK_UNMAPPED:	/* the address stays, the memory goes */
		munmap(p, size);
		b->mapped = 0;
		break;
	case BK_HOLE:
		/*
		 * A page nobody may read, in the middle.  Not munmap(): a
		 * later mapping (a vCPU's kvm_run) could land in the hole,
		 * and dropping this backing would unmap it too.
		 */
		if (size > PAGE_SIZE_4K)
			mprotect(b->p + size / 2, PAGE_SIZE_4K, PROT_NONE);
		break;
	}
}

/* ---- guest code ---------------------------------------------------------- */

struct code {
	unsigned char b[CODE_MAX];
	size_t n;
	int mode;
};

static void emit(struct code *c, const void *p, size_t n)
{
	if (c->n + n <= sizeof(c->b) - 16) {
		memcpy(c->b + c->n, p, n);
		c->n += n;
	}
}

static void emit1(struct code *c, unsigned char a)
{
	emit(c, &a, 1);
}

#define EMIT(c, ...)							\
	do {								\
		static const unsigned char b_[] = { __VA_ARGS__ };	\
		emit((c), b_, sizeof(b_));				\
	} while (0)

static int code16(const struct code *c)
{
	return c->mode == MODE_REAL || c->mode == MODE_PROT16;
}

/* mov $imm32, %e<reg> (reg 0 eax, 1 ecx, 2 edx, 7 edi) in any mode. */
static void mov_imm(struct code *c, int reg, __u32 imm)
{
	if (code16(c))
		emit1(c, 0x66);
	emit1(c, 0xb8 + reg);
	emit(c, &imm, 4);
}

/* mov $imm, %rax with a 64-bit immediate where the mode has one. */
static void mov_addr(struct code *c, __u64 addr)
{
	if (c->mode == MODE_LONG64) {
		EMIT(c, 0x48, 0xb8);
		emit(c, &addr, 8);
	} else {
		mov_imm(c, 0, addr);
	}
}

/* An address prefix so that (%eax) is a 32-bit address in 16-bit code. */
static void addr32(struct code *c)
{
	if (code16(c))
		emit1(c, 0x67);
}

static __u64 guest_addr(struct rng *r)
{
	switch (rn(r, 8)) {
	case 0:
		return 0xfee00000 + rn(r, 0x1000);	/* the APIC page */
	case 1:
		return 0xd0000000 + rn(r, 0x10000000);	/* MMIO hole */
	case 2:
		return 0x20000 + rn(r, GUEST_MEM_SIZE - 0x20000);
	case 3:
		return 0x200000 + rn(r, 0x10000000);	/* other slots */
	case 4:
		return 0x100000000ULL + rn(r, 1ULL << 32);
	case 5:
		return rval(r);
	default:
		return DATA_GPA + rn(r, 0x1000);
	}
}

static __u32 guest_msr(struct rng *r)
{
	static const __u32 msrs[] = {
		0x10, 0x1b, 0x3a, 0x48, 0x8b, 0xce, 0xfe, 0x174, 0x175, 0x176,
		0x179, 0x17a, 0x1a0, 0x1d9, 0x200, 0x250, 0x277, 0x2ff, 0x400,
		0x401, 0x480, 0x48d, 0x6e0, 0x802, 0x808, 0x830, 0xc0000080,
		0xc0000081, 0xc0000082, 0xc0000084, 0xc0000100, 0xc0000101,
		0xc0000102, 0xc0000103, 0x3b, 0x6a0, 0xda0, 0x1c9, 0xd90,
	};

	switch (rn(r, 4)) {
	case 0:
		return rnd(r);
	case 1:
		return 0x40000000 + rn(r, 0x200);
	default:
		return msrs[rn(r, ARRAY_SIZE(msrs))];
	}
}

/* kvm-intel writes guest memory behind its PV MSRs: not in --safe mode. */
static int msr_writes_memory(__u32 msr)
{
	return msr == 0x11 || msr == 0x12 ||
	       (msr >= 0x4b564d00 && msr <= 0x4b564dff);
}

/* One gadget: a few instructions that mostly end in a VM exit. */
static void gadget(struct rng *r, struct code *c)
{
	static const unsigned char vmx_insns[][5] = {
		{ 4, 0xf3, 0x0f, 0xc7, 0x30 },	/* vmxon (%eax) */
		{ 3, 0x0f, 0x01, 0xc1 },	/* vmcall */
		{ 3, 0x0f, 0x01, 0xc2 },	/* vmlaunch */
		{ 3, 0x0f, 0x01, 0xc3 },	/* vmresume */
		{ 3, 0x0f, 0x01, 0xc4 },	/* vmxoff */
		{ 3, 0x0f, 0xc7, 0x30 },	/* vmptrld (%eax) */
		{ 4, 0x66, 0x0f, 0xc7, 0x30 },	/* vmclear (%eax) */
		{ 3, 0x0f, 0x78, 0xc8 },	/* vmread %ecx, %eax */
		{ 3, 0x0f, 0x79, 0xc1 },	/* vmwrite %ecx, %eax */
		{ 3, 0x0f, 0x01, 0xd4 },	/* vmfunc */
		{ 4, 0x0f, 0xc7, 0x38, 0x90 },	/* vmptrst (%eax) */
	};
	static const unsigned char misc[][4] = {
		{ 2, 0x0f, 0xa2 },		/* cpuid */
		{ 1, 0xf4 },			/* hlt */
		{ 2, 0x0f, 0x0b },		/* ud2 */
		{ 1, 0xcc },			/* int3 */
		{ 2, 0x0f, 0x31 },		/* rdtsc */
		{ 2, 0x0f, 0x33 },		/* rdpmc */
		{ 2, 0x0f, 0x09 },		/* wbinvd */
		{ 2, 0x0f, 0x08 },		/* invd */
		{ 3, 0x0f, 0x01, 0xd1 },	/* xsetbv */
		{ 3, 0x0f, 0x01, 0xd0 },	/* xgetbv */
		{ 3, 0x0f, 0x01, 0xc8 },	/* monitor */
		{ 3, 0x0f, 0x01, 0xc9 },	/* mwait */
		{ 2, 0xf3, 0x90 },		/* pause */
		{ 3, 0x0f, 0x23, 0xf8 },	/* mov %eax, %dr7 */
		{ 3, 0x0f, 0x21, 0xf8 },	/* mov %dr7, %eax */
		{ 3, 0x0f, 0x01, 0x38 },	/* invlpg (%eax) */
		{ 2, 0x0f, 0x06 },		/* clts */
		{ 3, 0x0f, 0x01, 0xf0 },	/* lmsw %ax */
		{ 3, 0x0f, 0x01, 0x18 },	/* lidt (%eax) */
		{ 3, 0x0f, 0x01, 0x10 },	/* lgdt (%eax) */
		{ 3, 0x0f, 0x00, 0xd8 },	/* ltr %ax */
		{ 3, 0x0f, 0x01, 0xf9 },	/* rdtscp */
		{ 1, 0xfb },			/* sti */
		{ 2, 0xcd, 0x80 },		/* int $0x80 */
	};
	static const unsigned char unsafe[][4] = {
		{ 1, 0xfa },			/* cli */
		{ 2, 0xeb, 0xfe },		/* jmp . (spins) */
		{ 3, 0xfa, 0xeb, 0xfe },	/* cli; jmp . */
		{ 1, 0x9d },			/* popf */
		{ 1, 0xcf },			/* iret */
		{ 2, 0x0f, 0x05 },		/* syscall */
		{ 2, 0x0f, 0x34 },		/* sysenter */
		{ 2, 0x0f, 0x07 },		/* sysret */
		{ 3, 0xf3, 0xaa, 0x90 },	/* rep stosb */
		{ 3, 0xf3, 0x6c, 0x90 },	/* rep insb */
		{ 2, 0x0f, 0xaa },		/* rsm */
		{ 1, 0xf1 },			/* int1 */
	};
	__u32 msr, v;
	int k = rn(r, fz.safe ? 11 : 13);
	int i;

	switch (k) {
	case 0: {	/* port I/O */
		static const unsigned char io[] = { 0xe4, 0xe5, 0xe6, 0xe7 };
		__u16 port = one_in(r, 2) ? rn(r, 0x100) : rnd(r);

		mov_imm(c, 0, rnd(r));
		if (one_in(r, 2)) {
			emit1(c, io[rn(r, 4)]);
			emit1(c, port);
		} else {
			mov_imm(c, 2, port);
			if (one_in(r, 3))
				emit1(c, 0x66);
			emit1(c, 0xec + rn(r, 4));	/* in/out (%dx) */
		}
		break;
	}
	case 1:		/* MMIO or RAM: a load or a store through %eax */
		mov_addr(c, guest_addr(r));
		addr32(c);
		switch (rn(r, 4)) {
		case 0:
			EMIT(c, 0x8b, 0x00);	/* mov (%eax), %eax */
			break;
		case 1:
			EMIT(c, 0x8a, 0x00);	/* mov (%eax), %al */
			break;
		case 2:				/* movl $0xf4f4f4f4, (%eax) */
			EMIT(c, 0xc7, 0x00, 0xf4, 0xf4, 0xf4, 0xf4);
			if (code16(c))	/* 16-bit operand: 2 bytes too many */
				c->n -= 2;
			break;
		default:			/* movb $0xf4, (%eax) */
			EMIT(c, 0xc6, 0x00, 0xf4);
			break;
		}
		break;
	case 2:		/* rdmsr / wrmsr */
		msr = guest_msr(r);
		if (fz.safe && msr_writes_memory(msr))
			msr = 0x10;
		mov_imm(c, 1, msr);
		mov_imm(c, 0, rval(r));
		mov_imm(c, 2, rval(r));
		emit1(c, 0x0f);
		emit1(c, one_in(r, 2) ? 0x30 : 0x32);	/* wrmsr, rdmsr */
		break;
	case 3:		/* control registers */
		v = rval(r);
		mov_imm(c, 0, v);
		if (c->mode == MODE_LONG64 && one_in(r, 4)) {
			EMIT(c, 0x44, 0x0f, 0x22, 0xc0);	/* mov %rax, %cr8 */
			break;
		}
		emit1(c, 0x0f);
		emit1(c, one_in(r, 3) ? 0x20 : 0x22);	/* from, to %cr */
		emit1(c, (const unsigned char[]){ 0xc0, 0xd8, 0xe0, 0xd0 }
		      [rn(r, 4)]);			/* cr0, cr3, cr4, cr2 */
		break;
	case 4:		/* VMX instructions: #UD, or KVM's hypercall */
		i = rn(r, ARRAY_SIZE(vmx_insns));
		mov_addr(c, guest_addr(r));
		mov_imm(c, 1, rval(r));
		emit(c, vmx_insns[i] + 1, vmx_insns[i][0]);
		break;
	case 5:
	case 6:
		i = rn(r, ARRAY_SIZE(misc));
		mov_imm(c, 0, rval(r));
		mov_imm(c, 1, rval(r));
		mov_imm(c, 2, rval(r));
		emit(c, misc[i] + 1, misc[i][0]);
		break;
	case 7:		/* a triple fault: no IDT, then an exception */
		mov_addr(c, DATA_GPA + 0x800);
		addr32(c);
		EMIT(c, 0x0f, 0x01, 0x18);	/* lidt (%eax): zeros there */
		EMIT(c, 0x0f, 0x0b);
		break;
	case 8:		/* string output, a few elements */
		mov_imm(c, 1, 1 + rn(r, 8));
		mov_imm(c, 2, rn(r, 0x10000));
		EMIT(c, 0xf3, 0x6e);		/* rep outsb */
		break;
	case 9:		/* hlt */
	case 10:	/* invalid encodings: #UD */
		if (k == 9) {
			emit1(c, 0xf4);
			break;
		}
		EMIT(c, 0x0f, 0xff);
		break;
	case 11:	/* random bytes */
		for (i = rn(r, 16); i >= 0; i--)
			emit1(c, rnd(r));
		break;
	default:
		i = rn(r, ARRAY_SIZE(unsafe));
		mov_imm(c, 1, rval(r));
		mov_imm(c, 7, guest_addr(r));
		emit(c, unsafe[i] + 1, unsafe[i][0]);
		break;
	}
}

/*
 * A guest program: gadgets, then "hlt; jmp to the start" (--safe), or
 * sometimes only random bytes.
 */
static void gen_code(struct rng *r, struct code *c, int mode)
{
	int i, n = 1 + rn(r, 16);
	__s32 rel;

	c->n = 0;
	c->mode = mode;
	if (!fz.safe && one_in(r, 6)) {
		c->n = 1 + rn(r, 256);
		rfill(r, c->b, c->n);
		return;
	}
	for (i = 0; i < n; i++)
		gadget(r, c);
	emit1(c, 0xf4);
	emit1(c, 0xe9);			/* jmp CODE_GPA */
	if (code16(c)) {
		rel = -(int)(c->n + 2);
		emit(c, &rel, 2);
	} else {
		rel = -(int)(c->n + 4);
		emit(c, &rel, 4);
	}
}

/* ---- VMs and vCPUs ------------------------------------------------------- */

/*
 * Mostly a live object, sometimes whatever is there (closed: EBADF).  The
 * draws are the same whatever the state, and the state only steers this
 * call: later calls have generators of their own.
 */
static struct fz_vm *pick_vm(struct rng *r)
{
	unsigned int i = rn(r, MAX_VMS), k;
	int any = one_in(r, 8);

	for (k = 0; !any && k < MAX_VMS; k++)
		if (fz.vm[(i + k) % MAX_VMS].live)
			return &fz.vm[(i + k) % MAX_VMS];
	return &fz.vm[i];
}

static struct fz_vcpu *pick_vcpu(struct rng *r, struct fz_vm **vmp)
{
	unsigned int i = rn(r, MAX_VMS * MAX_VCPUS), k, j;
	int any = one_in(r, 8);

	for (k = 0; !any && k < MAX_VMS * MAX_VCPUS; k++) {
		j = (i + k) % (MAX_VMS * MAX_VCPUS);
		if (fz.vm[j / MAX_VCPUS].vcpu[j % MAX_VCPUS].live) {
			i = j;
			break;
		}
	}
	if (vmp)
		*vmp = &fz.vm[i / MAX_VCPUS];
	return &fz.vm[i / MAX_VCPUS].vcpu[i % MAX_VCPUS];
}

/*
 * The low megabyte as a guest sees it on this VM: in --safe mode the
 * real-mode IVT sends every vector to HLTs at 0x500, and everything
 * unused is HLT, so that no exception or stray jump runs without exits.
 */
static void vm_fill_low(struct rng *r, struct fz_vm *vm)
{
	unsigned int i;

	fill_guest(r, vm->ram, GUEST_MEM_SIZE);
	if (fz.safe)
		for (i = 0; i < 256; i++)
			guest_write32(&vm->kvm, i * 4, 0x500);
	/* What the triple-fault gadget loads into IDTR: limit 0. */
	memset(vm->ram + DATA_GPA + 0x800, 0, 16);
}

static void vm_close(struct fz_vm *vm)
{
	int i;

	for (i = 0; i < MAX_VCPUS; i++) {
		struct fz_vcpu *v = &vm->vcpu[i];

		if (v->run)
			munmap(v->run, v->run_size);
		if (v->live)
			close(v->fd);
		v->run = NULL;
		v->live = 0;
	}
	if (vm->live)
		close(vm->fd);
	vm->live = 0;
}

static void op_create_vm(struct rng *r)
{
	struct fz_vm *vm = &fz.vm[rn(r, MAX_VMS)];
	unsigned long type = one_in(r, 8) ? rval(r) : 0;
	long ret;

	if (vm->live && !one_in(r, 4)) {
		/* Mostly fill a free place; sometimes drop the old VM. */
		record("CREATE_VM(skip)", 0, NULL);
		return;
	}
	vm_close(vm);
	ret = xioctl(fz.dev, KVM_CREATE_VM, type);
	record("KVM_CREATE_VM", ret < 0 ? ret : 0, NULL);
	if (ret < 0)
		return;
	vm->fd = ret;
	vm->live = 1;
	vm->kvm.fd = ret;
	vm->kvm.kvm_fd = fz.dev;
	vm->kvm.mem = vm->ram;
	vm_fill_low(r, vm);
	if (one_in(r, 2))
		xioctl(vm->fd, KVM_SET_TSS_ADDR, QEMU_TSS_ADDR);
	ret = vm_set_region(vm->fd, 0, 0, 0, GUEST_MEM_SIZE, vm->ram);
	record("SET_USER_MEMORY_REGION(slot0)", ret ? -errno : 0, NULL);
}

static void op_create_vcpu(struct rng *r)
{
	struct fz_vm *vm = pick_vm(r);
	struct fz_vcpu *v = &vm->vcpu[rn(r, MAX_VCPUS)];
	unsigned long id = v - vm->vcpu;
	long ret;

	if (one_in(r, 8))
		id = rval(r);
	if (v->live && !one_in(r, 4)) {
		record("CREATE_VCPU(skip)", 0, NULL);
		return;
	}
	ret = xioctl(vm->live ? vm->fd : -1, KVM_CREATE_VCPU, id);
	record("KVM_CREATE_VCPU", ret < 0 ? ret : 0, NULL);
	if (ret < 0)
		return;
	if (v->run)
		munmap(v->run, v->run_size);
	if (v->live)
		close(v->fd);
	v->fd = ret;
	v->live = 1;
	v->run = NULL;
	v->mode = MODE_REAL;
	if (fz.cpuid && one_in(r, 2) && ioctl(v->fd, KVM_SET_CPUID2, fz.cpuid))
		record("SET_CPUID2(supported)", -errno, NULL);
	v->run_size = fz.mmap_size;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->fd, 0);
	if (v->run == MAP_FAILED)
		v->run = NULL;
}

/* vcpu_setup_mode() of kvm_util.h, on our VM's memory, with new code. */
/* --verbose: which vCPU a call used, and where it stands after it. */
static void show_where(struct fz_vm *vm, struct fz_vcpu *fv)
{
	struct kvm_vcpu_events e;
	struct kvm_sregs s;
	struct kvm_regs g;

	if (!fz.verbose || !fv->live)
		return;
	printf("#   vm %ld vcpu %ld", (long)(vm - fz.vm), (long)(fv - vm->vcpu));
	if (!ioctl(fv->fd, KVM_GET_REGS, &g))
		printf(" rip %#llx rflags %#llx", (unsigned long long)g.rip,
		       (unsigned long long)g.rflags);
	if (!ioctl(fv->fd, KVM_GET_SREGS, &s))
		printf(" cr0 %#llx", (unsigned long long)s.cr0);
	if (!ioctl(fv->fd, KVM_GET_VCPU_EVENTS, &e) &&
	    (e.exception.injected || e.interrupt.injected || e.nmi.injected))
		printf(" events %u/%u/%u/%#x %u/%u %u", e.exception.injected,
		       e.exception.nr, e.exception.has_error_code,
		       e.exception.error_code, e.interrupt.injected,
		       e.interrupt.nr, e.nmi.injected);
	printf("\n");
}

static void op_setup(struct rng *r)
{
	struct fz_vm *vm;
	struct fz_vcpu *fv = pick_vcpu(r, &vm);
	struct vcpu v = { .fd = fv->fd, .vm = &vm->kvm };
	int mode = rn(r, NR_MODES);
	struct code c;
	struct kvm_sregs s;
	long ret = -EBADF;

	gen_code(r, &c, mode);
	if (!fv->live || !vm->live) {
		record("SETUP", ret, NULL);
		return;
	}
	memcpy(vm->ram + CODE_GPA, c.b, c.n);
	if (ioctl(fv->fd, KVM_GET_SREGS, &s) == 0) {
		/* kvm_util's diagnostics are for tests, not for fuzzing. */
		int out = fz.verbose ? -1 : dup(1);

		if (out >= 0) {
			fflush(stdout);
			dup2(fz.devnull, 1);
		}
		ret = vcpu_setup_mode(&v, mode) ? -errno : 0;
		if (out >= 0) {
			fflush(stdout);
			dup2(out, 1);
			close(out);
		}
	} else {
		ret = -errno;
	}
	fv->mode = mode;
	record("SETUP", ret, mode_names[mode]);
	show_where(vm, fv);
}

/* The vCPU's ioctls, each with a generator of arguments. */
/*
 * --verbose: what a replay needs to find a difference's cause.  Reads
 * only, and draws nothing from the generators: the calls stay the same.
 */
static void show_events(const char *what, const struct kvm_vcpu_events *e)
{
	printf("#   %s: flags %#x exception %u/%u/%u/%#x interrupt %u/%u/%u/%#x nmi %u/%u/%u\n",
	       what, e->flags, e->exception.injected, e->exception.nr,
	       e->exception.has_error_code, e->exception.error_code,
	       e->interrupt.injected, e->interrupt.nr, e->interrupt.soft,
	       e->interrupt.shadow, e->nmi.injected, e->nmi.pending,
	       e->nmi.masked);
}

/* The vCPU's state after a KVM_RUN that failed entry or stopped. */
static void show_vcpu(int fd, struct kvm_run *run, const unsigned char *ram)
{
	static const __u32 want[] = {
		0x4400,	/* VM-instruction error */
		0x4016,	/* VM-entry interruption information */
		0x4018,	/* VM-entry exception error code */
		0x401a,	/* VM-entry instruction length */
		0x4824,	/* guest interruptibility state */
		0x4826,	/* guest activity state */
		0x6800,	/* guest CR0 */
		0x6820,	/* guest RFLAGS */
		0x681e,	/* guest RIP */
		0x2806,	/* guest IA32_EFER */
		0x4816,	/* guest CS access rights */
	};
	struct kvm_vcpu_events e;
	struct kvm_sregs s;
	struct kvm_regs g;
	struct vtx_vmcs_dump *d;
	__u32 i, k, nr = 400;

	if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR) {
		printf("#   internal error %u, ndata %u:", run->internal.suberror,
		       run->internal.ndata);
		for (i = 0; i < run->internal.ndata && i < 16; i++)
			printf(" %#llx", (unsigned long long)run->internal.data[i]);
		printf("\n");
	}
	if (!ioctl(fd, KVM_GET_REGS, &g))
		printf("#   rip %#llx rflags %#llx rsp %#llx\n",
		       (unsigned long long)g.rip, (unsigned long long)g.rflags,
		       (unsigned long long)g.rsp);
	if (!ioctl(fd, KVM_GET_SREGS, &s))
		printf("#   cr0 %#llx cr4 %#llx efer %#llx cs %#x/%#llx/%u/%u\n",
		       (unsigned long long)s.cr0, (unsigned long long)s.cr4,
		       (unsigned long long)s.efer, s.cs.selector,
		       (unsigned long long)s.cs.base, s.cs.db, s.cs.l);
	/* The code there, when paging is off and it lies in slot 0. */
	if (!ioctl(fd, KVM_GET_SREGS, &s) && !ioctl(fd, KVM_GET_REGS, &g) &&
	    !(s.cr0 & (1ULL << 31)) && ram &&
	    s.cs.base + g.rip + 16 <= GUEST_MEM_SIZE) {
		printf("#   bytes at cs.base+rip:");
		for (i = 0; i < 16; i++)
			printf(" %02x", ram[s.cs.base + g.rip + i]);
		printf("\n");
	}
	if (!ioctl(fd, KVM_GET_VCPU_EVENTS, &e))
		show_events("KVM_GET_VCPU_EVENTS", &e);
	d = calloc(1, sizeof(*d) + nr * sizeof(d->fields[0]));
	if (!d)
		return;
	d->nr = nr;
	if (!ioctl(fd, VTX_GET_VMCS, d))
		for (k = 0; k < ARRAY_SIZE(want); k++)
			for (i = 0; i < d->nr; i++)
				if (d->fields[i].encoding == want[k])
					printf("#   vmcs %s = %#llx\n",
					       d->fields[i].name,
					       (unsigned long long)
					       d->fields[i].value);
	free(d);
}

static long fz_vcpu_ioctl(struct rng *r, int fd, const char **name)
{
	void *p;
	int valid;
	long ret;

	switch (rn(r, 30)) {
	case 0: {
		*name = "KVM_GET_REGS";
		p = rptr(r, sizeof(struct kvm_regs), &valid);
		return xioctl(fd, KVM_GET_REGS, (unsigned long)p);
	}
	case 1: {
		struct kvm_regs *g = (void *)fz.scratch;

		*name = "KVM_SET_REGS";
		p = rptr(r, sizeof(*g), &valid);
		if (valid) {
			g = p;
			if (ioctl(fd, KVM_GET_REGS, g))
				memset(g, 0, sizeof(*g));
			switch (rn(r, 4)) {
			case 0:
				rfill(r, g, sizeof(*g));
				break;
			case 1:
				g->rip = fz.safe ? 0x20000 +
					 rn(r, GUEST_MEM_SIZE - 0x20000) :
					 rval(r);
				break;
			case 2:
				g->rflags = rval(r);
				break;
			default:
				((__u64 *)g)[rn(r, 18)] = rval(r);
				break;
			}
			if (fz.safe) {	/* IF on, no TF, no VM86 */
				g->rflags = (g->rflags & 0xcd5) | 0x202;
				if (g->rip >= GUEST_MEM_SIZE ||
				    g->rip < 0x20000)
					g->rip = CODE_GPA;
			}
		}
		return xioctl(fd, KVM_SET_REGS, (unsigned long)p);
	}
	case 2:
		*name = "KVM_GET_SREGS";
		p = rptr(r, sizeof(struct kvm_sregs), &valid);
		return xioctl(fd, KVM_GET_SREGS, (unsigned long)p);
	case 3: {
		struct kvm_sregs *s;

		*name = "KVM_SET_SREGS";
		p = rptr(r, sizeof(*s), &valid);
		if (valid) {
			s = p;
			if (ioctl(fd, KVM_GET_SREGS, s))
				memset(s, 0, sizeof(*s));
			if (fz.safe) {
				/* Only ones both refuse outright. */
				s->cr0 |= 1ULL << (32 + rn(r, 32));
			} else if (one_in(r, 8)) {
				rfill(r, s, sizeof(*s));
			} else {
				int i, n = 1 + rn(r, 3);

				for (i = 0; i < n; i++)
					((__u64 *)s)[rn(r, sizeof(*s) / 8)] ^=
						1ULL << rn(r, 64);
			}
		}
		return xioctl(fd, KVM_SET_SREGS, (unsigned long)p);
	}
	case 4: {
		struct kvm_cpuid2 *c;
		__u32 n = fz.cpuid ? fz.cpuid->nent : 0;

		*name = "KVM_SET_CPUID2";
		p = rptr(r, sizeof(*c) + 64 * sizeof(c->entries[0]), &valid);
		if (valid) {
			c = p;
			c->nent = n < 64 ? n : 64;
			if (fz.cpuid)
				memcpy(c->entries, fz.cpuid->entries,
				       c->nent * sizeof(c->entries[0]));
			if (one_in(r, 3))
				rfill(r, &c->entries[rn(r, 64)],
				      sizeof(c->entries[0]));
			if (one_in(r, 4))
				c->nent = rval(r);
			if (c->nent > 64 && c->nent <= 257)
				c->nent = 64;	/* only what we filled */
		}
		return xioctl(fd, KVM_SET_CPUID2, (unsigned long)p);
	}
	case 5:
		*name = "KVM_GET_FPU";
		p = rptr(r, sizeof(struct kvm_fpu), &valid);
		return xioctl(fd, KVM_GET_FPU, (unsigned long)p);
	case 6: {
		struct kvm_fpu *f;

		*name = "KVM_SET_FPU";
		p = rptr(r, sizeof(*f), &valid);
		if (valid) {
			f = p;
			rfill(r, f, sizeof(*f));
			/* kvm-intel ignores MXCSR here; vtx checks it */
			f->mxcsr = fz.safe || one_in(r, 2) ? 0x1f80 : rval(r);
		}
		return xioctl(fd, KVM_SET_FPU, (unsigned long)p);
	}
	case 7:
	case 8: {
		struct kvm_msrs *m;
		__u32 i, n = rn(r, 8);
		int set = rn(r, 2);

		*name = set ? "KVM_SET_MSRS" : "KVM_GET_MSRS";
		p = rptr(r, sizeof(*m) + 300 * sizeof(m->entries[0]), &valid);
		if (valid) {
			m = p;
			if (one_in(r, 8))
				n = one_in(r, 2) ? rval(r) : rn(r, 300);
			m->nmsrs = n;
			m->pad = one_in(r, 8) ? rnd(r) : 0;
			for (i = 0; i < n && i < 300; i++) {
				m->entries[i].index = guest_msr(r);
				if (fz.safe &&
				    msr_writes_memory(m->entries[i].index))
					m->entries[i].index = 0x10;
				m->entries[i].reserved = 0;
				m->entries[i].data = rval(r);
			}
			if (n > 300)
				m->nmsrs = n;	/* past the buffer: EFAULT/E2BIG */
		}
		return xioctl(fd, set ? KVM_SET_MSRS : KVM_GET_MSRS,
			      (unsigned long)p);
	}
	case 9: {
		struct kvm_interrupt *irq;

		*name = "KVM_INTERRUPT";
		p = rptr(r, sizeof(*irq), &valid);
		if (valid) {
			irq = p;
			irq->irq = one_in(r, 4) ? rval(r) : rn(r, 256);
		}
		return xioctl(fd, KVM_INTERRUPT, (unsigned long)p);
	}
	case 10:
		*name = "KVM_NMI";
		return xioctl(fd, KVM_NMI, 0);
	case 11:
		*name = "KVM_GET_VCPU_EVENTS";
		p = rptr(r, sizeof(struct kvm_vcpu_events), &valid);
		return xioctl(fd, KVM_GET_VCPU_EVENTS, (unsigned long)p);
	case 12: {
		struct kvm_vcpu_events *e;

		*name = "KVM_SET_VCPU_EVENTS";
		p = rptr(r, sizeof(*e), &valid);
		if (valid) {
			e = p;
			if (ioctl(fd, KVM_GET_VCPU_EVENTS, e))
				memset(e, 0, sizeof(*e));
			if (one_in(r, 4)) {
				rfill(r, e, sizeof(*e));
			} else {
				e->flags = rn(r, 16) & (one_in(r, 2) ? 0x7 :
							0xff);
				e->exception.injected = rn(r, 2);
				e->exception.nr = rn(r, 40);
				e->exception.has_error_code = rn(r, 2);
				e->exception.error_code = rval(r);
				e->interrupt.injected = rn(r, 2);
				e->interrupt.nr = rnd(r);
				e->interrupt.soft = rn(r, 2);
				e->interrupt.shadow = rn(r, 4);
				e->nmi.injected = rn(r, 2);
				e->nmi.pending = rn(r, 2);
				e->nmi.masked = rn(r, 2);
				e->sipi_vector = rnd(r);
			}
		}
		if (valid && fz.verbose)
			show_events("KVM_SET_VCPU_EVENTS in", p);
		return xioctl(fd, KVM_SET_VCPU_EVENTS, (unsigned long)p);
	}
	case 13:
		*name = "KVM_GET_MP_STATE";
		p = rptr(r, sizeof(struct kvm_mp_state), &valid);
		return xioctl(fd, KVM_GET_MP_STATE, (unsigned long)p);
	case 14: {
		struct kvm_mp_state *mp;

		*name = "KVM_SET_MP_STATE";
		p = rptr(r, sizeof(*mp), &valid);
		if (valid) {
			mp = p;
			/*
			 * Only RUNNABLE in --safe mode: a HALTED vCPU
			 * waits in kvm-intel for an interrupt that a
			 * userspace irqchip never sends, until a signal.
			 */
			mp->mp_state = fz.safe ? KVM_MP_STATE_RUNNABLE :
				       one_in(r, 2) ? rn(r, 10) : rval(r);
		}
		return xioctl(fd, KVM_SET_MP_STATE, (unsigned long)p);
	}
	case 15:
		*name = "KVM_GET_XSAVE";
		p = rptr(r, sizeof(struct kvm_xsave), &valid);
		return xioctl(fd, KVM_GET_XSAVE, (unsigned long)p);
	case 16: {
		struct kvm_xsave *x;

		*name = "KVM_SET_XSAVE";
		p = rptr(r, sizeof(*x), &valid);
		if (valid) {
			x = p;
			if (ioctl(fd, KVM_GET_XSAVE, x))
				memset(x, 0, sizeof(*x));
			switch (rn(r, 4)) {
			case 0:
				rfill(r, x, sizeof(*x));
				break;
			case 1:	/* XSTATE_BV */
				x->region[128] = rval(r);
				x->region[129] = rval(r);
				break;
			case 2:	/* MXCSR */
				x->region[6] = rval(r);
				break;
			default:	/* registers: legal */
				rfill(r, &x->region[40], 256);
				break;
			}
		}
		return xioctl(fd, KVM_SET_XSAVE, (unsigned long)p);
	}
	case 17:
		*name = "KVM_GET_XCRS";
		p = rptr(r, sizeof(struct kvm_xcrs), &valid);
		return xioctl(fd, KVM_GET_XCRS, (unsigned long)p);
	case 18: {
		struct kvm_xcrs *x;

		*name = "KVM_SET_XCRS";
		p = rptr(r, sizeof(*x), &valid);
		if (valid) {
			x = p;
			memset(x, 0, sizeof(*x));
			x->nr_xcrs = one_in(r, 4) ? rval(r) : rn(r, 3);
			x->flags = one_in(r, 8) ? rnd(r) : 0;
			x->xcrs[0].xcr = one_in(r, 4) ? rval(r) : 0;
			x->xcrs[0].value = one_in(r, 2) ? rn(r, 8) : rval(r);
			x->xcrs[1].xcr = rval(r);
			x->xcrs[1].value = rval(r);
		}
		return xioctl(fd, KVM_SET_XCRS, (unsigned long)p);
	}
	case 19:
		*name = "KVM_GET_DEBUGREGS";
		p = rptr(r, sizeof(struct kvm_debugregs), &valid);
		return xioctl(fd, KVM_GET_DEBUGREGS, (unsigned long)p);
	case 20: {
		struct kvm_debugregs *d;

		*name = "KVM_SET_DEBUGREGS";
		p = rptr(r, sizeof(*d), &valid);
		if (valid) {
			d = p;
			memset(d, 0, sizeof(*d));
			d->db[rn(r, 4)] = rval(r);
			d->dr6 = one_in(r, 2) ? 0xffff0ff0 : rval(r);
			d->dr7 = one_in(r, 2) ? 0x400 : rval(r);
			d->flags = one_in(r, 8) ? rnd(r) : 0;
		}
		return xioctl(fd, KVM_SET_DEBUGREGS, (unsigned long)p);
	}
	case 21:
		*name = "KVM_GET_TSC_KHZ";
		ret = xioctl(fd, KVM_GET_TSC_KHZ, one_in(r, 8) ? rval(r) : 0);
		return ret > 0 ? 1 : ret;	/* the rate itself differs */
	case 22: {
		__u64 *cap;

		*name = "KVM_X86_SETUP_MCE";
		p = rptr(r, sizeof(*cap), &valid);
		if (valid) {
			cap = p;
			*cap = one_in(r, 2) ? (rn(r, 40) | 1ULL << rn(r, 64))
					    : rval(r);
		}
		return xioctl(fd, KVM_X86_SETUP_MCE, (unsigned long)p);
	}
	case 23: {
		struct vtx_vcpu_stats *st;

		*name = "VTX_GET_VCPU_STATS";
		p = rptr(r, sizeof(*st), &valid);
		if (valid) {
			st = p;
			st->size = one_in(r, 2) ? sizeof(*st) : rval(r);
		}
		return xioctl(fd, VTX_GET_VCPU_STATS, (unsigned long)p);
	}
	case 24: {
		struct vtx_vmcs_dump *d;

		*name = "VTX_GET_VMCS";
		p = rptr(r, SCRATCH_SIZE, &valid);
		if (valid) {
			d = p;
			d->nr = one_in(r, 2) ? rn(r, 64) : rval(r);
			if (d->nr * sizeof(d->fields[0]) + sizeof(*d) >
			    SCRATCH_SIZE - 8 && d->nr < 1000)
				d->nr = 8;
		}
		return xioctl(fd, VTX_GET_VMCS, (unsigned long)p);
	}
	default:
		*name = "KVM_GET_REGS";
		return xioctl(fd, KVM_GET_REGS, (unsigned long)fz.scratch);
	}
}

/* Answer the exit KVM_RUN left in @run with random data. */
static void answer_exit(struct rng *r, struct kvm_run *run, size_t size)
{
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (run->io.direction == KVM_EXIT_IO_IN &&
		    run->io.data_offset < size &&
		    (__u64)run->io.size * run->io.count <=
		    size - run->io.data_offset)
			rfill(r, (char *)run + run->io.data_offset,
			      run->io.size * run->io.count);
		break;
	case KVM_EXIT_MMIO:
		rfill(r, run->mmio.data, sizeof(run->mmio.data));
		break;
	}
	run->immediate_exit = one_in(r, 16);
	run->request_interrupt_window = one_in(r, 8);
	if (one_in(r, 16))
		run->cr8 = rn(r, 16);
	if (!fz.safe && one_in(r, 64))
		rfill(r, run, 256);	/* garbage in the shared page */
}

static void op_run(struct rng *r)
{
	struct fz_vm *vm;
	struct fz_vcpu *v = pick_vcpu(r, &vm);
	struct itimerval t = { .it_value.tv_usec = RUN_TIMER_US };
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	char extra[48];
	long ret;
	int i, n = 1 + rn(r, 4);

	for (i = 0; i < n; i++) {
		if (v->run && v->live)
			answer_exit(r, v->run, v->run_size);
		setitimer(ITIMER_REAL, &t, NULL);
		ret = xioctl(v->live ? v->fd : -1, KVM_RUN, 0);
		setitimer(ITIMER_REAL, &off, NULL);
		fz.runs++;
		extra[0] = 0;
		if (ret == 0 && v->run) {
			__u32 e = v->run->exit_reason;

			fz.exits[e < 63 ? e : 63]++;
			snprintf(extra, sizeof(extra), "%s", exit_name(e));
			/* Which internal error, which failed entry. */
			if (e == KVM_EXIT_INTERNAL_ERROR)
				snprintf(extra, sizeof(extra), "%s/%u",
					 exit_name(e), v->run->internal.suberror);
			else if (e == KVM_EXIT_FAIL_ENTRY)
				snprintf(extra, sizeof(extra), "%s/%#llx",
					 exit_name(e), (unsigned long long)v->run->
					 fail_entry.hardware_entry_failure_reason);
		}
		record("KVM_RUN", ret, extra);
		show_where(vm, v);
		if (fz.verbose && ret == 0 && v->run &&
		    (v->run->exit_reason == KVM_EXIT_FAIL_ENTRY ||
		     v->run->exit_reason == KVM_EXIT_INTERNAL_ERROR))
			show_vcpu(v->fd, v->run, vm->ram);
		if (ret < 0)
			break;
	}
}

/* ---- slots ------------------------------------------------------------- */

static void op_slot(struct rng *r)
{
	static const __u32 slots[] = {
		0, 1, 2, 3, 4, 5, 6, 7, 31, 32, 33, 0x7fff, 0x10000,
		0x10001, 0xffffffff,
	};
	struct fz_vm *vm = pick_vm(r);
	struct backing *b = &fz.bk[rn(r, MAX_BACKINGS)];
	struct kvm_userspace_memory_region m = { 0 };
	__u64 off;
	long ret;

	m.slot = rn(r, 4) ? rn(r, 8) : slots[rn(r, ARRAY_SIZE(slots))];
	switch (rn(r, 8)) {
	case 0:
		m.flags = KVM_MEM_READONLY;
		break;
	case 1:		/* dirty logging: kvm-intel warns in the PC (PML) */
		m.flags = fz.safe ? 0 : KVM_MEM_LOG_DIRTY_PAGES;
		break;
	case 2:
		m.flags = fz.safe ? rnd(r) & ~3ULL : rval(r);
		break;
	default:
		break;
	}
	off = b->size ? rn(r, b->size / PAGE_SIZE_4K) * PAGE_SIZE_4K : 0;
	m.userspace_addr = (unsigned long)b->p + off;
	m.memory_size = b->size - off;
	switch (rn(r, 10)) {
	case 0:
		m.memory_size = 0;			/* delete */
		break;
	case 1:
		m.memory_size = rval(r);
		break;
	case 2:
		m.memory_size += rn(r, 2) ? PAGE_SIZE_4K : rn(r, 4096);
		break;
	case 3:
		m.userspace_addr = rval(r);
		break;
	case 4:
		m.userspace_addr += rn(r, 4096);	/* unaligned */
		break;
	default:
		if (m.memory_size > PAGE_SIZE_4K && one_in(r, 2))
			m.memory_size = PAGE_SIZE_4K *
				(1 + rn(r, m.memory_size / PAGE_SIZE_4K));
		break;
	}
	switch (rn(r, 8)) {
	case 0:
		m.guest_phys_addr = 0;			/* over slot 0 */
		break;
	case 1:
		m.guest_phys_addr = rval(r);
		break;
	case 2:
		m.guest_phys_addr = rn(r, 1ULL << 36) & ~0xfffULL;
		break;
	case 3:
		m.guest_phys_addr = 0x100000 * rn(r, 64) + rn(r, 2) * 0x800;
		break;
	case 4:
		m.guest_phys_addr = 0xffffffffffffffffULL - m.memory_size + 1;
		break;
	default:
		m.guest_phys_addr = 0x200000 + 0x200000 * rn(r, 32);
		break;
	}
	/*
	 * --safe: kvm-intel allocates its per-page metadata of a slot when
	 * the slot is set (8 bytes a page and more): a 1 TiB slot made the
	 * test bed's PC (512 MiB) invoke the OOM killer.  At most 1 GiB.
	 */
	if (fz.safe && m.memory_size > (1ULL << 30))
		m.memory_size = (1ULL << 30) | (m.memory_size & 0xfff);
	/*
	 * --safe: the 1 TiB mapping reads as zeros, which a real-mode guest
	 * with IF = 0 (after an interrupt) could run for good: not below
	 * 4 GiB, where real mode, SMM and our page tables reach.
	 */
	if (fz.safe && b->kind == BK_HUGE && m.guest_phys_addr < (1ULL << 32))
		m.guest_phys_addr += 1ULL << 32;
	ret = xioctl(vm->live ? vm->fd : -1, KVM_SET_USER_MEMORY_REGION,
		     one_in(r, 16) ? (unsigned long)rptr(r, sizeof(m), &(int){0})
				   : (unsigned long)&m);
	record("KVM_SET_USER_MEMORY_REGION", ret, bk_names[b->kind]);
}

/* Slot 0 back over the VM's own RAM (moved, deleted or re-added). */
static void op_slot0(struct rng *r)
{
	struct fz_vm *vm = pick_vm(r);
	__u64 gpa = one_in(r, 4) ? 0x200000 * rn(r, 8) : 0;
	long ret;

	ret = vm_set_region(vm->live ? vm->fd : -1, 0,
			    one_in(r, 8) ? KVM_MEM_READONLY : 0, gpa,
			    one_in(r, 4) ? 0 : GUEST_MEM_SIZE, vm->ram);
	record("SET_USER_MEMORY_REGION(ram)", ret ? -errno : 0, NULL);
}

/* ---- device, VM and unknown ioctls ---------------------------------------- */

static long fz_dev_ioctl(struct rng *r, int fd, const char **name)
{
	void *p;
	int valid;
	long ret;

	switch (rn(r, 8)) {
	case 0:
		*name = "KVM_GET_API_VERSION";
		return xioctl(fd, KVM_GET_API_VERSION, one_in(r, 4) ? rval(r) : 0);
	case 1:
		*name = "KVM_CHECK_EXTENSION";
		ret = xioctl(fd, KVM_CHECK_EXTENSION,
			     one_in(r, 2) ? rn(r, 240) : rval(r));
		/* Which caps: README's list, not something to compare. */
		return ret > 0 ? 0 : ret;
	case 2:
		*name = "KVM_GET_VCPU_MMAP_SIZE";
		ret = xioctl(fd, KVM_GET_VCPU_MMAP_SIZE,
			     one_in(r, 4) ? rval(r) : 0);
		return ret > 0 ? 1 : ret;
	case 3: {
		struct kvm_cpuid2 *c;

		*name = "KVM_GET_SUPPORTED_CPUID";
		p = rptr(r, SCRATCH_SIZE, &valid);
		if (valid) {
			c = p;
			c->nent = one_in(r, 2) ? rn(r, 100) : rval(r);
			if ((__u64)c->nent * sizeof(c->entries[0]) >
			    SCRATCH_SIZE - 64 && c->nent < 100000)
				c->nent = 1;
		}
		ret = xioctl(fd, KVM_GET_SUPPORTED_CPUID, (unsigned long)p);
		return ret;
	}
	case 4: {
		struct kvm_msr_list *l;

		*name = "KVM_GET_MSR_INDEX_LIST";
		p = rptr(r, SCRATCH_SIZE, &valid);
		if (valid) {
			l = p;
			l->nmsrs = one_in(r, 2) ? rn(r, 400) : rval(r);
			if ((__u64)l->nmsrs * 4 > SCRATCH_SIZE - 64 &&
			    l->nmsrs < 100000)
				l->nmsrs = 1;
		}
		ret = xioctl(fd, KVM_GET_MSR_INDEX_LIST, (unsigned long)p);
		return ret;
	}
	case 5:
		*name = "KVM_X86_GET_MCE_CAP_SUPPORTED";
		p = rptr(r, 8, &valid);
		return xioctl(fd, KVM_X86_GET_MCE_CAP_SUPPORTED,
			      (unsigned long)p);
	case 6: {
		struct vtx_status *s;

		*name = "VTX_GET_STATUS";
		p = rptr(r, sizeof(*s), &valid);
		if (valid) {
			s = p;
			s->size = one_in(r, 2) ? sizeof(*s) : rval(r);
		}
		return xioctl(fd, VTX_GET_STATUS, (unsigned long)p);
	}
	default:
		*name = "KVM_GET_API_VERSION";
		return xioctl(fd, KVM_GET_API_VERSION, 0);
	}
}

static long fz_vm_ioctl(struct rng *r, int fd, const char **name)
{
	void *p;
	int valid;
	long ret;

	switch (rn(r, 7)) {
	case 0:
		*name = "KVM_SET_TSS_ADDR";
		return xioctl(fd, KVM_SET_TSS_ADDR,
			      one_in(r, 2) ? QEMU_TSS_ADDR : rval(r));
	case 1: {
		*name = "KVM_SET_IDENTITY_MAP_ADDR";
		p = rptr(r, 8, &valid);
		if (valid)
			*(__u64 *)p = one_in(r, 2) ? 0xfeffc000 : rval(r);
		return xioctl(fd, KVM_SET_IDENTITY_MAP_ADDR, (unsigned long)p);
	}
	case 2: {
		struct kvm_irq_routing *rt;

		*name = "KVM_SET_GSI_ROUTING";
		p = rptr(r, 4096, &valid);
		if (valid) {
			rt = p;
			rfill(r, rt, 4096);
			rt->nr = rn(r, 4);
			rt->flags = 0;
		}
		return xioctl(fd, KVM_SET_GSI_ROUTING, (unsigned long)p);
	}
	case 3: {
		struct vtx_ept_mappings *m;
		int tree = rn(r, 2);

		*name = tree ? "VTX_GET_EPT_TREE" : "VTX_GET_EPT_MAPPINGS";
		p = rptr(r, SCRATCH_SIZE, &valid);
		if (valid) {
			m = p;
			m->nr = one_in(r, 2) ? rn(r, 64) : rval(r);
			if (m->nr > 400 && m->nr < 100000)
				m->nr = 4;
		}
		return xioctl(fd, tree ? VTX_GET_EPT_TREE :
			      VTX_GET_EPT_MAPPINGS, (unsigned long)p);
	}
	case 4:
		*name = "KVM_CHECK_EXTENSION(vm)";
		ret = xioctl(fd, KVM_CHECK_EXTENSION, rn(r, 240));
		return ret > 0 ? 0 : ret;
	default:
		*name = "KVM_CREATE_VCPU(dup)";
		ret = xioctl(fd, KVM_CREATE_VCPU,
			     one_in(r, 2) ? rn(r, 4) : rval(r));
		if (ret >= 0) {
			close(ret);	/* not tracked: closed at once */
			return 0;
		}
		return ret;
	}
}

/*
 * KVM ioctls vtx does not serve, and numbers nobody serves.  On kvm-intel
 * none may create state (an irqchip, a PIT, a VM, an SMI): the pointer
 * argument is NULL or a kernel address, and numbers without an argument
 * (_IOC_NONE, where KVM takes the value itself) are never of type KVMIO.
 */
static long fz_unknown_ioctl(struct rng *r, int fd, const char **name)
{
	static const unsigned long nrs[] = {
		KVM_GET_DIRTY_LOG, KVM_SET_CLOCK, KVM_GET_CLOCK, KVM_IRQ_LINE,
		KVM_IRQ_LINE_STATUS, KVM_GET_LAPIC, KVM_SET_LAPIC,
		KVM_TRANSLATE, KVM_SET_GUEST_DEBUG, KVM_ENABLE_CAP,
		KVM_IOEVENTFD, KVM_IRQFD, KVM_GET_EMULATED_CPUID,
		KVM_GET_MSR_FEATURE_INDEX_LIST, KVM_GET_CPUID2,
		KVM_SET_CPUID, KVM_GET_PIT2, KVM_SET_PIT2,
		KVM_REGISTER_COALESCED_MMIO, KVM_GET_NESTED_STATE,
		KVM_SET_NESTED_STATE, KVM_GET_REG_LIST, KVM_GET_IRQCHIP,
	};
	static char buf[32];
	unsigned long nr, arg = one_in(r, 2) ? 0 : 0xffff888000000000UL;

	switch (rn(r, 4)) {
	case 0:		/* any number at all */
		nr = (__u32)rnd(r);
		break;
	case 1:
		nr = _IOC(1 + rn(r, 3), KVMIO, rn(r, 256), rn(r, 0x4000));
		break;
	case 2:
		nr = _IOC(rn(r, 4), VTXIO, 5 + rn(r, 251), rn(r, 0x4000));
		break;
	default:
		nr = nrs[rn(r, ARRAY_SIZE(nrs))];
		break;
	}
	if (_IOC_TYPE(nr) == KVMIO && _IOC_DIR(nr) == _IOC_NONE)
		nr = KVM_GET_DIRTY_LOG;
	/* NULL clears the signal mask on KVM: harmless, but not unknown. */
	if (nr == KVM_SET_SIGNAL_MASK)
		nr = KVM_GET_DIRTY_LOG;
	snprintf(buf, sizeof(buf), "ioctl(%#lx)", nr);
	*name = buf;
	return xioctl(fd, nr, arg);
}

enum fd_kind { FD_DEV, FD_VM, FD_VCPU, FD_STALE, NR_FD_KINDS };

static int pick_fd(struct rng *r, int kind)
{
	struct fz_vm *vm;
	struct fz_vcpu *v;

	switch (kind) {
	case FD_DEV:
		return fz.dev;
	case FD_VM:
		vm = pick_vm(r);
		return vm->live ? vm->fd : -1;
	case FD_VCPU:
		v = pick_vcpu(r, NULL);
		return v->live ? v->fd : -1;
	default:
		return one_in(r, 2) ? -1 : (int)rn(r, 64);
	}
}

/*
 * One ioctl of the fd kind @want on an fd of kind @on (the same, mostly;
 * else the wrong fd kind).
 */
static void op_ioctl(struct rng *r)
{
	int want = rn(r, 3), on = want, fd;
	const char *name = "?";
	char tag[80];
	long ret;

	if (one_in(r, 6))
		on = rn(r, NR_FD_KINDS);
	fd = pick_fd(r, on);
	switch (want) {
	case FD_DEV:
		ret = fz_dev_ioctl(r, fd, &name);
		break;
	case FD_VM:
		ret = fz_vm_ioctl(r, fd, &name);
		break;
	default:
		ret = fz_vcpu_ioctl(r, fd, &name);
		break;
	}
	/* A valid fd number of another kind that we do not track. */
	snprintf(tag, sizeof(tag), "%s@%s", name,
		 on == FD_DEV ? "dev" : on == FD_VM ? "vm" :
		 on == FD_VCPU ? "vcpu" : "stale");
	if (on == FD_STALE && ret >= 0)
		ret = 0;
	record(tag, ret, NULL);
}

static void op_unknown(struct rng *r)
{
	int on = rn(r, 3);
	int fd = pick_fd(r, on);
	const char *name;
	char tag[80];
	long ret = fz_unknown_ioctl(r, fd, &name);

	snprintf(tag, sizeof(tag), "%s@%s", name,
		 on == FD_DEV ? "dev" : on == FD_VM ? "vm" : "vcpu");
	record(tag, ret > 0 ? 1 : ret, NULL);
}

/* ---- fds, mappings, backings ------------------------------------------- */

static void op_close(struct rng *r)
{
	struct fz_vm *vm;
	struct fz_vcpu *v = pick_vcpu(r, &vm);

	switch (rn(r, 4)) {
	case 0:		/* the VM fd: its vCPUs keep it alive */
		if (vm->live)
			close(vm->fd);
		vm->live = 0;
		record("close(vm)", 0, NULL);
		break;
	case 1:
		vm_close(vm);
		record("close(vm+vcpus)", 0, NULL);
		break;
	default:	/* the vCPU fd: its kvm_run mapping keeps it alive */
		if (v->live)
			close(v->fd);
		v->live = 0;
		record("close(vcpu)", 0, NULL);
		break;
	}
}

static void op_mmap(struct rng *r)
{
	struct fz_vcpu *v = pick_vcpu(r, NULL);
	size_t size = PAGE_SIZE_4K * (1 + rn(r, 5));
	off_t off = one_in(r, 4) ? PAGE_SIZE_4K * rn(r, 4) : 0;
	int prot = one_in(r, 4) ? PROT_READ : PROT_READ | PROT_WRITE;
	void *p;
	int ok;

	switch (rn(r, 3)) {
	case 0:		/* munmap kvm_run */
		if (v->run)
			munmap(v->run, v->run_size);
		v->run = NULL;
		record("munmap(kvm_run)", 0, NULL);
		return;
	case 1:		/* map it again, as it should be */
		if (v->run || !v->live) {
			record("mmap(kvm_run)", v->run ? 0 : -EBADF, NULL);
			return;
		}
		v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE,
			      MAP_SHARED, v->live ? v->fd : -1, 0);
		if (v->run == MAP_FAILED) {
			v->run = NULL;
			record("mmap(kvm_run)", -errno, NULL);
		} else {
			record("mmap(kvm_run)", 0, NULL);
		}
		return;
	default:	/* odd sizes, offsets, private: then touch every page */
		p = mmap(NULL, size, prot, one_in(r, 4) ? MAP_PRIVATE :
			 MAP_SHARED, v->live ? v->fd : -1, off);
		if (p == MAP_FAILED) {
			record("mmap(vcpu,odd)", -errno, NULL);
			return;
		}
		ok = touch(p, size);
		munmap(p, size);
		record("mmap(vcpu,odd)", ok, NULL);
		return;
	}
}

static void op_backing(struct rng *r)
{
	struct backing *b = &fz.bk[rn(r, MAX_BACKINGS)];

	if (one_in(r, 3)) {
		/* Slots over it stay: the memory under them goes. */
		backing_drop(b);
		record("munmap(backing)", 0, NULL);
	} else {
		backing_new(r, b);
		record("mmap(backing)", b->p ? 0 : -ENOMEM, bk_names[b->kind]);
	}
}

/* A child of fork() may not use the parent's VMs: EIO, as in KVM. */
static void op_fork(struct rng *r)
{
	struct fz_vm *vm;
	struct fz_vcpu *v = pick_vcpu(r, &vm);
	int status, vmfd = vm->live ? vm->fd : -1, vcpufd = v->live ? v->fd : -1;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		record("fork", -errno, NULL);
		return;
	}
	if (pid == 0) {
		int bad = 0;

		if (vmfd >= 0 && ioctl(vmfd, KVM_CREATE_VCPU, 9) != -1)
			bad |= 1;
		else if (vmfd >= 0 && errno != EIO)
			bad |= 2;
		if (vcpufd >= 0 && ioctl(vcpufd, KVM_RUN, 0) != -1)
			bad |= 4;
		else if (vcpufd >= 0 && errno != EIO)
			bad |= 8;
		if (vcpufd >= 0 && ioctl(vcpufd, KVM_GET_REGS, fz.scratch) != -1)
			bad |= 16;
		else if (vcpufd >= 0 && errno != EIO)
			bad |= 32;
		_exit(bad);
	}
	fz.forks++;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		fz.fork_bad++;
		diag("call %lu: a fork() child on the parent's fds: status %#x",
		     cur_call, status);
	}
	record("fork", 0, NULL);
}

/* ---- vCPU threads -------------------------------------------------------- */

static void *runner_main(void *arg)
{
	struct runner *ru = arg;
	struct rng r = { ru->seed };
	struct kvm_run *run;
	sigset_t set;
	const char *name;
	int i;

	/* The main thread's KVM_RUN timer is not for us. */
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	run = mmap(NULL, ru->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   ru->fd, 0);
	if (run == MAP_FAILED)
		run = NULL;
	for (i = 0; i < 200 && !atomic_load(&ru->stop); i++) {
		if (one_in(&r, 4)) {
			fz_vcpu_ioctl(&r, ru->fd, &name);
			continue;
		}
		if (run)
			answer_exit(&r, run, ru->run_size);
		ioctl(ru->fd, KVM_RUN, 0);
	}
	if (run)
		munmap(run, ru->run_size);
	atomic_store(&ru->done, 1);
	return NULL;
}

/* Every 0..2 ms, a signal to every vCPU thread: KVM_RUN returns. */
static void *kicker_main(void *arg)
{
	struct rng r = { (unsigned long)arg };
	struct timespec ts;
	sigset_t set;
	int i;

	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	while (!atomic_load(&fz.kicker_stop)) {
		ts.tv_sec = 0;
		ts.tv_nsec = rn(&r, 2000000);
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&fz.runner_lock);
		for (i = 0; i < MAX_RUNNERS; i++)
			if (atomic_load(&fz.runner[i].state))
				pthread_kill(fz.runner[i].tid, SIGUSR1);
		pthread_mutex_unlock(&fz.runner_lock);
	}
	return NULL;
}

static void runner_join(struct runner *ru)
{
	struct timespec ts = { 0, 200000 };

	if (!atomic_load(&ru->state))
		return;
	atomic_store(&ru->stop, 1);
	while (!atomic_load(&ru->done)) {
		pthread_mutex_lock(&fz.runner_lock);
		pthread_kill(ru->tid, SIGUSR1);
		pthread_mutex_unlock(&fz.runner_lock);
		nanosleep(&ts, NULL);
	}
	pthread_mutex_lock(&fz.runner_lock);
	atomic_store(&ru->state, 0);
	pthread_mutex_unlock(&fz.runner_lock);
	pthread_join(ru->tid, NULL);
}

static void op_thread(struct rng *r)
{
	struct runner *ru = &fz.runner[rn(r, MAX_RUNNERS)];
	struct fz_vcpu *v = pick_vcpu(r, NULL);

	if (!fz.threads) {
		record("thread(off)", 0, NULL);
		return;
	}
	runner_join(ru);
	if (!v->live || one_in(r, 4)) {
		record("thread(join)", 0, NULL);
		return;
	}
	ru->fd = v->fd;
	ru->seed = rnd(r);
	ru->run_size = fz.mmap_size;
	atomic_store(&ru->stop, 0);
	atomic_store(&ru->done, 0);
	if (pthread_create(&ru->tid, NULL, runner_main, ru)) {
		record("thread(start)", -EAGAIN, NULL);
		return;
	}
	atomic_store(&ru->state, 1);
	record("thread(start)", 0, NULL);
}

static void op_signal(struct rng *r)
{
	struct runner *ru = &fz.runner[rn(r, MAX_RUNNERS)];

	pthread_mutex_lock(&fz.runner_lock);
	if (atomic_load(&ru->state))
		pthread_kill(ru->tid, one_in(r, 2) ? SIGUSR1 : SIGALRM);
	pthread_mutex_unlock(&fz.runner_lock);
	record("signal", 0, NULL);
}

/* ---- one round ----------------------------------------------------------- */

struct op {
	void (*fn)(struct rng *r);
	unsigned int weight;
};

static const struct op ops[] = {
	{ op_create_vm, 2 }, { op_create_vcpu, 4 }, { op_setup, 8 },
	{ op_run, 16 }, { op_ioctl, 40 }, { op_unknown, 4 }, { op_slot, 10 },
	{ op_slot0, 3 }, { op_close, 1 }, { op_mmap, 2 }, { op_backing, 3 },
	{ op_fork, 1 }, { op_thread, 2 }, { op_signal, 2 },
};

/* Drop CAP_IPC_LOCK so that RLIMIT_MEMLOCK bounds what slots may pin. */
static void limit_memlock(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	struct rlimit rl = { MEMLOCK_LIMIT, MEMLOCK_LIMIT };

	setrlimit(RLIMIT_MEMLOCK, &rl);
	if (syscall(SYS_capget, &h, d) == 0) {
		d[0].effective &= ~(1u << CAP_IPC_LOCK);
		syscall(SYS_capset, &h, d);
	}
}

static int fuzz_round(__u64 seed, unsigned long calls, const char *digest)
{
	unsigned int total = 0, i;
	unsigned long c;
	int j;

	setup_signals();
	limit_memlock();
	if (digest) {
		fz.digest = fopen(digest, "w");
		if (!fz.digest) {
			diag("cannot write %s: %s", digest, strerror(errno));
			return 2;
		}
	}
	fz.devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	fz.dev = open(fz.path, O_RDWR | O_CLOEXEC);
	if (fz.dev < 0) {
		diag("cannot open %s: %s", fz.path, strerror(errno));
		return 2;
	}
	fz.mmap_size = ioctl(fz.dev, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (fz.mmap_size <= 0)
		fz.mmap_size = 2 * PAGE_SIZE_4K;
	fz.cpuid = kvm_cached_cpuid(fz.dev);
	fz.scratch = mmap(NULL, SCRATCH_SIZE + PAGE_SIZE_4K,
			  PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fz.ro_page = mmap(NULL, PAGE_SIZE_4K, PROT_READ,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fz.scratch == MAP_FAILED || fz.ro_page == MAP_FAILED)
		return 2;
	mprotect(fz.scratch + SCRATCH_SIZE, PAGE_SIZE_4K, PROT_NONE);
	for (j = 0; j < MAX_VMS; j++) {
		fz.vm[j].ram = guest_alloc(GUEST_MEM_SIZE);
		if (!fz.vm[j].ram)
			return 2;
		fz.vm[j].kvm.mem = fz.vm[j].ram;
	}
	pthread_mutex_init(&fz.runner_lock, NULL);
	if (fz.threads) {
		if (pthread_create(&fz.kicker, NULL, kicker_main,
				   (void *)(unsigned long)seed))
			return 2;
		fz.kicker_live = 1;
	}

	for (i = 0; i < ARRAY_SIZE(ops); i++)
		total += ops[i].weight;
	for (c = 0; c < calls; c++) {
		struct rng r = { mix(seed, c) };
		unsigned int w = rn(&r, total);

		cur_call = c;
		cur_sub = 0;
		for (i = 0; w >= ops[i].weight; i++)
			w -= ops[i].weight;
		ops[i].fn(&r);
		fz.calls++;
	}

	for (j = 0; j < MAX_RUNNERS; j++)
		runner_join(&fz.runner[j]);
	if (fz.kicker_live) {
		atomic_store(&fz.kicker_stop, 1);
		pthread_join(fz.kicker, NULL);
	}
	if (fz.digest)
		fclose(fz.digest);
	printf("#   %lu calls, %lu KVM_RUN (exits: hlt %lu io %lu mmio %lu "
	       "shutdown %lu fail_entry %lu internal %lu other ...), %lu forks\n",
	       fz.calls, fz.runs, fz.exits[KVM_EXIT_HLT], fz.exits[KVM_EXIT_IO],
	       fz.exits[KVM_EXIT_MMIO], fz.exits[KVM_EXIT_SHUTDOWN],
	       fz.exits[KVM_EXIT_FAIL_ENTRY], fz.exits[KVM_EXIT_INTERNAL_ERROR],
	       fz.forks);
	fflush(stdout);
	/* The exit closes everything the round left open: part of the test. */
	return fz.fork_bad ? 3 : 0;
}

/* ---- the parent: rounds and leak checks ---------------------------------- */

static const char *const counters[] = {
	"vms", "vcpus", "pinned_pages", "vmcs_pages",
};

/* vtx's counters: debugfs, else VTX_GET_STATUS.  0 on success. */
static int read_counters(__u64 val[4])
{
	char path[128];
	struct vtx_status st;
	unsigned int i;
	int fd;

	for (i = 0; i < 4; i++) {
		FILE *f;
		unsigned long long v;

		snprintf(path, sizeof(path), "/sys/kernel/debug/vtx/%s",
			 counters[i]);
		f = fopen(path, "r");
		if (!f || fscanf(f, "%llu", &v) != 1) {
			if (f)
				fclose(f);
			break;
		}
		fclose(f);
		val[i] = v;
	}
	if (i == 4)
		return 0;
	fd = open(fz.path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	if (ioctl(fd, VTX_GET_STATUS, &st)) {
		close(fd);
		return -1;
	}
	close(fd);
	val[0] = st.nr_vms;
	val[1] = st.nr_vcpus;
	val[2] = st.pinned_pages;
	val[3] = st.vmcs_pages;
	return 0;
}

/*
 * vtx's counters back to base, what they were before the first round: 0
 * in the suite; with another VM alive beside the fuzzer, that VM's share.
 */
static int counters_clean(const __u64 base[4], __u64 now[4])
{
	int tries;

	/* A VM's last reference may go a moment after the process. */
	for (tries = 0; tries < 50; tries++) {
		if (read_counters(now))
			return 0;
		if (now[0] == base[0] && now[1] == base[1] &&
		    now[2] == base[2] && now[3] == base[3])
			return 1;
		usleep(20000);
	}
	return 0;
}

/* The parent's watchdog: a round that hangs is killed and fails. */
static volatile pid_t round_child;

static void on_round_timeout(int sig)
{
	static const char msg[] = "# a round ran out of time: killing it\n";
	ssize_t r;

	(void)sig;
	r = write(1, msg, sizeof(msg) - 1);
	(void)r;
	if (round_child > 0)
		kill(round_child, SIGKILL);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static __u64 round_seed(__u64 seed, unsigned int round)
{
	return round ? mix(seed, 0x100000000ULL + round) : seed;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: vtx_fuzz [--seed S] [--calls N] [--rounds R] "
		"[--seconds T]\n"
		"                [--safe] [--digest FILE] [--threads|--no-threads]"
		" [--verbose] [DEVICE]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "calls", required_argument, NULL, 'n' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 't' },
		{ "safe", no_argument, NULL, 'S' },
		{ "digest", required_argument, NULL, 'd' },
		{ "threads", no_argument, NULL, 'T' },
		{ "no-threads", no_argument, NULL, 'N' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long calls = 10000, rounds = 1, seconds = 0, round;
	const char *digest = NULL;
	__u64 seed = 0, base[4] = { 0 }, now[4];
	int threads = -1, have_seed = 0, dev, o, leak_ok = 1;
	unsigned long total = 0;
	char what[48];
	double start;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			have_seed = 1;
			break;
		case 'n':
			calls = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			rounds = strtoul(optarg, NULL, 0);
			break;
		case 't':
			seconds = strtoul(optarg, NULL, 0);
			break;
		case 'S':
			fz.safe = 1;
			break;
		case 'd':
			digest = optarg;
			break;
		case 'T':
			threads = 1;
			break;
		case 'N':
			threads = 0;
			break;
		case 'v':
			fz.verbose = 1;
			break;
		default:
			usage();
		}
	}
	fz.path = kvm_device_path(argc - optind + 1, argv + optind - 1);
	fz.is_vtx = kvm_path_is_vtx(fz.path);
	/* Deterministic digests need one thread; else threads by default. */
	fz.threads = threads >= 0 ? threads : !digest;
	if (digest && fz.threads)
		tap_skip_all("--digest needs --no-threads (threads are racy)");
	if (!have_seed)
		seed = (__u64)time(NULL) ^ ((__u64)getpid() << 32);
	if (digest && rounds != 1)
		tap_skip_all("--digest records one round: use --rounds 1");

	dev = kvm_open_dev(fz.path);
	close(dev);
	if (seconds)
		setvbuf(stdout, NULL, _IOLBF, 0);
	else
		tap_plan(rounds + 1);
	if (seconds)
		snprintf(what, sizeof(what), "rounds for %lu s", seconds);
	else
		snprintf(what, sizeof(what), "%lu round(s)", rounds);
	printf("# vtx_fuzz on %s: seed %#llx, %lu calls per round, %s%s%s\n",
	       fz.path, (unsigned long long)seed, calls, what,
	       fz.safe ? ", --safe" : "",
	       fz.threads ? ", vCPU threads (racy)" :
	       ", single-threaded (deterministic)");
	printf("# replay one round: vtx_fuzz --seed SEED --calls %lu%s%s %s\n",
	       calls, fz.safe ? " --safe" : "",
	       fz.threads ? "" : " --no-threads", fz.path);
	if (fz.is_vtx && read_counters(base))
		diag("no vtx counters (debugfs or VTX_GET_STATUS): no leak checks");
	else if (fz.is_vtx && (base[0] || base[1] || base[2]))
		diag("vtx holds %llu VMs, %llu vCPUs, %llu pinned pages before "
		     "the first round: leak checks count from there",
		     (unsigned long long)base[0], (unsigned long long)base[1],
		     (unsigned long long)base[2]);
	/*
	 * kvm-intel in the test bed: a guest that spins on CPU 1 never
	 * exits (README, "Known gaps"); CPU 0 takes the PIT's ticks.
	 */
	if (fz.safe) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(0, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}

	start = now_s();
	for (round = 0; seconds ? now_s() - start < seconds : round < rounds;
	     round++) {
		__u64 rs = round_seed(seed, round);
		double t0 = now_s();
		int status, pass;
		pid_t pid;

		fflush(NULL);
		pid = fork();
		if (pid < 0)
			tap_bail("fork: %s", strerror(errno));
		if (pid == 0)
			_exit(fuzz_round(rs, calls, digest));
		round_child = pid;
		signal(SIGALRM, on_round_timeout);
		alarm(ROUND_LIMIT_S);
		while (waitpid(pid, &status, 0) != pid)
			if (errno != EINTR)
				tap_bail("waitpid: %s", strerror(errno));
		alarm(0);
		pass = WIFEXITED(status) && WEXITSTATUS(status) == 0;
		if (!pass)
			diag("round %lu: the child %s %d", round,
			     WIFEXITED(status) ? "exited" : "died of signal",
			     WIFEXITED(status) ? WEXITSTATUS(status) :
			     WTERMSIG(status));
		if (fz.is_vtx && !counters_clean(base, now)) {
			diag("round %lu: vtx holds %llu VMs, %llu vCPUs, "
			     "%llu pinned pages, %llu VMCS pages (%llu, %llu, "
			     "%llu, %llu before)", round,
			     (unsigned long long)now[0],
			     (unsigned long long)now[1],
			     (unsigned long long)now[2],
			     (unsigned long long)now[3],
			     (unsigned long long)base[0],
			     (unsigned long long)base[1],
			     (unsigned long long)base[2],
			     (unsigned long long)base[3]);
			pass = 0;
			leak_ok = 0;
			/* Later rounds would only repeat it. */
			base[0] = now[0], base[1] = now[1];
			base[2] = now[2], base[3] = now[3];
		}
		total += calls;
		ok(pass, "round %lu seed %#llx: %lu calls in %.1f s%s", round,
		   (unsigned long long)rs, calls, now_s() - t0,
		   !fz.is_vtx ? "" : base[0] || base[1] || base[2] ?
		   ", vtx's counters back to where they were" :
		   ", vtx's counters back to 0");
	}
	ok(leak_ok, "%lu calls in %lu rounds, %.1f s; nothing left behind",
	   total, round, now_s() - start);
	if (seconds)
		printf("1..%lu\n", round + 1);
	tap_planned = tap_run;
	return tap_exit();
}

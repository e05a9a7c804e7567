// SPDX-License-Identifier: GPL-2.0
/*
 * vtx-bench: what exits, VM set-up and guest work cost on a KVM-API device.
 *
 *   vtx-bench [--json FILE] [--reps N] DEVICE	(e.g. /dev/vtx, /dev/kvm)
 *
 * The same binary measures vtx and kvm-intel: it uses only the ioctls of
 * <linux/kvm.h> (and, to count exits, VTX_GET_VCPU_STATS on vtx or
 * KVM_GET_STATS_FD on KVM).  Every guest is a small blob of 32-bit code
 * (protected mode, flat, no paging) that loops over one instruction and
 * halts; costs are host TSC ticks read around the ioctls.  Each row is the
 * median, min and max of --reps repetitions after a few warm-up runs.
 * Every run is checked (its exits, the guest's registers at HLT): a
 * number from a run that did not do what it should is never printed.
 * The dirty-logging rows use a second slot, 1 GiB with
 * KVM_MEM_LOG_DIRTY_PAGES, of which the guest dirties 16 MiB per run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "vtx.h"

/* Guest physical memory of a bench VM: one slot at GPA 0. */
#define MEM_SIZE	0x200000ULL		/* the exit benches: 2 MiB */
#define SETUP_MEM_SIZE	(64ULL << 20)		/* the set-up bench: 64 MiB */
#define GDT_GPA		0x1000
#define TSS_GPA		0x3000
#define STACK_TOP	0x6000
#define CODE_GPA	0x8000
#define IDT_GPA		0x4000			/* the interrupt bench's IDT */
#define IDTR_GPA	0x4800			/* ... and its LIDT operand */
#define MMIO_GPA	0xd0000000		/* no slot there: MMIO */
#define PIO_PORT	0x80
#define INTR_VECTOR	0x20			/* injected by KVM_INTERRUPT */
#define EOI_PORT	0x20			/* the PIC's, as a handler's EOI */
#define DIRTY_GPA	0x40000000ULL		/* the logging slot: 1 GiB */
#define DIRTY_SIZE	(1ULL << 30)
#define DIRTY_PAGES	4096			/* dirtied per run: 16 MiB */

#define SEL_CODE32	0x08
#define SEL_DATA32	0x10
#define SEL_TSS		0x18

/*
 * Loop counts: a CPUID exit costs about 1,000 TSC ticks in the Bochs PC
 * (which runs about 90 M instructions a second), an exit to user space
 * about 3,000; these keep a whole run under a minute there.
 */
#define KERNEL_EXITS	10000	/* CPUID, WBINVD: exits per KVM_RUN */
#define USER_EXITS	2000	/* port I/O, MMIO: KVM_RUNs per repetition */
#define COMPUTE_ROUNDS	2000000
#define COMPUTE_SEED	0x2545f491u
#define WARMUPS		2
#define MAX_REPS	101

#define STR(x)		#x
#define XSTR(x)		STR(x)

/*
 * The guests, 32-bit code copied to CODE_GPA.  The loop count comes in
 * EDI (CPUID writes EAX-EDX, so no counter there) and is 0 at the HLT:
 * the host checks that, so a loop that ended early cannot pass.
 */
asm(".pushsection .rodata\n"
	".global g_start, g_end, g_halt, g_cpuid, g_wbinvd, g_pio, g_mmio\n"
	".global g_compute, g_intr, g_intr_handler, g_dirty\n"
	"g_start:\n"
	".code32\n"
	"g_halt:\n"
	"	hlt\n"
	/* CPUID leaf 0: exits on every VMX CPU, answered in the kernel. */
	"g_cpuid:\n"
	"1:	xor %eax, %eax\n"
	"	cpuid\n"
	"	dec %edi\n"
	"	jnz 1b\n"
	"	hlt\n"
	/* WBINVD: exits (WBINVD exiting), and both skip it: the floor. */
	"g_wbinvd:\n"
	"1:	wbinvd\n"
	"	dec %edi\n"
	"	jnz 1b\n"
	"	hlt\n"
	"g_pio:\n"
	"1:	out %al, $" XSTR(PIO_PORT) "\n"
	"	dec %edi\n"
	"	jnz 1b\n"
	"	hlt\n"
	"g_mmio:\n"
	"	mov $" XSTR(MMIO_GPA) ", %ebx\n"
	"1:	mov %eax, (%ebx)\n"
	"	dec %edi\n"
	"	jnz 1b\n"
	"	hlt\n"
	/*
	 * Waits for an interrupt with IF = 1, EDI times; the host injects
	 * one at each HLT.  The handler's OUT is a PIC's EOI, the exit that
	 * ends the timed round trip.  EBX: the IDTR operand.
	 */
	"g_intr:\n"
	"	lidt (%ebx)\n"
	"1:	sti\n"
	"	hlt\n"
	"	dec %edi\n"
	"	jnz 1b\n"
	"	cli\n"
	"	hlt\n"
	"g_intr_handler:\n"
	"	out %al, $" XSTR(EOI_PORT) "\n"
	"	iret\n"
	/*
	 * xorshift32 on EBX, EDI rounds, timed by the guest itself: EAX
	 * holds its own TSC delta at the HLT (the low halves suffice for
	 * well under 2^32 ticks).
	 */
	"g_compute:\n"
	"	rdtsc\n"
	"	mov %eax, %ebp\n"
	"1:	mov %ebx, %eax\n"
	"	shl $13, %eax\n"
	"	xor %eax, %ebx\n"
	"	mov %ebx, %eax\n"
	"	shr $17, %eax\n"
	"	xor %eax, %ebx\n"
	"	mov %ebx, %eax\n"
	"	shl $5, %eax\n"
	"	xor %eax, %ebx\n"
	"	dec %edi\n"
	"	jnz 1b\n"
	"	rdtsc\n"
	"	sub %ebp, %eax\n"
	"	hlt\n"
	/* One store to each of EDI pages from EBX on. */
	"g_dirty:\n"
	"1:	mov %eax, (%ebx)\n"
	"	add $4096, %ebx\n"
	"	dec %edi\n"
	"	jnz 1b\n"
	"	hlt\n"
	"g_end:\n"
	".code64\n"
	".popsection\n");

extern const unsigned char g_start[], g_end[], g_halt[], g_cpuid[],
	g_wbinvd[], g_pio[], g_mmio[], g_compute[], g_intr[], g_intr_handler[],
	g_dirty[];

#define GUEST_ADDR(label)	(CODE_GPA + (uint64_t)((label) - g_start))

struct vm {
	int fd;
	int vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	void *mem;
	size_t mem_size;
	int stats_fd;		/* KVM_GET_STATS_FD, or -1 */
	uint64_t exits_offset;	/* of "exits" in it */
};

enum row_id {
	R_WBINVD, R_CPUID, R_PIO, R_MMIO, R_INTR,
	R_SETUP, R_SETUP_VM, R_SETUP_SLOT, R_SETUP_VCPU, R_SETUP_RUN,
	R_TEARDOWN, R_TEARDOWN_CLOSE, R_TEARDOWN_UNMAP,
	R_COMPUTE_RATE, R_COMPUTE_HOST,
	R_DIRTY_PAGE, R_DIRTY_LOG, R_DIRTY_LOG_CLEAN, NR_ROWS
};

struct row {
	const char *name;
	const char *desc;
	const char *unit;
	const char *better;	/* "lower" or "higher" */
	const char *unsupported;	/* why the device cannot be measured */
	double v[MAX_REPS];
	double median, min, max;
};

static struct row rows[NR_ROWS] = {
	[R_WBINVD] = { "wbinvd_exit", "WBINVD exit, in kernel (floor)",
		       "ticks/exit", "lower" },
	[R_CPUID] = { "cpuid_exit", "CPUID exit, in kernel",
		      "ticks/exit", "lower" },
	[R_PIO] = { "pio_exit", "port I/O exit to user and back",
		    "ticks/exit", "lower" },
	[R_MMIO] = { "mmio_exit", "MMIO exit to user and back",
		     "ticks/exit", "lower" },
	[R_INTR] = { "intr_inject", "injected interrupt round trip",
		     "ticks/intr", "lower" },
	[R_SETUP] = { "vm_setup", "VM set-up, 64 MiB, to first exit",
		      "ticks", "lower" },
	/* Its phases: the sum of the four is the row above. */
	[R_SETUP_VM] = { "vm_setup_create", "- KVM_CREATE_VM", "ticks",
			 "lower" },
	[R_SETUP_SLOT] = { "vm_setup_slot", "- mmap, 64 MiB slot", "ticks",
			   "lower" },
	[R_SETUP_VCPU] = { "vm_setup_vcpu", "- vCPU, CPUID, sregs, code",
			   "ticks", "lower" },
	[R_SETUP_RUN] = { "vm_setup_run", "- SET_REGS, first KVM_RUN", "ticks",
			  "lower" },
	[R_TEARDOWN] = { "vm_teardown", "VM teardown", "ticks", "lower" },
	[R_TEARDOWN_CLOSE] = { "vm_teardown_close", "- close vCPU and VM",
			       "ticks", "lower" },
	[R_TEARDOWN_UNMAP] = { "vm_teardown_unmap", "- munmap 64 MiB", "ticks",
			       "lower" },
	[R_COMPUTE_RATE] = { "compute_rate", "compute, guest's own rate",
			     "rounds/Mtick", "higher" },
	[R_COMPUTE_HOST] = { "compute_run", "compute, KVM_RUN seen by host",
			     "ticks", "lower" },
	[R_DIRTY_PAGE] = { "dirty_page", "dirty log: a page's first write",
			   "ticks/page", "lower" },
	[R_DIRTY_LOG] = { "dirty_log", "GET_DIRTY_LOG 1 GiB, 16 MiB dirty",
			  "ticks", "lower" },
	[R_DIRTY_LOG_CLEAN] = { "dirty_log_clean",
				"GET_DIRTY_LOG 1 GiB, clean", "ticks",
				"lower" },
};

static const char *dev_path;
static int dev_fd;
static int is_vtx;
static struct kvm_cpuid2 *cpuid;
static long run_size;

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vtx-bench: %s: ", dev_path ? dev_path : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* LFENCE on both sides: the ioctl between two reads is all they count. */
static inline uint64_t tsc(void)
{
	uint32_t lo, hi;

	asm volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}

/* ---- the device and its VMs --------------------------------------------- */

static void dev_open(void)
{
	unsigned int n;

	dev_fd = open(dev_path, O_RDWR | O_CLOEXEC);
	if (dev_fd < 0)
		die("open: %s", strerror(errno));
	if (ioctl(dev_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		die("not a KVM API device (KVM_GET_API_VERSION)");
	run_size = ioctl(dev_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < (long)sizeof(struct kvm_run))
		die("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
	/* Asked once, as a VMM does, and given to every vCPU. */
	for (n = 64; n <= 4096; n *= 2) {
		cpuid = calloc(1, sizeof(*cpuid) +
				  n * sizeof(cpuid->entries[0]));
		if (!cpuid)
			die("out of memory");
		cpuid->nent = n;
		if (!ioctl(dev_fd, KVM_GET_SUPPORTED_CPUID, cpuid))
			return;
		free(cpuid);
		if (errno != E2BIG)
			die("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
	}
	die("KVM_GET_SUPPORTED_CPUID: too many entries");
}

/* A flat 32-bit segment (code: type 0xb, data: 0x3), base 0, 4 GiB. */
static struct kvm_segment seg_flat(uint16_t sel, uint8_t type)
{
	struct kvm_segment s = {
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
		.present = 1, .s = 1, .db = 1, .g = 1,
	};

	return s;
}

/* SDM 3.4.5: the GDT descriptor of a flat segment of @type. */
static uint64_t desc_flat(uint8_t type)
{
	return 0xffffULL | (uint64_t)(0x90 | type) << 40 | 0xcfULL << 48;
}

/* The phases of making a VM, as the set-up bench times them. */
enum { T_START, T_VM, T_SLOT, T_VCPU, NR_T };

/*
 * A VM with one slot of @size bytes at GPA 0 and vCPU 0 in 32-bit flat
 * protected mode, the guests at CODE_GPA: what every VMM does before its
 * first KVM_RUN.  @t, if given, gets the TSC after each phase.
 */
static void vm_open(struct vm *vm, size_t size, int mflags, uint64_t *t)
{
	struct kvm_userspace_memory_region region = { 0 };
	uint64_t *gdt;
	struct kvm_sregs s;

	memset(vm, 0, sizeof(*vm));
	vm->stats_fd = -1;
	if (t)
		t[T_START] = tsc();
	vm->fd = ioctl(dev_fd, KVM_CREATE_VM, 0UL);
	if (vm->fd < 0)
		die("KVM_CREATE_VM: %s", strerror(errno));
	if (t)
		t[T_VM] = tsc();
	vm->mem_size = size;
	vm->mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | mflags, -1, 0);
	if (vm->mem == MAP_FAILED)
		die("mmap %zu bytes: %s", size, strerror(errno));
	region.memory_size = size;
	region.userspace_addr = (uintptr_t)vm->mem;
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region))
		die("KVM_SET_USER_MEMORY_REGION (%zu bytes): %s", size,
		    strerror(errno));
	if (t)
		t[T_SLOT] = tsc();
	vm->vcpu_fd = ioctl(vm->fd, KVM_CREATE_VCPU, 0UL);
	if (vm->vcpu_fd < 0)
		die("KVM_CREATE_VCPU: %s", strerror(errno));
	if (ioctl(vm->vcpu_fd, KVM_SET_CPUID2, cpuid))
		die("KVM_SET_CPUID2: %s", strerror(errno));
	vm->run_size = run_size;
	vm->run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED)
		die("mmap of the vCPU: %s", strerror(errno));

	gdt = (uint64_t *)((char *)vm->mem + GDT_GPA);
	gdt[SEL_CODE32 / 8] = desc_flat(0xb);
	gdt[SEL_DATA32 / 8] = desc_flat(0x3);
	/* A busy 32-bit TSS, 0x68 bytes: VM entry wants a usable TR. */
	gdt[SEL_TSS / 8] = 0x67ULL | (uint64_t)TSS_GPA << 16 | 0x8bULL << 40;
	memcpy((char *)vm->mem + CODE_GPA, g_start, g_end - g_start);

	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &s))
		die("KVM_GET_SREGS: %s", strerror(errno));
	s.cr0 = 0x11;		/* PE, ET */
	s.cr3 = 0;
	s.cr4 = 0;
	s.efer = 0;
	s.cs = seg_flat(SEL_CODE32, 0xb);
	s.ds = s.es = s.fs = s.gs = s.ss = seg_flat(SEL_DATA32, 0x3);
	s.tr = (struct kvm_segment){ .base = TSS_GPA, .limit = 0x67,
		.selector = SEL_TSS, .type = 0xb, .present = 1 };
	s.gdt.base = GDT_GPA;
	s.gdt.limit = SEL_TSS + 7;
	/* No IDT: a fault becomes a triple fault, KVM_EXIT_SHUTDOWN. */
	s.idt.base = 0;
	s.idt.limit = 0;
	if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &s))
		die("KVM_SET_SREGS: %s", strerror(errno));
	if (t)
		t[T_VCPU] = tsc();
}

/* @t, if given, gets the TSC after the fds are closed. */
static void vm_close(struct vm *vm, uint64_t *t)
{
	if (vm->stats_fd >= 0)
		close(vm->stats_fd);
	munmap(vm->run, vm->run_size);
	close(vm->vcpu_fd);
	close(vm->fd);
	if (t)
		*t = tsc();
	munmap(vm->mem, vm->mem_size);
}

/*
 * Start the vCPU at @entry with EDI = @edi, EBX = @ebx.  IF = 1: Bochs 2.7
 * takes no external-interrupt exit while the guest has IF = 0, and then
 * the host's timer could not get a spinning guest out.
 */
static void vcpu_start(struct vm *vm, uint64_t entry, uint32_t edi,
		       uint32_t ebx)
{
	struct kvm_regs r = {
		.rip = entry, .rsp = STACK_TOP, .rflags = 0x202,
		.rdi = edi, .rbx = ebx,
	};

	if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &r))
		die("KVM_SET_REGS: %s", strerror(errno));
}

static void vcpu_regs(struct vm *vm, struct kvm_regs *r)
{
	if (ioctl(vm->vcpu_fd, KVM_GET_REGS, r))
		die("KVM_GET_REGS: %s", strerror(errno));
}

/* The exit KVM_RUN was to end with, or a loud end of the program. */
static void check_exit(struct vm *vm, int r, uint32_t want, const char *what)
{
	struct kvm_regs regs;

	if (r < 0)
		die("%s: KVM_RUN: %s", what, strerror(errno));
	if (vm->run->exit_reason == want)
		return;
	vcpu_regs(vm, &regs);
	die("%s: exit reason %u, expected %u (RIP %#llx, EDI %llu)", what,
	    vm->run->exit_reason, want, (unsigned long long)regs.rip,
	    (unsigned long long)regs.rdi);
}

/* After the guest's HLT: its loop ran to the end (EDI counts down to 0). */
static void check_done(struct vm *vm, const char *what,
		       struct kvm_regs *regs)
{
	vcpu_regs(vm, regs);
	if (regs->rdi != 0)
		die("%s: the guest halted with %llu rounds left", what,
		    (unsigned long long)regs->rdi);
}

/* ---- counting exits: the ones a bench claims must have happened ---------- */

static void stats_open(struct vm *vm)
{
	struct kvm_stats_header h;
	struct kvm_stats_desc *d;
	size_t desc_size, i;
	char *descs;

	vm->stats_fd = ioctl(vm->vcpu_fd, KVM_GET_STATS_FD, NULL);
	if (vm->stats_fd < 0)
		return;
	if (pread(vm->stats_fd, &h, sizeof(h), 0) != sizeof(h) ||
	    h.num_desc > 4096 || h.name_size > 256)
		goto none;
	desc_size = sizeof(*d) + h.name_size;
	descs = calloc(h.num_desc, desc_size);
	if (!descs)
		goto none;
	if (pread(vm->stats_fd, descs, h.num_desc * desc_size, h.desc_offset) !=
	    (ssize_t)(h.num_desc * desc_size)) {
		free(descs);
		goto none;
	}
	for (i = 0; i < h.num_desc; i++) {
		d = (struct kvm_stats_desc *)(descs + i * desc_size);
		d->name[h.name_size - 1] = '\0';
		if (!strcmp(d->name, "exits") && d->size == 1) {
			vm->exits_offset = h.data_offset + d->offset;
			free(descs);
			return;
		}
	}
	free(descs);
none:
	close(vm->stats_fd);
	vm->stats_fd = -1;
}

/* VM exits of the vCPU so far; UINT64_MAX if the device does not say. */
static uint64_t exit_count(struct vm *vm)
{
	struct vtx_vcpu_stats st;
	uint64_t n = 0;
	unsigned int i;

	if (is_vtx) {
		memset(&st, 0, sizeof(st));
		st.size = sizeof(st);
		if (ioctl(vm->vcpu_fd, VTX_GET_VCPU_STATS, &st))
			die("VTX_GET_VCPU_STATS: %s", strerror(errno));
		for (i = 0; i < st.nr_reasons && i < VTX_STATS_MAX_REASONS; i++)
			n += st.reason[i].count;
		return n;
	}
	if (vm->stats_fd < 0 ||
	    pread(vm->stats_fd, &n, sizeof(n), vm->exits_offset) != sizeof(n))
		return UINT64_MAX;
	return n;
}

/* The vCPU took at least @want exits since @before (if the device counts). */
static void check_exits(struct vm *vm, uint64_t before, uint64_t want,
			const char *what)
{
	uint64_t after = exit_count(vm);

	if (before == UINT64_MAX || after == UINT64_MAX)
		return;
	if (after - before < want)
		die("%s: %llu VM exits, expected at least %llu: %s", what,
		    (unsigned long long)(after - before),
		    (unsigned long long)want, "the instruction did not exit");
}

/* ---- the benches: each runs once, recording when @rep >= 0 -------------- */

static void record(enum row_id id, int rep, double v)
{
	if (rep >= 0)
		rows[id].v[rep] = v;
}

/* N exits handled in the kernel inside one KVM_RUN. */
static void bench_in_kernel(struct vm *vm, int rep, enum row_id id,
			    const unsigned char *guest)
{
	const char *what = rows[id].name;
	struct kvm_regs regs;
	uint64_t t0, t1, before;
	int r;

	vcpu_start(vm, GUEST_ADDR(guest), KERNEL_EXITS, 0);
	before = exit_count(vm);
	t0 = tsc();
	r = ioctl(vm->vcpu_fd, KVM_RUN, 0);
	t1 = tsc();
	check_exit(vm, r, KVM_EXIT_HLT, what);
	check_done(vm, what, &regs);
	check_exits(vm, before, KERNEL_EXITS, what);
	record(id, rep, (double)(t1 - t0) / KERNEL_EXITS);
}

/* N exits to user space, one KVM_RUN each, as a VMM's device model sees. */
static void bench_to_user(struct vm *vm, int rep, enum row_id id)
{
	const char *what = rows[id].name;
	int mmio = id == R_MMIO;
	struct kvm_run *run = vm->run;
	struct kvm_regs regs;
	uint64_t t0, t1;
	int i, r;

	vcpu_start(vm, GUEST_ADDR(mmio ? g_mmio : g_pio), USER_EXITS, 0);
	t0 = tsc();
	for (i = 0; i < USER_EXITS; i++) {
		r = ioctl(vm->vcpu_fd, KVM_RUN, 0);
		if (r < 0 || run->exit_reason !=
		    (mmio ? KVM_EXIT_MMIO : KVM_EXIT_IO))
			break;
		if (mmio ? !run->mmio.is_write ||
			   run->mmio.phys_addr != MMIO_GPA :
			   run->io.direction != KVM_EXIT_IO_OUT ||
			   run->io.port != PIO_PORT)
			die("%s: exit %d is not the guest's access", what, i);
	}
	t1 = tsc();
	if (i < USER_EXITS)
		check_exit(vm, r, mmio ? KVM_EXIT_MMIO : KVM_EXIT_IO, what);
	check_exit(vm, ioctl(vm->vcpu_fd, KVM_RUN, 0), KVM_EXIT_HLT, what);
	check_done(vm, what, &regs);
	record(id, rep, (double)(t1 - t0) / USER_EXITS);
}

/*
 * An interrupt from user space into a halted guest, KVM's way without an
 * in-kernel irqchip: at each HLT (IF = 1) the device must say the guest
 * can take one (ready_for_interrupt_injection); then KVM_INTERRUPT of
 * INTR_VECTOR and KVM_RUN, which must end at the handler's OUT to the
 * EOI port.  Timed: from before KVM_INTERRUPT to that exit in user space.
 * A device that refuses KVM_INTERRUPT, or never says ready, is not
 * measured (the row says why); one that takes it and does not deliver
 * it ends the program (the exit after KVM_RUN is not the OUT).
 */
static void bench_intr(struct vm *vm, int rep)
{
	const char *what = rows[R_INTR].name;
	struct kvm_interrupt irq = { .irq = INTR_VECTOR };
	struct kvm_run *run = vm->run;
	uint64_t *idt = (uint64_t *)((char *)vm->mem + IDT_GPA);
	uint8_t *idtr = (uint8_t *)vm->mem + IDTR_GPA;
	uint32_t handler = GUEST_ADDR(g_intr_handler), base = IDT_GPA;
	uint16_t limit = (INTR_VECTOR + 1) * 8 - 1;
	struct kvm_regs regs;
	uint64_t t0, t1, sum = 0;
	int i, r;

	if (rows[R_INTR].unsupported)
		return;
	/* SDM Vol. 3A 6.11: a 32-bit interrupt gate, DPL 0, present. */
	memset(idt, 0, (INTR_VECTOR + 1) * 8);
	idt[INTR_VECTOR] = (handler & 0xffff) | (uint64_t)SEL_CODE32 << 16 |
			   0x8eULL << 40 | (uint64_t)(handler >> 16) << 48;
	memcpy(idtr, &limit, 2);
	memcpy(idtr + 2, &base, 4);
	vcpu_start(vm, GUEST_ADDR(g_intr), USER_EXITS, IDTR_GPA);
	check_exit(vm, ioctl(vm->vcpu_fd, KVM_RUN, 0), KVM_EXIT_HLT, what);
	for (i = 0; i < USER_EXITS; i++) {
		if (!run->ready_for_interrupt_injection || !run->if_flag) {
			if (i)
				die("%s: not ready for an interrupt at HLT %d",
				    what, i);
			rows[R_INTR].unsupported = "the guest at HLT with IF=1 "
				"is not reported ready_for_interrupt_injection";
			return;
		}
		t0 = tsc();
		if (ioctl(vm->vcpu_fd, KVM_INTERRUPT, &irq)) {
			if (i)
				die("%s: KVM_INTERRUPT: %s", what,
				    strerror(errno));
			rows[R_INTR].unsupported = errno == ENOTTY ?
				"KVM_INTERRUPT: ENOTTY" : errno == EINVAL ?
				"KVM_INTERRUPT: EINVAL" : "KVM_INTERRUPT fails";
			return;
		}
		r = ioctl(vm->vcpu_fd, KVM_RUN, 0);
		t1 = tsc();
		check_exit(vm, r, KVM_EXIT_IO, what);
		if (run->io.direction != KVM_EXIT_IO_OUT ||
		    run->io.port != EOI_PORT)
			die("%s: exit %d is not the handler's OUT", what, i);
		sum += t1 - t0;
		check_exit(vm, ioctl(vm->vcpu_fd, KVM_RUN, 0), KVM_EXIT_HLT,
			   what);
	}
	check_done(vm, what, &regs);
	if (regs.rflags & 0x200)
		die("%s: the guest's last HLT has IF set", what);
	record(R_INTR, rep, (double)sum / USER_EXITS);
}

/*
 * Create, run to the first exit (a HLT), tear down.  The bench VM stays
 * open meanwhile, so that what is timed is one more VM, not VMX itself
 * being turned on: vtx enters VMX at load, kvm-intel 6.12 too, 6.1 with
 * its first VM.
 */
static void bench_setup(int rep)
{
	uint64_t t[NR_T], t_run, t_down, t_close, t_end;
	struct kvm_regs regs;
	struct vm vm;

	vm_open(&vm, SETUP_MEM_SIZE, MAP_NORESERVE, t);
	vcpu_start(&vm, GUEST_ADDR(g_halt), 0, 0);
	check_exit(&vm, ioctl(vm.vcpu_fd, KVM_RUN, 0), KVM_EXIT_HLT,
		   "vm_setup");
	t_run = tsc();
	vcpu_regs(&vm, &regs);
	if (regs.rip != GUEST_ADDR(g_halt) + 1)
		die("vm_setup: halted at %#llx", (unsigned long long)regs.rip);
	t_down = tsc();
	vm_close(&vm, &t_close);
	t_end = tsc();
	record(R_SETUP, rep, t_run - t[T_START]);
	record(R_SETUP_VM, rep, t[T_VM] - t[T_START]);
	record(R_SETUP_SLOT, rep, t[T_SLOT] - t[T_VM]);
	record(R_SETUP_VCPU, rep, t[T_VCPU] - t[T_SLOT]);
	record(R_SETUP_RUN, rep, t_run - t[T_VCPU]);
	record(R_TEARDOWN, rep, t_end - t_down);
	record(R_TEARDOWN_CLOSE, rep, t_close - t_down);
	record(R_TEARDOWN_UNMAP, rep, t_end - t_close);
}

static uint32_t xorshift32(uint32_t x, unsigned int rounds)
{
	while (rounds--) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
	}
	return x;
}

static void bench_compute(struct vm *vm, int rep)
{
	static uint32_t want;
	struct kvm_regs regs;
	uint64_t t0, t1;
	int r;

	if (!want)
		want = xorshift32(COMPUTE_SEED, COMPUTE_ROUNDS);
	vcpu_start(vm, GUEST_ADDR(g_compute), COMPUTE_ROUNDS, COMPUTE_SEED);
	t0 = tsc();
	r = ioctl(vm->vcpu_fd, KVM_RUN, 0);
	t1 = tsc();
	check_exit(vm, r, KVM_EXIT_HLT, "compute");
	check_done(vm, "compute", &regs);
	if ((uint32_t)regs.rbx != want)
		die("compute: the guest computed %#x, expected %#x",
		    (uint32_t)regs.rbx, want);
	if (!(uint32_t)regs.rax)
		die("compute: the guest measured 0 ticks");
	record(R_COMPUTE_RATE, rep, COMPUTE_ROUNDS * 1e6 / (uint32_t)regs.rax);
	record(R_COMPUTE_HOST, rep, t1 - t0);
}

/*
 * Dirty logging, as a migrating VMM pays for it: the guest writes
 * DIRTY_PAGES pages that the last KVM_GET_DIRTY_LOG protected again (each
 * write is what logging costs the guest), then the log of the 1 GiB slot
 * is read with those pages dirty, and once more clean.
 */
static void bench_dirty(struct vm *vm, int rep)
{
	static const size_t bytes = DIRTY_SIZE / 4096 / 8;
	static uint64_t *log;
	struct kvm_dirty_log get = { .slot = 1 };
	struct kvm_regs regs;
	uint64_t t0, t1, t2, t3, t4, t5, n = 0;
	size_t i;
	int r;

	if (!log) {
		struct kvm_userspace_memory_region region = {
			.slot = 1, .flags = KVM_MEM_LOG_DIRTY_PAGES,
			.guest_phys_addr = DIRTY_GPA,
			.memory_size = DIRTY_SIZE,
		};
		void *p = mmap(NULL, DIRTY_SIZE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			       -1, 0);

		if (p == MAP_FAILED)
			die("mmap of the logging slot: %s", strerror(errno));
		region.userspace_addr = (uintptr_t)p;
		if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region))
			die("KVM_SET_USER_MEMORY_REGION with logging: %s",
			    strerror(errno));
		log = calloc(1, bytes);
		if (!log)
			die("out of memory");
	}
	get.dirty_bitmap = log;
	if (ioctl(vm->fd, KVM_GET_DIRTY_LOG, &get))
		die("KVM_GET_DIRTY_LOG: %s", strerror(errno));
	vcpu_start(vm, GUEST_ADDR(g_dirty), DIRTY_PAGES, DIRTY_GPA);
	t0 = tsc();
	r = ioctl(vm->vcpu_fd, KVM_RUN, 0);
	t1 = tsc();
	check_exit(vm, r, KVM_EXIT_HLT, "dirty_page");
	check_done(vm, "dirty_page", &regs);
	t2 = tsc();
	r = ioctl(vm->fd, KVM_GET_DIRTY_LOG, &get);
	t3 = tsc();
	if (r)
		die("KVM_GET_DIRTY_LOG: %s", strerror(errno));
	for (i = 0; i < bytes / 8; i++)
		n += __builtin_popcountll(log[i]);
	if (n != DIRTY_PAGES || log[0] != ~0ULL)
		die("dirty_log: %llu pages logged, expected the first %u",
		    (unsigned long long)n, DIRTY_PAGES);
	t4 = tsc();
	r = ioctl(vm->fd, KVM_GET_DIRTY_LOG, &get);
	t5 = tsc();
	if (r || log[0])
		die("dirty_log_clean: %s", r ? strerror(errno) : "pages logged");
	record(R_DIRTY_PAGE, rep, (double)(t1 - t0) / DIRTY_PAGES);
	record(R_DIRTY_LOG, rep, t3 - t2);
	record(R_DIRTY_LOG_CLEAN, rep, t5 - t4);
}

/* ---- results ------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void summarize(struct row *row, int reps)
{
	double s[MAX_REPS];

	memcpy(s, row->v, reps * sizeof(s[0]));
	qsort(s, reps, sizeof(s[0]), cmp_double);
	row->min = s[0];
	row->max = s[reps - 1];
	row->median = reps % 2 ? s[reps / 2] :
				 (s[reps / 2 - 1] + s[reps / 2]) / 2;
}

static void print_table(const char *kernel, int reps)
{
	int i;

	printf("vtx-bench: %s (%s), Linux %s, median of %d runs, TSC ticks\n",
	       dev_path, is_vtx ? "vtx" : "kvm", kernel, reps);
	printf("%-34s %-13s %12s %12s %12s\n", "", "unit", "median", "min",
	       "max");
	for (i = 0; i < NR_ROWS; i++) {
		/* Counts of ticks need no decimals; costs and rates get one. */
		int d = strcmp(rows[i].unit, "ticks") ? 1 : 0;

		if (rows[i].unsupported) {
			printf("%-34s %-13s not measured: %s\n", rows[i].desc,
			       rows[i].unit, rows[i].unsupported);
			continue;
		}
		printf("%-34s %-13s %12.*f %12.*f %12.*f\n", rows[i].desc,
		       rows[i].unit, d, rows[i].median, d, rows[i].min, d,
		       rows[i].max);
	}
}

/* The CPU's model name, for the record; "" if /proc does not say. */
static void cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256], *p;

	buf[0] = '\0';
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "model name", 10) || !(p = strchr(line, ':')))
			continue;
		p += strspn(p + 1, " \t") + 1;
		p[strcspn(p, "\n\"\\")] = '\0';
		snprintf(buf, len, "%s", p);
		break;
	}
	if (f)
		fclose(f);
}

/* One row per line: scripts/bench reads it with awk. */
static void write_json(const char *path, const char *kernel, int reps)
{
	FILE *f = fopen(path, "w");
	char cpu[128];
	int i;

	if (!f)
		die("%s: %s", path, strerror(errno));
	cpu_model(cpu, sizeof(cpu));
	fprintf(f, "{\n  \"device\": \"%s\",\n  \"hypervisor\": \"%s\",\n"
		"  \"kernel\": \"%s\",\n  \"cpu\": \"%s\",\n"
		"  \"reps\": %d,\n  \"rows\": [\n",
		dev_path, is_vtx ? "vtx" : "kvm", kernel, cpu, reps);
	for (i = 0; i < NR_ROWS; i++) {
		fprintf(f, "    {\"name\": \"%s\", \"desc\": \"%s\", "
			"\"unit\": \"%s\", \"better\": \"%s\", ",
			rows[i].name, rows[i].desc, rows[i].unit,
			rows[i].better);
		if (rows[i].unsupported)
			fprintf(f, "\"unsupported\": \"%s\"}",
				rows[i].unsupported);
		else
			fprintf(f, "\"median\": %.1f, \"min\": %.1f, "
				"\"max\": %.1f}", rows[i].median,
				rows[i].min, rows[i].max);
		fprintf(f, "%s\n", i + 1 < NR_ROWS ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	if (fclose(f))
		die("%s: %s", path, strerror(errno));
}

/*
 * vtx's own accounting of the bench VM's exits: the handler's share of
 * each round trip (from the VM exit to its verdict), the rest of which is
 * the way in and out.
 */
static void print_vtx_stats(struct vm *vm)
{
	struct vtx_vcpu_stats st;
	unsigned int i;

	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	if (ioctl(vm->vcpu_fd, VTX_GET_VCPU_STATS, &st))
		return;
	printf("vtx's own accounting (VTX_GET_VCPU_STATS): %s\n",
	       "from the VM exit to the handler's verdict");
	printf("  %-34s %10s %12s\n", "exit reason", "count", "mean ticks");
	for (i = 0; i < st.nr_reasons && i < VTX_STATS_MAX_REASONS; i++)
		if (st.reason[i].count)
			printf("  %-34.34s %10llu %12.1f\n",
			       st.reason[i].name[0] ? st.reason[i].name : "?",
			       (unsigned long long)st.reason[i].count,
			       (double)st.reason[i].tsc / st.reason[i].count);
}

static void watchdog(int sig)
{
	static const char msg[] = "vtx-bench: watchdog: a guest ran too long\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: vtx-bench [--json FILE] [--reps N] DEVICE\n"
		"  DEVICE      a KVM-API device: /dev/vtx, /dev/kvm\n"
		"  --json FILE also write the results there, as JSON\n"
		"  --reps N    repetitions per row (default 7, at most %d)\n",
		MAX_REPS);
}

int main(int argc, char **argv)
{
	const char *json = NULL;
	struct vtx_vcpu_stats st;
	struct utsname uts;
	cpu_set_t cpus;
	int reps = 7, i, rep;
	struct vm vm;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") && i + 1 < argc) {
			json = argv[++i];
		} else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
			reps = atoi(argv[++i]);
			if (reps < 1 || reps > MAX_REPS) {
				usage(stderr);
				return 2;
			}
		} else if (!strcmp(argv[i], "-h") ||
			   !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' || dev_path) {
			usage(stderr);
			return 2;
		} else {
			dev_path = argv[i];
		}
	}
	if (!dev_path) {
		usage(stderr);
		return 2;
	}
	uname(&uts);
	/* One CPU throughout: a migration costs, but it is not an exit. */
	CPU_ZERO(&cpus);
	CPU_SET(sched_getcpu(), &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	signal(SIGALRM, watchdog);
	alarm(600);

	dev_open();
	vm_open(&vm, MEM_SIZE, 0, NULL);
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	is_vtx = !ioctl(vm.vcpu_fd, VTX_GET_VCPU_STATS, &st);
	if (!is_vtx)
		stats_open(&vm);
	if (!is_vtx && vm.stats_fd < 0)
		fprintf(stderr, "vtx-bench: %s counts no exits: %s\n",
			dev_path, "checking the guests' results only");

	for (rep = -WARMUPS; rep < reps; rep++) {
		bench_in_kernel(&vm, rep, R_WBINVD, g_wbinvd);
		bench_in_kernel(&vm, rep, R_CPUID, g_cpuid);
		bench_to_user(&vm, rep, R_PIO);
		bench_to_user(&vm, rep, R_MMIO);
		bench_intr(&vm, rep);
		bench_setup(rep);
		bench_compute(&vm, rep);
		bench_dirty(&vm, rep);
	}

	for (i = 0; i < NR_ROWS; i++)
		if (!rows[i].unsupported)
			summarize(&rows[i], reps);
	print_table(uts.release, reps);
	if (is_vtx)
		print_vtx_stats(&vm);
	vm_close(&vm, NULL);
	if (json)
		write_json(json, uts.release, reps);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * vtx_hotplug_run_test: CPU 1 leaves and joins while guests run.
 *
 *   vtx_hotplug_run_test [DEVICE]	(default /dev/vtx)
 *
 * Two VMs with two vCPUs each, one thread per vCPU, run a 64-bit guest
 * that fills 64 KiB of its memory with a pattern that changes each pass,
 * reads it back and compares, checks an invariant between two of its
 * registers, and then reports the pass by port I/O.  The host checks the
 * guest's registers (and its control registers) at every such exit.
 * Meanwhile the main thread takes CPU 1 offline and back online
 * NR_CYCLES times; after each step VTX_GET_STATUS must show VMX on
 * exactly the online CPUs (vtx's bookkeeping and the hardware probe), the
 * VMs and vCPUs must all still be there, and every guest must make
 * progress in the new state.  vCPUs whose VMCS was active on CPU 1 are
 * VMCLEARed there as it leaves and loaded afresh elsewhere.  At the end
 * every guest halts with the right registers and memory, and once the
 * VMs are gone vtx's counts (VTX_GET_STATUS, /sys/kernel/debug/vtx/) are
 * what they were before.  CPU 1 is put back online on every way out.
 *
 * vtx only: kvm-intel in the 2-CPU Bochs PC hangs on exit-free guests on
 * CPU 1 (README, "Known gaps"), and VTX_GET_STATUS is vtx's.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <time.h>

#include "kvm/kvm_util.h"
#include "util.h"

#define NR_CYCLES	20
#define NR_VMS		2
#define VCPUS_PER_VM	2
#define NR_VCPUS	(NR_VMS * VCPUS_PER_VM)
#define DEBUGFS_VTX	"/sys/kernel/debug/vtx"

/* Each vCPU's 64 KiB, inside slot 0 (identity-mapped by the guest). */
#define REGION_GPA(id)	(0x100000ULL + (__u64)(id) * 0x10000)
#define REGION_QWORDS	8192
#define PORT_PASS	0x12	/* OUT: pass number in EAX */
#define PORT_GO		0x13	/* IN: 0 = another pass, 1 = halt */
#define PORT_BADMEM	0x14	/* OUT: the qword index that differed */
#define PORT_BADREG	0x15	/* OUT: R13 is not ~R12 any more */
#define GOLDEN		0x61c88647	/* imul's imm32: no C suffix */

/* Passes each guest must make in every state, and how long it may take. */
#define PASSES_PER_STEP	2
#define STEP_LIMIT_S	120

/*
 * RSI: the region; R15: its size in qwords; R12: a seed; R13: ~R12;
 * R14: a constant.  RBX counts the passes.  Qword i of pass p holds
 * i * GOLDEN ^ R12 ^ p << 32.  RAX, RCX, RDX, RDI are scratch.
 */
asm(".pushsection .rodata\n"
	".code64\n"
	".global g_hp_start, g_hp_out, g_hp_in, g_hp_hlt, g_hp_end\n"
	"g_hp_start:\n"
	"1:	inc %rbx\n"
	"	mov %rsi, %rdi\n"
	"	xor %ecx, %ecx\n"
	"2:	imul $" XSTR(GOLDEN) ", %rcx, %rax\n"
	"	xor %r12, %rax\n"
	"	mov %rbx, %rdx\n"
	"	shl $32, %rdx\n"
	"	xor %rdx, %rax\n"
	"	mov %rax, (%rdi,%rcx,8)\n"
	"	inc %rcx\n"
	"	cmp %r15, %rcx\n"
	"	jb 2b\n"
	"	xor %ecx, %ecx\n"
	"3:	imul $" XSTR(GOLDEN) ", %rcx, %rax\n"
	"	xor %r12, %rax\n"
	"	mov %rbx, %rdx\n"
	"	shl $32, %rdx\n"
	"	xor %rdx, %rax\n"
	"	cmp (%rdi,%rcx,8), %rax\n"
	"	jne 8f\n"
	"	inc %rcx\n"
	"	cmp %r15, %rcx\n"
	"	jb 3b\n"
	"	mov %r12, %rax\n"
	"	not %rax\n"
	"	cmp %r13, %rax\n"
	"	jne 9f\n"
	"	mov %ebx, %eax\n"
	"g_hp_out:\n"
	"	out %eax, $" XSTR(PORT_PASS) "\n"
	"g_hp_in:\n"
	"	in $" XSTR(PORT_GO) ", %al\n"
	"	test %al, %al\n"
	"	jz 1b\n"
	"g_hp_hlt:\n"
	"	hlt\n"
	"8:	mov %ecx, %eax\n"
	"	out %eax, $" XSTR(PORT_BADMEM) "\n"
	"	hlt\n"
	"9:	out %eax, $" XSTR(PORT_BADREG) "\n"
	"	hlt\n"
	"g_hp_end:\n"
	".popsection\n");
extern const unsigned char g_hp_start[], g_hp_out[], g_hp_in[], g_hp_hlt[],
	g_hp_end[];

struct guest {
	struct vm *vm;
	struct vcpu *v;
	int id;			/* 0 .. NR_VCPUS - 1 */
	pthread_t thread;
	int started;
	__u64 seed, konst;
	/* Written by the vCPU thread, read by the main thread. */
	volatile unsigned long passes;
	volatile int done, failed;
	volatile unsigned long on_cpu1;	/* KVM_RUNs that returned there */
	char why[200];
};

static struct guest guests[NR_VCPUS];
static struct vm *vms[NR_VMS];
static volatile int stop;

static void restore_cpu1_and_die(int sig)
{
	static const char msg[] = "# signal: CPU 1 put back online, giving up\n";
	ssize_t r;

	restore_cpu1();
	r = write(1, msg, sizeof(msg) - 1);
	(void)r;
	if (sig == SIGALRM)
		_exit(KSFT_FAIL);
	signal(sig, SIG_DFL);
	raise(sig);
}

static __u64 pattern(const struct guest *g, unsigned long pass,
		     unsigned long i)
{
	return (i * (__u64)GOLDEN) ^ g->seed ^ ((__u64)pass << 32);
}

static void guest_fail(struct guest *g, const char *fmt, ...)
	TAP_PRINTF(2, 3);
static void guest_fail(struct guest *g, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(g->why, sizeof(g->why), fmt, ap);
	va_end(ap);
	g->failed = 1;
}

/*
 * The registers the guest must hold at the exit at @rip (an instruction
 * of @io_len bytes, where the exit may leave RIP after it), after pass
 * @pass (EAX too, unless an IN has written AL since): 0 if they do,
 * else why not in g->why.
 */
static int check_regs(struct guest *g, __u64 rip, unsigned int io_len,
		      unsigned long pass, int eax_is_pass)
{
	struct kvm_sregs s;
	struct kvm_regs r;

	if (ioctl(g->v->fd, KVM_GET_REGS, &r) ||
	    ioctl(g->v->fd, KVM_GET_SREGS, &s)) {
		guest_fail(g, "KVM_GET_REGS/SREGS: %s", errno_name(errno));
		return -1;
	}
	/* RIP at the IN or OUT (kvm-intel, vtx) or past it (kvm-amd). */
	if ((r.rip != rip && r.rip != rip + io_len) || r.rbx != pass || r.rsi != REGION_GPA(g->id) ||
	    r.r12 != g->seed || r.r13 != ~g->seed || r.r14 != g->konst ||
	    r.r15 != REGION_QWORDS || r.rcx != REGION_QWORDS ||
	    r.rdi != REGION_GPA(g->id) ||
	    (eax_is_pass && (__u32)r.rax != (__u32)pass)) {
		guest_fail(g, "pass %lu: rip %#llx (expected %#llx) rbx %llu rsi %#llx rdi %#llx rcx %llu r12 %#llx r13 %#llx r14 %#llx r15 %llu eax %u",
			   pass, (unsigned long long)r.rip,
			   (unsigned long long)rip, (unsigned long long)r.rbx,
			   (unsigned long long)r.rsi, (unsigned long long)r.rdi,
			   (unsigned long long)r.rcx, (unsigned long long)r.r12,
			   (unsigned long long)r.r13, (unsigned long long)r.r14,
			   (unsigned long long)r.r15, (__u32)r.rax);
		return -1;
	}
	if (!(s.cr0 & X86_CR0_PG) || s.cr3 != PML4_GPA ||
	    !(s.cr4 & X86_CR4_PAE) || !(s.efer & EFER_LMA) ||
	    s.cs.selector != GDT_CODE64 || !s.cs.l) {
		guest_fail(g, "pass %lu: cr0 %#llx cr3 %#llx cr4 %#llx efer %#llx cs %#x (l %u): not the long mode it was given",
			   pass, (unsigned long long)s.cr0,
			   (unsigned long long)s.cr3, (unsigned long long)s.cr4,
			   (unsigned long long)s.efer, s.cs.selector, s.cs.l);
		return -1;
	}
	return 0;
}

static void *vcpu_thread(void *arg)
{
	struct guest *g = arg;
	struct kvm_run *run = g->v->run;
	__u64 out_rip = GUEST_ADDR(g_hp_start, g_hp_out);
	__u64 in_rip = GUEST_ADDR(g_hp_start, g_hp_in);
	__u64 hlt_rip = GUEST_ADDR(g_hp_start, g_hp_hlt);
	unsigned long pass = 0;
	unsigned char *data;
	__u32 val;
	int r;

	for (;;) {
		r = vcpu_run(g->v);
		if (sched_getcpu() == 1)
			g->on_cpu1++;
		if (r) {
			guest_fail(g, "KVM_RUN after pass %lu: %s", pass,
				   errno_name(errno));
			break;
		}
		data = (unsigned char *)run + run->io.data_offset;
		if (run->exit_reason == KVM_EXIT_HLT) {
			/* RIP is past the HLT. */
			if (!check_regs(g, hlt_rip + 1, 0, pass, 0))
				g->done = 1;
			break;
		}
		if (run->exit_reason != KVM_EXIT_IO || run->io.count != 1) {
			guest_fail(g, "after pass %lu: exit %s, expected port I/O",
				   pass, exit_name(run->exit_reason));
			break;
		}
		memcpy(&val, data, 4);
		if (run->io.port == PORT_PASS &&
		    run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 4) {
			if (val != pass + 1) {
				guest_fail(g, "the guest reported pass %u after %lu",
					   val, pass);
				break;
			}
			if (check_regs(g, out_rip, 2, pass + 1, 1))
				break;
			g->passes = ++pass;
		} else if (run->io.port == PORT_GO &&
			   run->io.direction == KVM_EXIT_IO_IN &&
			   run->io.size == 1) {
			if (check_regs(g, in_rip, 2, pass, 1))
				break;
			*data = stop ? 1 : 0;
		} else if (run->io.port == PORT_BADMEM) {
			guest_fail(g, "pass %lu: qword %u of its memory read back wrong",
				   pass + 1, val);
			break;
		} else if (run->io.port == PORT_BADREG) {
			guest_fail(g, "pass %lu: R13 no longer ~R12", pass + 1);
			break;
		} else {
			guest_fail(g, "after pass %lu: unexpected %s of port %#x",
				   pass, run->io.direction == KVM_EXIT_IO_IN ?
				   "IN" : "OUT", run->io.port);
			break;
		}
	}
	return NULL;
}

static int hp_guest_create(struct guest *g, struct vm *vm, int vcpu_id, int id)
{
	struct kvm_regs r;

	g->vm = vm;
	g->id = id;
	g->seed = 0x5eed000000000000ULL | (__u64)(id + 1) << 40 |
		  (__u64)(id * 0x1234567);
	g->konst = 0xc0de00000000c0deULL ^ ((__u64)id << 20);
	g->v = vcpu_create(vm, vcpu_id);
	if (!g->v || vcpu_setup_mode(g->v, MODE_LONG64) ||
	    vcpu_get_regs(g->v, &r))
		return -1;
	r.rsi = REGION_GPA(id);
	r.r12 = g->seed;
	r.r13 = ~g->seed;
	r.r14 = g->konst;
	r.r15 = REGION_QWORDS;
	r.rbx = 0;
	return vcpu_set_regs(g->v, &r);
}

/* Wait until every guest made @n more passes; 1 if they did in time. */
static int wait_progress(unsigned int n, const char *when)
{
	unsigned long from[NR_VCPUS];
	struct timespec t0, t;
	int i, behind;

	for (i = 0; i < NR_VCPUS; i++)
		from[i] = guests[i].passes;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		behind = -1;
		for (i = 0; i < NR_VCPUS; i++) {
			if (guests[i].failed) {
				diag("  guest %d: %s", i, guests[i].why);
				return 0;
			}
			if (guests[i].passes < from[i] + n)
				behind = i;
		}
		if (behind < 0)
			return 1;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > STEP_LIMIT_S) {
			diag("  %s: guest %d made %lu of %u passes in %d s",
			     when, behind, guests[behind].passes - from[behind],
			     n, STEP_LIMIT_S);
			return 0;
		}
		usleep(2000);
	}
}

/*
 * After a step: VMX on exactly the online CPUs (bookkeeping and probe),
 * CPU 1 as @cpu1_on says, every VM and vCPU alive, every guest moving.
 * One result.
 */
static void check_step(int fd, int cpu1_on, unsigned int nr_expected,
		       const struct vtx_status *base, int cycle)
{
	const char *desc = cpu1_on ? "CPU 1 back in VMX" : "CPU 1 out of VMX";
	struct cpu_set_bits online;
	struct vtx_status st;
	char a[128], b[128];
	int good = 1;

	if (vtx_get_status(fd, &st) || read_online_cpus(&online)) {
		ok(0, "cycle %d: %s: VTX_GET_STATUS or %s failed", cycle, desc,
		   CPU_ONLINE_PATH);
		return;
	}
	if (online.count != nr_expected || mask_test(online.mask, 1) != cpu1_on) {
		diag("  online CPUs %s (%u), expected %u with CPU 1 %s",
		     mask_str(online.mask, a, sizeof(a)), online.count,
		     nr_expected, cpu1_on ? "on" : "off");
		good = 0;
	}
	if (st.nr_online_cpus != online.count ||
	    st.nr_vmxon_cpus != online.count ||
	    st.nr_vmx_probed_cpus != online.count ||
	    !mask_equal(st.vmxon_mask, online.mask) ||
	    !mask_equal(st.vmx_probed_mask, online.mask)) {
		diag("  online %s; vtx: %u online, vmxon %s (%u), probed %s (%u)",
		     mask_str(online.mask, a, sizeof(a)), st.nr_online_cpus,
		     mask_str(st.vmxon_mask, b, sizeof(b)), st.nr_vmxon_cpus,
		     mask_str(st.vmx_probed_mask, a, sizeof(a)),
		     st.nr_vmx_probed_cpus);
		good = 0;
	}
	if (st.nr_vms != base->nr_vms + NR_VMS ||
	    st.nr_vcpus != base->nr_vcpus + NR_VCPUS) {
		diag("  %llu VMs, %llu vCPUs; expected %llu and %llu",
		     (unsigned long long)st.nr_vms,
		     (unsigned long long)st.nr_vcpus,
		     (unsigned long long)base->nr_vms + NR_VMS,
		     (unsigned long long)base->nr_vcpus + NR_VCPUS);
		good = 0;
	}
	if (!wait_progress(PASSES_PER_STEP, desc))
		good = 0;
	ok(good, "cycle %d: %s, VMX on exactly the online CPUs, %d guests still correct and moving",
	   cycle, desc, NR_VCPUS);
}

/* A count from /sys/kernel/debug/vtx/; -1 if it cannot be read. */
static long long debugfs_count(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), DEBUGFS_VTX "/%s", name);
	return read_number_file(path);
}

static const char *const debugfs_names[] = {
	"vms", "vcpus", "pinned_pages", "vmcs_pages",
};
#define NR_DEBUGFS	4

#define NR_TESTS	(1 + 4 * NR_CYCLES + NR_VCPUS + 1 + 2 + NR_DEBUGFS + 1)

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : VTX_DEVICE_PATH;
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE,
				    SIGILL, SIGTERM, SIGINT, SIGHUP, SIGALRM };
	long long dbg_before[NR_DEBUGFS], dbg_after;
	struct cpu_set_bits online;
	struct vtx_status base, st;
	unsigned long cpu1_runs = 0;
	unsigned int i, nr_all;
	int fd, cycle, good;

	if (sysconf(_SC_NPROCESSORS_CONF) < 2)
		tap_skip_all("needs 2 CPUs (CPU 1 goes offline and online under running guests); this machine has 1");
	if (access(CPU1_ONLINE, W_OK))
		tap_skip_all("no writable %s (CPU 1 cannot be hot-unplugged)",
			     CPU1_ONLINE);

	atexit(restore_cpu1);
	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		signal(sigs[i], restore_cpu1_and_die);
	/* A hung guest or hotplug must not hang the suite (its limit: 900). */
	alarm(840);

	tap_plan(NR_TESTS);
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		tap_bail("open %s: %s", dev, strerror(errno));
	if (!cpu1_is_online()) {
		diag("CPU 1 was offline; bringing it online first");
		if (set_cpu1_online(1))
			tap_bail("online CPU 1: %s", strerror(errno));
	}
	if (vtx_get_status(fd, &base) || read_online_cpus(&online))
		tap_bail("VTX_GET_STATUS or %s failed", CPU_ONLINE_PATH);
	nr_all = online.count;
	for (i = 0; i < NR_DEBUGFS; i++)
		dbg_before[i] = debugfs_count(debugfs_names[i]);

	/* 1: the guests are set up and every one of them makes passes. */
	good = 1;
	for (i = 0; i < NR_VMS && good; i++) {
		vms[i] = vm_create(fd);
		good = vms[i] != NULL;
		if (good)
			vm_load_code(vms[i], g_hp_start, g_hp_end);
	}
	for (i = 0; i < NR_VCPUS && good; i++)
		good = !hp_guest_create(&guests[i], vms[i / VCPUS_PER_VM],
				     i % VCPUS_PER_VM, i);
	for (i = 0; i < NR_VCPUS && good; i++) {
		good = !pthread_create(&guests[i].thread, NULL, vcpu_thread,
				       &guests[i]);
		guests[i].started = good;
	}
	if (!good)
		tap_bail("could not set up %d VMs with %d vCPU threads",
			 NR_VMS, NR_VCPUS);
	ok(wait_progress(PASSES_PER_STEP, "start"),
	   "%d vCPU threads of %d VMs run their guests on %u CPUs",
	   NR_VCPUS, NR_VMS, nr_all);

	/* 2: CPU 1 leaves and joins, NR_CYCLES times, under them. */
	for (cycle = 1; cycle <= NR_CYCLES; cycle++) {
		if (!ok(!set_cpu1_online(0), "cycle %d: CPU 1 offline", cycle))
			diag("  write 0 to %s: %s", CPU1_ONLINE,
			     strerror(errno));
		check_step(fd, 0, nr_all - 1, &base, cycle);
		if (!ok(!set_cpu1_online(1), "cycle %d: CPU 1 online", cycle))
			diag("  write 1 to %s: %s", CPU1_ONLINE,
			     strerror(errno));
		check_step(fd, 1, nr_all, &base, cycle);
	}

	/* 3: every guest halts with its registers and memory right. */
	stop = 1;
	for (i = 0; i < NR_VCPUS; i++) {
		struct guest *g = &guests[i];
		unsigned long q, bad = 0;

		pthread_join(g->thread, NULL);
		cpu1_runs += g->on_cpu1;
		for (q = 0; g->done && q < REGION_QWORDS; q++)
			if (guest_read64(g->vm, REGION_GPA(g->id) + q * 8) !=
			    pattern(g, g->passes, q))
				bad++;
		if (!ok(g->done && !g->failed && !bad,
			"guest %u (VM %u vCPU %u): %lu passes, halted with its registers and memory right",
			i, i / VCPUS_PER_VM, i % VCPUS_PER_VM, g->passes)) {
			if (g->failed)
				diag("  %s", g->why);
			if (bad)
				diag("  %lu of %d qwords of its last pass differ",
				     bad, REGION_QWORDS);
		}
	}
	/* Else nothing ran where the CPU went away: the test proved little. */
	ok(cpu1_runs > 0, "vCPU threads ran on CPU 1 (%lu KVM_RUNs returned there)",
	   cpu1_runs);

	/* 4: with the VMs gone, nothing is left behind. */
	for (i = 0; i < NR_VCPUS; i++)
		vcpu_destroy(guests[i].v);
	for (i = 0; i < NR_VMS; i++)
		vm_destroy(vms[i]);
	if (vtx_get_status(fd, &st))
		tap_bail("VTX_GET_STATUS: %s", errno_name(errno));
	if (!ok(st.nr_vms == base.nr_vms && st.nr_vcpus == base.nr_vcpus &&
		st.pinned_pages == base.pinned_pages &&
		st.vmcs_pages == base.vmcs_pages,
		"VTX_GET_STATUS: VMs, vCPUs, pinned pages, VMCS pages back to %llu, %llu, %llu, %llu",
		(unsigned long long)base.nr_vms,
		(unsigned long long)base.nr_vcpus,
		(unsigned long long)base.pinned_pages,
		(unsigned long long)base.vmcs_pages))
		diag("  now %llu, %llu, %llu, %llu",
		     (unsigned long long)st.nr_vms,
		     (unsigned long long)st.nr_vcpus,
		     (unsigned long long)st.pinned_pages,
		     (unsigned long long)st.vmcs_pages);
	if (read_online_cpus(&online))
		tap_bail("cannot parse %s", CPU_ONLINE_PATH);
	if (base.nr_vms || base.nr_vcpus)
		skip("other VMs were alive before the test",
		     "VMX on all online CPUs, nothing else alive");
	else
		ok(status_healthy(&st, &online),
		   "VMX on all %u online CPUs, nothing else alive",
		   online.count);
	for (i = 0; i < NR_DEBUGFS; i++) {
		if (dbg_before[i] < 0) {
			skip("no " DEBUGFS_VTX " (debugfs not mounted?)",
			     "debugfs %s back to its earlier value",
			     debugfs_names[i]);
			continue;
		}
		dbg_after = debugfs_count(debugfs_names[i]);
		ok(dbg_after == dbg_before[i],
		   "debugfs %s back to %lld (now %lld)", debugfs_names[i],
		   dbg_before[i], dbg_after);
	}
	ok(cpu1_is_online(), "CPU 1 is online at the end");
	close(fd);
	return tap_exit();
}

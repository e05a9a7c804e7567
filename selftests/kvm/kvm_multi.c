// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_multi: several VMs at once, in one process and in two; and a vCPU
 * thread that moves to another CPU before every KVM_RUN.
 *
 *   kvm_multi [DEVICE]	(default $VTX_DEVICE, else /dev/vtx)
 *
 * Each VM's guest writes its own signature (given in RBX), leaves with an
 * OUT of it, then writes its complement and halts; the VMs are stepped in
 * turns, so their lives overlap.  Two forked processes do the same with
 * their own VMs at the same time.  A child's ioctls on its parent's VM
 * are refused.  The migration test pins the vCPU thread to CPU i % n
 * before run i, 2000 times, and checks the guest's registers at the end.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <sys/wait.h>

#include "kvm_util.h"

#define NR_VMS		4
#define NR_CHILD_VMS	3
#define MANY_CHECKS	(2 * NR_VMS + 1)
#define FORK_CHECKS	4
#define MIGRATE_CHECKS	3
#define NR_MIGRATIONS	2000

asm(".pushsection .rodata\n"
	".code64\n"
	".global g_sig_start, g_sig_end\n"
	/* Signature in EBX: store it, OUT it, store ~EBX, HLT. */
	"g_sig_start:\n"
	"	mov %ebx, " XSTR(DATA_GPA) "\n"
	"	mov %ebx, %eax\n"
	"	out %eax, $0x10\n"
	"	not %ebx\n"
	"	mov %ebx, " XSTR(DATA_GPA) " + 4\n"
	"	hlt\n"
	"g_sig_end:\n"
	/* Forever: RBX += 1, OUT EBX to port 0x11.  Other GPRs untouched. */
	".global g_count_start, g_count_end\n"
	"g_count_start:\n"
	"1:	inc %rbx\n"
	"	mov %ebx, %eax\n"
	"	out %eax, $0x11\n"
	"	jmp 1b\n"
	"g_count_end:\n"
	".popsection\n");
extern const unsigned char g_sig_start[], g_sig_end[];
extern const unsigned char g_count_start[], g_count_end[];

static int kvm_fd;

/* One result, printed only by the process that reports (the parent). */
static int result(int report, int pass, const char *fmt, ...)
	TAP_PRINTF(3, 4);
static int result(int report, int pass, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (report)
		ok(pass, "%s", buf);
	else if (!pass)
		diag("  [pid %d] failed: %s", (int)getpid(), buf);
	return pass;
}

struct sig_vm {
	struct vm *vm;
	struct vcpu *v;
	__u32 sig;
};

static int sig_vm_create(int fd, struct sig_vm *s, __u32 sig)
{
	struct kvm_regs regs;

	s->sig = sig;
	s->vm = vm_create(fd);
	s->v = s->vm ? vcpu_create(s->vm, 0) : NULL;
	if (!s->v)
		return -1;
	vm_load_code(s->vm, g_sig_start, g_sig_end);
	if (vcpu_setup_mode(s->v, MODE_LONG64) || vcpu_get_regs(s->v, &regs))
		return -1;
	regs.rbx = sig;
	return vcpu_set_regs(s->v, &regs);
}

/*
 * @n VMs with signatures @base + i, stepped in turns: every guest to its
 * OUT, then every guest to its HLT (in reverse order).  2n + 1 results.
 */
static int many_vms(int fd, int n, __u32 base, int report, const char *who)
{
	struct sig_vm vms[NR_VMS];
	int i, j, r, good, all = 1;
	__u32 data;

	memset(vms, 0, sizeof(vms));
	for (i = 0; i < n; i++)
		if (sig_vm_create(fd, &vms[i], base + i))
			break;
	if (i < n) {
		for (j = 0; j < 2 * n + 1; j++)
			result(report, 0, "%s: could not create %d VMs", who, n);
		all = 0;
		goto out;
	}
	for (i = 0; i < n; i++) {
		r = vcpu_run(vms[i].v);
		good = exit_is(vms[i].v, r, KVM_EXIT_IO);
		if (good) {
			memcpy(&data, (char *)vms[i].v->run +
			       vms[i].v->run->io.data_offset, 4);
			good = check_u64("io.port", vms[i].v->run->io.port, 0x10) &
			       check_u64("data", data, vms[i].sig);
		}
		all &= result(report, good,
			      "%s: VM %d leaves with an OUT of its signature %#x",
			      who, i, vms[i].sig);
	}
	for (i = n - 1; i >= 0; i--) {
		r = vcpu_run(vms[i].v);
		good = exit_is(vms[i].v, r, KVM_EXIT_HLT);
		good &= check_u64("signature", guest_read32(vms[i].vm, DATA_GPA),
				  vms[i].sig);
		good &= check_u64("complement",
				  guest_read32(vms[i].vm, DATA_GPA + 4),
				  ~vms[i].sig);
		all &= result(report, good,
			      "%s: VM %d halts, its memory holds its signature and complement",
			      who, i);
	}
	/* Nobody's memory holds another VM's signature. */
	good = 1;
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			if (i != j && guest_read32(vms[i].vm, DATA_GPA) ==
				      vms[j].sig) {
				diag("  VM %d holds VM %d's signature", i, j);
				good = 0;
			}
	all &= result(report, good, "%s: each VM's memory is its own", who);
out:
	for (i = 0; i < n; i++) {
		vcpu_destroy(vms[i].v);
		vm_destroy(vms[i].vm);
	}
	return all;
}

/* ---- two processes ----------------------------------------------------------- */

static pid_t fork_many_vms(const char *path, __u32 base, const char *who)
{
	pid_t pid;
	int fd;

	fflush(stdout);
	pid = fork();
	if (pid)
		return pid;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		diag("  [%s] open %s: %s", who, path, strerror(errno));
		_exit(1);
	}
	_exit(many_vms(fd, NR_CHILD_VMS, base, 0, who) ? 0 : 1);
}

/* The child's view of its parent's VM: every ioctl refused. */
static pid_t fork_foreign_ioctls(struct vcpu *v)
{
	struct kvm_regs regs;
	int bad = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid)
		return pid;
	/*
	 * kvm-intel: a VM belongs to the mm that created it; from
	 * another process every VM and vCPU ioctl is EIO.
	 */
	errno = 0;
	if (vcpu_run(v) != -1 || errno != EIO) {
		diag("  [child] KVM_RUN on the parent's vCPU: %s, expected EIO",
		     errno_name(errno));
		bad++;
	}
	errno = 0;
	if (ioctl(v->fd, KVM_GET_REGS, &regs) != -1 || errno != EIO) {
		diag("  [child] KVM_GET_REGS on the parent's vCPU: %s, expected EIO",
		     errno_name(errno));
		bad++;
	}
	errno = 0;
	if (ioctl(v->vm->fd, KVM_CREATE_VCPU, 1UL) != -1 || errno != EIO) {
		diag("  [child] KVM_CREATE_VCPU on the parent's VM: %s, expected EIO",
		     errno_name(errno));
		bad++;
	}
	_exit(bad ? 1 : 0);
}

/* waitpid with a 60 s limit; the exit status, or -1. */
static int wait_child(pid_t pid)
{
	int status, i;

	for (i = 0; i < 6000; i++) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) :
			       128 + WTERMSIG(status);
		if (r < 0)
			return -1;
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	diag("  child %d did not finish in 60 s", (int)pid);
	return -1;
}

static void test_processes(const char *path)
{
	struct sig_vm parent;
	pid_t a, b, c;
	int ra, rb, rc;

	a = fork_many_vms(path, 0x5a5a0000, "process A");
	b = fork_many_vms(path, 0xa5a50000, "process B");
	ra = wait_child(a);
	rb = wait_child(b);
	ok(ra == 0, "process A: %d VMs of its own, all checks passed (exit %d)",
	   NR_CHILD_VMS, ra);
	ok(rb == 0, "process B: %d VMs of its own, all checks passed (exit %d)",
	   NR_CHILD_VMS, rb);

	memset(&parent, 0, sizeof(parent));
	if (sig_vm_create(kvm_fd, &parent, 0x12340000)) {
		ok(0, "a forked child and its parent's VM: could not set up the VM");
		ok(0, "the parent's VM after the child: could not set up the VM");
		return;
	}
	c = fork_foreign_ioctls(parent.v);
	rc = wait_child(c);
	ok(rc == 0, "a forked child's KVM_RUN, KVM_GET_REGS, KVM_CREATE_VCPU on its parent's VM: EIO (kvm-intel)");
	ok(exit_is(parent.v, vcpu_run(parent.v), KVM_EXIT_IO) &&
	   exit_is(parent.v, vcpu_run(parent.v), KVM_EXIT_HLT) &&
	   check_u64("complement", guest_read32(parent.vm, DATA_GPA + 4),
		     ~parent.sig),
	   "the parent's VM runs on untouched after the child");
	vcpu_destroy(parent.v);
	vm_destroy(parent.vm);
}

/* ---- migration --------------------------------------------------------------- */

struct migrate {
	struct vcpu *v;
	int ncpus, cpus[64];
	/* results */
	int runs_good;
	unsigned long long seen;
	int setaffinity_failed;
};

static const __u64 reg_pattern[] = {
	0x0101010101010101ULL, 0x0202020202020202ULL, 0x0303030303030303ULL,
	0x0404040404040404ULL, 0x0505050505050505ULL, 0x0606060606060606ULL,
	0x0707070707070707ULL, 0x0808080808080808ULL, 0x0909090909090909ULL,
	0x0a0a0a0a0a0a0a0aULL, 0x0b0b0b0b0b0b0b0bULL,
};

static void *migrate_thread(void *arg)
{
	struct migrate *m = arg;
	struct kvm_run *run = m->v->run;
	cpu_set_t set;
	__u32 data;
	int i, r, cpu;

	for (i = 0; i < NR_MIGRATIONS; i++) {
		CPU_ZERO(&set);
		CPU_SET(m->cpus[i % m->ncpus], &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			m->setaffinity_failed++;
		r = vcpu_run(m->v);
		cpu = sched_getcpu();
		if (cpu >= 0 && cpu < 64)
			m->seen |= 1ULL << cpu;
		if (r || run->exit_reason != KVM_EXIT_IO ||
		    run->io.port != 0x11) {
			diag("  run %d:", i);
			exit_is(m->v, r, KVM_EXIT_IO);
			break;
		}
		memcpy(&data, (char *)run + run->io.data_offset, 4);
		if (data != (__u32)i + 1) {
			diag("  run %d: the guest counted %u, expected %d", i,
			     data, i + 1);
			break;
		}
		m->runs_good++;
	}
	return NULL;
}

static void test_migration(void)
{
	struct migrate m;
	struct kvm_regs regs;
	cpu_set_t set;
	struct vcpu *v = NULL;
	struct vm *vm;
	pthread_t th;
	int i, good;

	memset(&m, 0, sizeof(m));
	if (!sched_getaffinity(0, sizeof(set), &set))
		for (i = 0; i < CPU_SETSIZE && m.ncpus < 64; i++)
			if (CPU_ISSET(i, &set))
				m.cpus[m.ncpus++] = i;
	if (m.ncpus < 2) {
		for (i = 0; i < MIGRATE_CHECKS; i++)
			skip("only 1 CPU", "vCPU thread migrated before every KVM_RUN");
		return;
	}
	vm = vm_create(kvm_fd);
	v = vm ? vcpu_create(vm, 0) : NULL;
	if (v) {
		vm_load_code(vm, g_count_start, g_count_end);
		if (vcpu_setup_mode(v, MODE_LONG64) || vcpu_get_regs(v, &regs))
			v = NULL;
	}
	if (!v) {
		for (i = 0; i < MIGRATE_CHECKS; i++)
			ok(0, "migration: could not set up the VM");
		return;
	}
	regs.rbx = 0;
	regs.rcx = reg_pattern[0];
	regs.rdx = reg_pattern[1];
	regs.rsi = reg_pattern[2];
	regs.rdi = reg_pattern[3];
	regs.rbp = reg_pattern[4];
	regs.r8 = reg_pattern[5];
	regs.r9 = reg_pattern[6];
	regs.r10 = reg_pattern[7];
	regs.r11 = reg_pattern[8];
	regs.r12 = reg_pattern[9];
	regs.r13 = reg_pattern[10];
	regs.r14 = ~reg_pattern[0];
	regs.r15 = ~reg_pattern[1];
	vcpu_set_regs(v, &regs);

	m.v = v;
	pthread_create(&th, NULL, migrate_thread, &m);
	pthread_join(th, NULL);

	ok(m.runs_good == NR_MIGRATIONS && !m.setaffinity_failed,
	   "migration: %d runs, each on the next of %d CPUs, each OUT with the guest's count",
	   NR_MIGRATIONS, m.ncpus);
	if (m.runs_good != NR_MIGRATIONS || m.setaffinity_failed)
		diag("  %d good runs, %d sched_setaffinity failures",
		     m.runs_good, m.setaffinity_failed);
	for (good = 0, i = 0; i < m.ncpus; i++)
		good += m.cpus[i] < 64 && (m.seen >> m.cpus[i]) & 1;
	ok(good == m.ncpus, "migration: the vCPU thread ran on all %d CPUs (%d)",
	   m.ncpus, good);

	vcpu_get_regs(v, &regs);
	good = check_u64("rbx", regs.rbx, NR_MIGRATIONS) &
	       check_u64("rax", regs.rax, NR_MIGRATIONS) &
	       check_u64("rcx", regs.rcx, reg_pattern[0]) &
	       check_u64("rdx", regs.rdx, reg_pattern[1]) &
	       check_u64("rsi", regs.rsi, reg_pattern[2]) &
	       check_u64("rdi", regs.rdi, reg_pattern[3]) &
	       check_u64("rbp", regs.rbp, reg_pattern[4]) &
	       check_u64("r8", regs.r8, reg_pattern[5]) &
	       check_u64("r9", regs.r9, reg_pattern[6]) &
	       check_u64("r10", regs.r10, reg_pattern[7]) &
	       check_u64("r11", regs.r11, reg_pattern[8]) &
	       check_u64("r12", regs.r12, reg_pattern[9]) &
	       check_u64("r13", regs.r13, reg_pattern[10]) &
	       check_u64("r14", regs.r14, ~reg_pattern[0]) &
	       check_u64("r15", regs.r15, ~reg_pattern[1]) &
	       check_u64("rsp", regs.rsp, STACK_TOP);
	ok(good, "migration: the guest's registers are intact after %d migrations",
	   NR_MIGRATIONS);
	vcpu_destroy(v);
	vm_destroy(vm);
}

int main(int argc, char **argv)
{
	const char *path = kvm_device_path(argc, argv);

	kvm_fd = kvm_open_dev(path);
	kvm_watchdog(600);
	tap_plan(MANY_CHECKS + FORK_CHECKS + MIGRATE_CHECKS);
	diag("device %s", path);

	many_vms(kvm_fd, NR_VMS, 0xc0de0000, 1, "one process");
	test_processes(path);
	test_migration();

	close(kvm_fd);
	return tap_exit();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_kill: SIGKILL a process in the middle of KVM_RUN, 100 times.
 *
 *   kvm_kill [DEVICE]	(default $VTX_DEVICE, else /dev/vtx)
 *
 * Each child creates a VM with a vCPU spinning on "jmp .", says so through
 * a pipe and enters KVM_RUN; the parent waits 0 to 9 ms and kills it with
 * SIGKILL.  Nothing may hang: every child must be reaped within 5 s, by
 * SIGKILL.  Afterwards a fresh VM must still run.
 *
 * With vtx (a device path containing "vtx"), VTX_GET_STATUS before and
 * after must agree on nr_vms, nr_vcpus and pinned_pages: a killed VM
 * leaves nothing behind.  KVM has no such ioctl: that check is skipped.
 */
#include <poll.h>
#include <sys/wait.h>
#include <time.h>

#include "kvm_util.h"
#include "util.h"

#define NR_KILLS	100
#define REAP_LIMIT_S	5
#define NR_TESTS	6

asm(".pushsection .rodata\n"
	".code32\n"
	".global g_spin_start, g_spin_end\n"
	/* Spin; the HLT after it is for the health check's guest. */
	"g_spin_start:\n"
	"	test %eax, %eax\n"
	"	jnz 2f\n"
	"1:	jmp 1b\n"
	"2:	hlt\n"
	"g_spin_end:\n"
	".code64\n"
	".popsection\n");
extern const unsigned char g_spin_start[], g_spin_end[];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A VM in 32-bit flat mode at the spin guest, RAX = @rax. */
static struct vcpu *spin_vm(int fd, __u64 rax)
{
	struct kvm_regs regs;
	struct vcpu *v;
	struct vm *vm;

	vm = vm_create(fd);
	if (!vm)
		return NULL;
	v = vcpu_create(vm, 0);
	if (!v)
		return NULL;
	vm_load_code(vm, g_spin_start, g_spin_end);
	if (vcpu_setup_mode(v, MODE_PROT32) || vcpu_get_regs(v, &regs))
		return NULL;
	regs.rax = rax;
	if (vcpu_set_regs(v, &regs))
		return NULL;
	return v;
}

/* The child: a spinning guest, announced on @wfd just before KVM_RUN. */
static void TAP_NORETURN child(const char *path, int wfd)
{
	struct vcpu *v;
	int fd, r;

	fd = open(path, O_RDWR | O_CLOEXEC);
	v = fd >= 0 ? spin_vm(fd, 0) : NULL;
	if (!v)
		_exit(2);
	if (write(wfd, "r", 1) != 1)
		_exit(3);
	r = vcpu_run(v);
	/* Only SIGKILL should end this. */
	diag("  [child] KVM_RUN returned %d (errno %s)", r, errno_name(errno));
	_exit(4);
}

struct kill_stats {
	int entered;		/* children that reached KVM_RUN */
	int reaped;		/* waitpid within REAP_LIMIT_S */
	int by_sigkill;		/* and the status says SIGKILL */
	double slowest;		/* the longest kill-to-reap time */
};

static void kill_one(const char *path, int i, struct kill_stats *st)
{
	struct timespec delay = { 0, (i % 10) * 1000 * 1000 };
	struct pollfd pfd;
	int p[2], status = 0;
	double start, took;
	pid_t pid, r = 0;
	char c;

	if (pipe(p)) {
		diag("  pipe: %s", strerror(errno));
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		child(path, p[1]);
	}
	close(p[1]);
	if (pid < 0) {
		diag("  fork: %s", strerror(errno));
		close(p[0]);
		return;
	}
	pfd.fd = p[0];
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 30000) == 1 && read(p[0], &c, 1) == 1)
		st->entered++;
	else
		diag("  kill %d: the child did not reach KVM_RUN", i);
	close(p[0]);
	if (i % 10)
		nanosleep(&delay, NULL);

	start = now();
	kill(pid, SIGKILL);
	while (now() - start < REAP_LIMIT_S) {
		struct timespec ts = { 0, 1000 * 1000 };

		r = waitpid(pid, &status, WNOHANG);
		if (r)
			break;
		nanosleep(&ts, NULL);
	}
	took = now() - start;
	if (r == pid) {
		st->reaped++;
		if (took > st->slowest)
			st->slowest = took;
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			st->by_sigkill++;
		else
			diag("  kill %d: status %#x, not SIGKILL", i, status);
	} else {
		diag("  kill %d: not reaped within %d s (waitpid %d)", i,
		     REAP_LIMIT_S, (int)r);
		/* Do not leave it behind; wait for it without a limit. */
		waitpid(pid, &status, 0);
	}
}

static int get_status(const char *path, struct vtx_status *st)
{
	int fd = open(path, O_RDWR | O_CLOEXEC), r;

	if (fd < 0)
		return -1;
	r = vtx_get_status(fd, st);
	if (r)
		diag("  VTX_GET_STATUS: %s", errno_name(errno));
	close(fd);
	return r;
}

int main(int argc, char **argv)
{
	const char *path = kvm_device_path(argc, argv);
	int kvm_fd = kvm_open_dev(path);
	int is_vtx = kvm_path_is_vtx(path), have_before = 0, i, r;
	struct vtx_status before, after;
	struct kill_stats st;
	struct vcpu *v;

	kvm_watchdog(900);
	tap_plan(NR_TESTS);
	diag("device %s", path);
	if (is_vtx)
		have_before = !get_status(path, &before);

	memset(&st, 0, sizeof(st));
	for (i = 0; i < NR_KILLS; i++)
		kill_one(path, i, &st);
	ok(st.entered == NR_KILLS, "%d children reached KVM_RUN (%d)", NR_KILLS,
	   st.entered);
	ok(st.reaped == NR_KILLS,
	   "%d children killed in KVM_RUN, each reaped within %d s (%d; slowest %.3f s)",
	   NR_KILLS, REAP_LIMIT_S, st.reaped, st.slowest);
	ok(st.by_sigkill == NR_KILLS, "%d children ended by SIGKILL (%d)",
	   NR_KILLS, st.by_sigkill);

	/* The device still works: a fresh VM runs to its HLT. */
	v = spin_vm(kvm_fd, 1);
	if (v) {
		struct vm *vm = v->vm;

		r = vcpu_run(v);
		ok_exit(v, r, KVM_EXIT_HLT, "after the kills, a new VM runs to HLT");
		vcpu_destroy(v);
		vm_destroy(vm);
	} else {
		ok(0, "after the kills, a new VM runs to HLT: could not set it up");
	}

	/* Leaks: only vtx can tell. */
	if (!is_vtx) {
		skip("VTX_GET_STATUS is vtx's own; KVM has no count of its VMs and pinned pages",
		     "no VM, vCPU or pinned page left behind by the killed processes");
		skip("VTX_GET_STATUS is vtx's own",
		     "vtx still in VMX operation on every online CPU");
	} else if (!have_before || get_status(path, &after)) {
		ok(0, "no VM, vCPU or pinned page left behind by the killed processes: VTX_GET_STATUS failed");
		ok(0, "vtx still in VMX operation on every online CPU: VTX_GET_STATUS failed");
	} else {
		struct cpu_set_bits online;

		ok(check_u64("nr_vms", after.nr_vms, before.nr_vms) &
		   check_u64("nr_vcpus", after.nr_vcpus, before.nr_vcpus) &
		   check_u64("pinned_pages", after.pinned_pages,
			     before.pinned_pages),
		   "no VM, vCPU or pinned page left behind by the killed processes");
		ok(!read_online_cpus(&online) &&
		   check_u64("nr_vmxon_cpus", after.nr_vmxon_cpus, online.count),
		   "vtx still in VMX operation on every online CPU");
	}
	close(kvm_fd);
	return tap_exit();
}

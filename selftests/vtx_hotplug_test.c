// SPDX-License-Identifier: GPL-2.0
/*
 * vtx_hotplug_test: a CPU going offline leaves VMX, coming back enters it.
 *
 *   vtx_hotplug_test [DEVICE]	(default /dev/vtx)
 *
 * CPU1 goes offline and online NR_CYCLES times; after each step
 * VTX_GET_STATUS must show VMX on exactly the online CPUs, counted by vtx
 * and probed on the hardware, and the VMXON pages must not leak.  CPU1 is
 * put back online on every way out, a crash included: a test bed left
 * with one CPU would make every later result meaningless.
 */
#include <signal.h>

#include "tap.h"
#include "util.h"

#define NR_CYCLES	5
#define NR_TESTS	(1 + 4 * NR_CYCLES + 2)

static void restore_cpu1_and_die(int sig)
{
	restore_cpu1();
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * Status right now against sysfs right now; @cpu1_on is what CPU1 must
 * be.  One result.
 */
static void check_vmx_state(int fd, int cpu1_on, unsigned int nr_expected,
			    const char *desc, int cycle)
{
	struct cpu_set_bits online;
	struct vtx_status st;
	int good;

	if (vtx_get_status(fd, &st)) {
		ok(0, "cycle %d: %s", cycle, desc);
		diag("  VTX_GET_STATUS: %s", errno_name(errno));
		return;
	}
	if (read_online_cpus(&online)) {
		ok(0, "cycle %d: %s", cycle, desc);
		diag("  cannot parse %s", CPU_ONLINE_PATH);
		return;
	}
	good = online.count == nr_expected &&
	       mask_test(online.mask, 1) == cpu1_on &&
	       mask_test(st.vmxon_mask, 1) == cpu1_on &&
	       mask_test(st.vmx_probed_mask, 1) == cpu1_on;
	/* Evaluated for its diagnostics even when the above failed. */
	good = status_healthy(&st, &online) && good;
	if (!ok(good, "cycle %d: %s", cycle, desc))
		diag("  online CPUs %u (expected %u); CPU1 vmxon %d, probed %d (expected %d)",
		     online.count, nr_expected,
		     mask_test(st.vmxon_mask, 1),
		     mask_test(st.vmx_probed_mask, 1), cpu1_on);
}

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : VTX_DEVICE_PATH;
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE,
				    SIGILL, SIGTERM, SIGINT, SIGHUP };
	struct cpu_set_bits online;
	struct vtx_status st;
	unsigned long long vmcs_pages;
	unsigned int i, nr_all;
	int fd, cycle;

	if (sysconf(_SC_NPROCESSORS_CONF) < 2)
		tap_skip_all("fewer than 2 CPUs");
	if (access(CPU1_ONLINE, W_OK))
		tap_skip_all("no writable %s (CPU1 cannot be hot-unplugged)",
			     CPU1_ONLINE);

	atexit(restore_cpu1);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], restore_cpu1_and_die);

	tap_plan(NR_TESTS);
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		tap_bail("open %s: %s", dev, strerror(errno));
	if (!cpu1_is_online()) {
		diag("CPU1 was offline; bringing it online first");
		if (set_cpu1_online(1))
			tap_bail("online CPU1: %s", strerror(errno));
	}

	if (vtx_get_status(fd, &st) || read_online_cpus(&online))
		tap_bail("VTX_GET_STATUS or %s failed", CPU_ONLINE_PATH);
	nr_all = online.count;
	vmcs_pages = st.vmcs_pages;
	ok(status_healthy(&st, &online),
	   "before: VMX on all %u online CPUs", nr_all);

	for (cycle = 1; cycle <= NR_CYCLES; cycle++) {
		if (!ok(!set_cpu1_online(0), "cycle %d: CPU1 offline", cycle))
			diag("  write 0 to %s: %s", CPU1_ONLINE,
			     strerror(errno));
		check_vmx_state(fd, 0, nr_all - 1,
				"CPU1 left VMX, the others stayed", cycle);
		if (!ok(!set_cpu1_online(1), "cycle %d: CPU1 online", cycle))
			diag("  write 1 to %s: %s", CPU1_ONLINE,
			     strerror(errno));
		check_vmx_state(fd, 1, nr_all,
				"CPU1 back in VMX, with every other CPU",
				cycle);
	}

	if (vtx_get_status(fd, &st))
		st.vmcs_pages = ~0ULL;
	if (!ok(st.vmcs_pages == vmcs_pages,
		"vmcs_pages back to %llu after %d cycles (no VMXON page leak)",
		vmcs_pages, NR_CYCLES))
		diag("  vmcs_pages %llu", (unsigned long long)st.vmcs_pages);
	ok(cpu1_is_online(), "CPU1 is online at the end");

	close(fd);
	return tap_exit();
}

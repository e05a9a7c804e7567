// SPDX-License-Identifier: GPL-2.0
/*
 * vtx_pmu_test: the host's perf counters and NMIs across VM entry and exit
 * (vmx/vcpu.c: vtx_switch_perf_msrs(), vtx_forward_nmi()).
 *
 *   vtx_pmu_test	(vtx only: the statistics are vtx's)
 *
 * Three perf events count this thread's CPU cycles while a 32-bit guest
 * runs LOOPS iterations of DEC/JNZ and halts: one with exclude_guest (the
 * host's share only, "cycles:H"), one without, and one without that
 * samples every SAMPLE_PERIOD cycles, whose overflow interrupt is an NMI.
 *
 *   1  the guest ran to its HLT
 *   2  cycles:H counted under half of all cycles: perf's
 *      IA32_PERF_GLOBAL_CTRL for the guest, loaded at VM entry, left the
 *      exclude_guest counter off while the guest ran
 *   3  the sampling event's NMIs came while the guest ran: vtx counted
 *      exits for NMIs (basic reason 0) and forwarded them to the host's
 *      handler (INT 2, or FRED's entry); the kernel log stays clean (the
 *      test bed's verdict)
 *
 * Needs a CPU with a PMU and perf: the Bochs PC has none, so there the
 * whole test is skipped and says so (scripts/test --native runs it).
 */
#include <linux/perf_event.h>
#include <sys/syscall.h>

#include "kvm/kvm_util.h"
#include "vtx.h"

#define NR_TESTS	3
#define LOOPS		200000000
#define SAMPLE_PERIOD	1000000

asm(".pushsection .rodata\n"
	".global g_pmu_start, g_pmu_end\n"
	"g_pmu_start:\n"
	".code32\n"
	"	mov $" XSTR(LOOPS) ", %ecx\n"
	"1:	dec %ecx\n"
	"	jnz 1b\n"
	"	hlt\n"
	"g_pmu_end:\n"
	".code64\n"
	".popsection\n");
extern const unsigned char g_pmu_start[], g_pmu_end[];

static int cycles_event(int exclude_guest, __u64 period)
{
	struct perf_event_attr a = {
		.type = PERF_TYPE_HARDWARE,
		.size = sizeof(a),
		.config = PERF_COUNT_HW_CPU_CYCLES,
		.exclude_guest = exclude_guest,
		.exclude_user = 1,	/* the guest runs inside the kernel */
		.sample_period = period,
		.disabled = 1,
	};

	return syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
}

static __u64 read_count(int fd)
{
	__u64 v = 0;

	return read(fd, &v, sizeof(v)) == sizeof(v) ? v : 0;
}

int main(void)
{
	int kvm_fd, host_fd, all_fd, nmi_fd, r;
	struct vtx_vcpu_stats *st;
	__u64 host, all, nmis = 0;
	struct vcpu *v;

	kvm_fd = kvm_open_dev("/dev/vtx");
	host_fd = cycles_event(1, 0);
	all_fd = cycles_event(0, 0);
	nmi_fd = cycles_event(0, SAMPLE_PERIOD);
	if (host_fd < 0 || all_fd < 0 || nmi_fd < 0)
		tap_skip_all("no hardware PMU for perf here (perf_event_open: %s): "
			     "needs real VT-x; the Bochs PC has no PMU",
			     strerror(errno));
	tap_plan(NR_TESTS);

	v = guest_create(kvm_fd, MODE_PROT32, g_pmu_start, g_pmu_end);
	if (!v) {
		fail_n(NR_TESTS, "PMU guest");
		return tap_exit();
	}
	kvm_watchdog(120);
	ioctl(host_fd, PERF_EVENT_IOC_ENABLE, 0);
	ioctl(all_fd, PERF_EVENT_IOC_ENABLE, 0);
	ioctl(nmi_fd, PERF_EVENT_IOC_ENABLE, 0);
	do {
		r = vcpu_run(v);
	} while (r < 0 && errno == EINTR);
	ioctl(nmi_fd, PERF_EVENT_IOC_DISABLE, 0);
	ioctl(all_fd, PERF_EVENT_IOC_DISABLE, 0);
	ioctl(host_fd, PERF_EVENT_IOC_DISABLE, 0);
	ok(r == 0 && v->run->exit_reason == KVM_EXIT_HLT,
	   "the guest ran %d loops to its HLT", LOOPS);

	host = read_count(host_fd);
	all = read_count(all_fd);
	ok(all > 0 && host < all / 2,
	   "cycles:H (exclude_guest) %llu of %llu cycles: the guest's were not "
	   "counted", (unsigned long long)host, (unsigned long long)all);

	st = calloc(1, sizeof(*st));
	st->size = sizeof(*st);
	if (!ioctl(v->fd, VTX_GET_VCPU_STATS, st) && st->nr_reasons > 0)
		nmis = st->reason[0].count;
	ok(nmis > 0, "NMIs of the sampling event exited the guest and reached "
	   "the host: %llu exits for exceptions or NMIs",
	   (unsigned long long)nmis);
	free(st);
	guest_destroy(v);
	close(kvm_fd);
	return tap_exit();
}

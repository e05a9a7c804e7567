// SPDX-License-Identifier: GPL-2.0
/*
 * vtx_status_test: VTX_GET_STATUS, and through it the module's central
 * promise: every online CPU is in VMX root operation, by vtx's own
 * bookkeeping and by the hardware's word (VMPTRST executes on it).
 *
 *   vtx_status_test [DEVICE]	(default /dev/vtx)
 *
 * The struct is sized by the caller, so the prefix and extension rules
 * are tested too: old binaries must keep working against a newer module.
 */
#include <sys/mman.h>

#include "tap.h"
#include "util.h"

#define NR_TESTS	27
#define POISON		0xa5

static struct cpu_set_bits online;

static void check_full_size(int fd)
{
	long nr_onln = sysconf(_SC_NPROCESSORS_ONLN);
	struct vtx_status st;
	char a[128], b[128];

	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	ok_ioctl(ioctl(fd, VTX_GET_STATUS, &st), 0, 0,
		 "VTX_GET_STATUS with the full struct");
	if (!ok(st.size == sizeof(st), "size written back is sizeof (%zu)",
		sizeof(st)))
		diag("  size %u", st.size);
	if (!ok(st.api_version == VTX_KVM_API_VERSION, "api_version is %d",
		VTX_KVM_API_VERSION))
		diag("  api_version %u", st.api_version);
	if (!ok(st.nr_online_cpus == nr_onln,
		"nr_online_cpus matches sysconf(_SC_NPROCESSORS_ONLN)"))
		diag("  nr_online_cpus %u, sysconf %ld", st.nr_online_cpus,
		     nr_onln);
	if (!ok(st.nr_online_cpus == online.count,
		"nr_online_cpus matches %s", CPU_ONLINE_PATH))
		diag("  nr_online_cpus %u, sysfs %u (%s)", st.nr_online_cpus,
		     online.count, mask_str(online.mask, a, sizeof(a)));
	if (!ok(st.nr_vmxon_cpus == online.count,
		"nr_vmxon_cpus: every online CPU is in VMX operation"))
		diag("  nr_vmxon_cpus %u, online %u", st.nr_vmxon_cpus,
		     online.count);
	if (!ok(st.nr_vmx_probed_cpus == online.count,
		"nr_vmx_probed_cpus: VMPTRST runs on every online CPU"))
		diag("  nr_vmx_probed_cpus %u, online %u",
		     st.nr_vmx_probed_cpus, online.count);
	if (!ok(mask_equal(st.vmxon_mask, online.mask),
		"vmxon_mask is the online CPUs"))
		diag("  vmxon_mask %s, online %s",
		     mask_str(st.vmxon_mask, a, sizeof(a)),
		     mask_str(online.mask, b, sizeof(b)));
	if (!ok(mask_equal(st.vmx_probed_mask, st.vmxon_mask),
		"vmx_probed_mask equals vmxon_mask"))
		diag("  vmx_probed_mask %s, vmxon_mask %s",
		     mask_str(st.vmx_probed_mask, a, sizeof(a)),
		     mask_str(st.vmxon_mask, b, sizeof(b)));
	if (!ok(st.vmcs_size >= 1 && st.vmcs_size <= 4096,
		"vmcs_size is within 1..4096"))
		diag("  vmcs_size %u", st.vmcs_size);
	/* IA32_VMX_BASIC[30:0]; bit 31 would be the shadow-VMCS flag. */
	if (!ok(!(st.vmcs_revision_id & 0x80000000u),
		"vmcs_revision_id has bit 31 clear"))
		diag("  vmcs_revision_id 0x%x", st.vmcs_revision_id);
	if (!ok(st.nr_vms == 0, "nr_vms is 0"))
		diag("  nr_vms %llu", (unsigned long long)st.nr_vms);
	if (!ok(st.nr_vcpus == 0, "nr_vcpus is 0"))
		diag("  nr_vcpus %llu", (unsigned long long)st.nr_vcpus);
	if (!ok(st.pinned_pages == 0, "pinned_pages is 0"))
		diag("  pinned_pages %llu",
		     (unsigned long long)st.pinned_pages);
	if (!ok(st.vmcs_pages >= online.count,
		"vmcs_pages covers a VMXON region per online CPU"))
		diag("  vmcs_pages %llu, online %u",
		     (unsigned long long)st.vmcs_pages, online.count);
}

/* Below .size and .api_version nothing can be said: EINVAL. */
static void check_small_sizes(int fd)
{
	static const __u32 sizes[] = { 0, 4, 7 };
	struct vtx_status st;
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(&st, 0, sizeof(st));
		st.size = sizes[i];
		ok_ioctl(ioctl(fd, VTX_GET_STATUS, &st), -1, EINVAL,
			 "size %u: EINVAL", sizes[i]);
	}
}

static void check_bad_buffers(int fd)
{
	struct vtx_status *ro;

	ok_ioctl(ioctl(fd, VTX_GET_STATUS, (void *)8), -1, EFAULT,
		 "unmapped buffer (void *)8: EFAULT");

	/* .size is readable, the answer cannot be written back. */
	ro = mmap(NULL, sizeof(*ro), PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro == MAP_FAILED) {
		ok(0, "read-only buffer: EFAULT");
		diag("  mmap: %s", strerror(errno));
		return;
	}
	ro->size = sizeof(*ro);
	mprotect(ro, sizeof(*ro), PROT_READ);
	ok_ioctl(ioctl(fd, VTX_GET_STATUS, ro), -1, EFAULT,
		 "read-only buffer: EFAULT");
	munmap(ro, sizeof(*ro));
}

/* An old caller that knows only .size and .api_version. */
static void check_prefix(int fd)
{
	struct vtx_status st;
	const unsigned char *p = (const unsigned char *)&st;
	size_t i, bad = sizeof(st);

	memset(&st, POISON, sizeof(st));
	st.size = 8;
	ok_ioctl(ioctl(fd, VTX_GET_STATUS, &st), 0, 0,
		 "size 8: accepted");
	if (!ok(st.size == 8 && st.api_version == VTX_KVM_API_VERSION,
		"size 8: size 8 and api_version %d written back",
		VTX_KVM_API_VERSION))
		diag("  size %u, api_version %u", st.size, st.api_version);
	for (i = 8; i < sizeof(st); i++)
		if (p[i] != POISON) {
			bad = i;
			break;
		}
	if (!ok(bad == sizeof(st), "size 8: nothing written past 8 bytes"))
		diag("  byte %zu is 0x%02x, was 0x%02x", bad, p[bad], POISON);
}

/* A newer caller with a bigger struct gets the module's size back. */
static void check_extension(int fd)
{
	struct {
		struct vtx_status st;
		unsigned char newer[64];
	} big;
	size_t i, written = 0;

	memset(&big, POISON, sizeof(big));
	big.st.size = sizeof(big);
	ok_ioctl(ioctl(fd, VTX_GET_STATUS, &big), 0, 0,
		 "size %zu (bigger than the module's struct): accepted",
		 sizeof(big));
	if (!ok(big.st.size == sizeof(big.st),
		"bigger size: the module's size (%zu) written back",
		sizeof(big.st)))
		diag("  size %u", big.st.size);
	if (!ok(big.st.api_version == VTX_KVM_API_VERSION &&
		big.st.nr_online_cpus == online.count,
		"bigger size: api_version and nr_online_cpus filled in"))
		diag("  api_version %u, nr_online_cpus %u (online %u)",
		     big.st.api_version, big.st.nr_online_cpus, online.count);
	/* Not promised either way; say what happened for the record. */
	for (i = 0; i < sizeof(big.newer); i++)
		written += big.newer[i] != POISON;
	diag("bigger size: %zu of %zu bytes past the module's struct changed",
	     written, sizeof(big.newer));
}

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : VTX_DEVICE_PATH;
	int fd;

	tap_plan(NR_TESTS);

	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (!ok(fd >= 0, "open %s", dev))
		tap_bail("open %s: %s", dev, strerror(errno));
	if (read_online_cpus(&online))
		tap_bail("cannot parse %s", CPU_ONLINE_PATH);

	check_full_size(fd);
	check_small_sizes(fd);
	check_bad_buffers(fd);
	check_prefix(fd);
	check_extension(fd);

	close(fd);
	return tap_exit();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * vtx_api_test: the system-fd ioctls of /dev/vtx answer as KVM's do.
 *
 *   vtx_api_test [DEVICE]	(default /dev/vtx)
 *
 * Only what vtx promises is checked: the capabilities tested are ones vtx
 * must lack; which capabilities it has is its own business.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "vtx.h"
#include "tap.h"

#define NR_TESTS	12

/* Capabilities vtx does not implement and must therefore deny. */
static const struct {
	long cap;
	const char *name;
} absent_caps[] = {
	{ -1,			"a negative capability (-1)" },
	{ 100000,		"an unknown capability (100000)" },
	{ KVM_CAP_IRQCHIP,	"KVM_CAP_IRQCHIP" },
	{ KVM_CAP_COALESCED_MMIO, "KVM_CAP_COALESCED_MMIO" },
	{ KVM_CAP_NESTED_STATE,	"KVM_CAP_NESTED_STATE" },
};

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : VTX_DEVICE_PATH;
	long page = sysconf(_SC_PAGESIZE);
	size_t i;
	int fd;

	tap_plan(NR_TESTS);

	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (!ok(fd >= 0, "open %s", dev))
		tap_bail("open %s: %s", dev, strerror(errno));

	ok_ioctl(ioctl(fd, KVM_GET_API_VERSION, 0), VTX_KVM_API_VERSION, 0,
		 "KVM_GET_API_VERSION is %d", VTX_KVM_API_VERSION);
	/* KVM takes no argument here, and refuses one. */
	ok_ioctl(ioctl(fd, KVM_GET_API_VERSION, 1), -1, EINVAL,
		 "KVM_GET_API_VERSION with a nonzero argument: EINVAL");

	for (i = 0; i < sizeof(absent_caps) / sizeof(absent_caps[0]); i++)
		ok_ioctl(ioctl(fd, KVM_CHECK_EXTENSION, absent_caps[i].cap),
			 0, 0, "KVM_CHECK_EXTENSION(%s) is 0",
			 absent_caps[i].name);

	ok_ioctl(ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 0),
		 VTX_VCPU_MMAP_PAGES * page, 0,
		 "KVM_GET_VCPU_MMAP_SIZE is %d pages (%ld bytes)",
		 VTX_VCPU_MMAP_PAGES, VTX_VCPU_MMAP_PAGES * page);
	ok_ioctl(ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 1), -1, EINVAL,
		 "KVM_GET_VCPU_MMAP_SIZE with a nonzero argument: EINVAL");

	/* Unknown numbers in both ranges: ENOTTY, as for any driver. */
	ok_ioctl(ioctl(fd, _IO(KVMIO, 0xfe), 0), -1, ENOTTY,
		 "unknown KVM ioctl _IO(KVMIO, 0xfe): ENOTTY");
	ok_ioctl(ioctl(fd, _IO(VTXIO, 0x7f), 0), -1, ENOTTY,
		 "unknown vtx ioctl _IO(VTXIO, 0x7f): ENOTTY");

	close(fd);
	return tap_exit();
}

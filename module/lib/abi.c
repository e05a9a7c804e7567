// SPDX-License-Identifier: GPL-2.0
/*
 * The KVM ABI as vtx answers it (see abi.h).
 */
#include <linux/kvm.h>
#include "abi.h"

/*
 * The KVM capabilities vtx implements, with the value KVM_CHECK_EXTENSION
 * returns for each.  A program probes these before it relies on a feature,
 * so an entry here is a promise: add one only with the feature and its
 * test.  The system-fd ioctls (API version, vCPU mmap size) need no
 * capability; VMs and vCPUs are not served yet, so no VM capability is.
 */
static const struct {
	long cap;
	int value;
} vtx_capabilities[] = {
	/* Nothing yet: every KVM_CAP_* answers 0. */
};

int vtx_check_extension(long cap)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(vtx_capabilities); i++)
		if (vtx_capabilities[i].cap == cap)
			return vtx_capabilities[i].value;
	return 0;
}

int vtx_status_copy_size(u32 user_size, u32 kernel_size, u32 *copy)
{
	/* .size and .api_version: the smallest view that says anything. */
	if (user_size < 2 * sizeof(u32))
		return -EINVAL;
	*copy = user_size < kernel_size ? user_size : kernel_size;
	return 0;
}

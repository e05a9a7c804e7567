// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of module/lib/abi.c: the answers of the system fd.
 */
#include <limits.h>
#include <linux/kvm.h>
#include "unit.h"
#include "module/lib/abi.h"
#include "vtx.h"

static void test_check_extension(void)
{
	static const long lacking[] = {
		KVM_CAP_IRQCHIP, KVM_CAP_USER_MEMORY, KVM_CAP_COALESCED_MMIO,
		KVM_CAP_NESTED_STATE, KVM_CAP_SET_TSS_ADDR, KVM_CAP_EXT_CPUID,
		0, -1, LONG_MIN, LONG_MAX, 100000,
	};
	unsigned int i;

	/* vtx serves no VM yet: claiming a VM capability would be a lie. */
	for (i = 0; i < sizeof(lacking) / sizeof(lacking[0]); i++)
		CHECK_EQ(vtx_check_extension(lacking[i]), 0,
			 "KVM_CHECK_EXTENSION(%ld) is 0", lacking[i]);
}

static void test_status_size(void)
{
	u32 copy = 0;
	u32 ksize = sizeof(struct vtx_status);

	CHECK(vtx_status_copy_size(0, ksize, &copy) == -EINVAL,
	      "status: size 0 is refused");
	CHECK(vtx_status_copy_size(7, ksize, &copy) == -EINVAL,
	      "status: size 7 is refused");
	CHECK_EQ(vtx_status_copy_size(8, ksize, &copy), 0,
		 "status: size 8 is the smallest accepted");
	CHECK_EQ(copy, 8, "status: size 8 copies 8 bytes");
	CHECK_EQ(vtx_status_copy_size(ksize, ksize, &copy), 0,
		 "status: the full size is accepted");
	CHECK_EQ(copy, ksize, "status: the full size copies everything");
	CHECK_EQ(vtx_status_copy_size(UINT_MAX, ksize, &copy), 0,
		 "status: a newer, larger struct is accepted");
	CHECK_EQ(copy, ksize, "status: a larger struct gets the module's size");
}

int main(void)
{
	printf("TAP version 13\n");
	test_check_extension();
	test_status_size();
	return unit_done();
}

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
		KVM_CAP_IRQCHIP, KVM_CAP_COALESCED_MMIO, KVM_CAP_NESTED_STATE,
		KVM_CAP_PIT2, KVM_CAP_DIRTY_LOG_RING,
		0, -1, LONG_MIN, LONG_MAX, 100000,
	};
	unsigned int i;

	CHECK_EQ(vtx_check_extension(KVM_CAP_USER_MEMORY), 1,
		 "KVM_CAP_USER_MEMORY is 1");
	CHECK_EQ(vtx_check_extension(KVM_CAP_NR_MEMSLOTS), VTX_MAX_SLOTS,
		 "KVM_CAP_NR_MEMSLOTS is VTX_MAX_SLOTS");
	CHECK_EQ(vtx_check_extension(KVM_CAP_MAX_VCPU_ID), VTX_MAX_VCPUS,
		 "KVM_CAP_MAX_VCPU_ID is VTX_MAX_VCPUS");
	/* What vtx lacks must read 0: a program probes before it relies. */
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

static void test_memory_region(void)
{
	const u64 P = 4096;

	CHECK(!vtx_check_memory_region(0, 0, 0, 16 * P, 0x7f0000000000ULL, P, 32),
	      "region: a plain slot is fine");
	CHECK(!vtx_check_memory_region(31, KVM_MEM_READONLY, P, 0, 0, P, 32),
	      "region: delete, read-only flag, last slot");
	CHECK(vtx_check_memory_region(32, 0, 0, P, 0, P, 32) == -EINVAL,
	      "region: slot 32 of 32 refused");
	CHECK(vtx_check_memory_region(1 << 16, 0, 0, P, 0, P, 32) == -EINVAL,
	      "region: a second address space refused");
	CHECK(vtx_check_memory_region(0, 1 << 2, 0, P, 0, P, 32) == -EINVAL,
	      "region: unknown flags refused");
	CHECK(vtx_check_memory_region(0, KVM_MEM_LOG_DIRTY_PAGES, 0, P, 0, P,
				      32) == -EINVAL,
	      "region: dirty logging refused (not supported)");
	CHECK(vtx_check_memory_region(0, 0, 1, P, 0, P, 32) == -EINVAL,
	      "region: misaligned guest address refused");
	CHECK(vtx_check_memory_region(0, 0, 0, P + 1, 0, P, 32) == -EINVAL,
	      "region: misaligned size refused");
	CHECK(vtx_check_memory_region(0, 0, 0, P, 8, P, 32) == -EINVAL,
	      "region: misaligned user address refused");
	CHECK(vtx_check_memory_region(0, 0, -P, 2 * P, 0, P, 32) == -EINVAL,
	      "region: guest range wrapping refused");
	CHECK(vtx_check_memory_region(0, 0, 1ULL << 52, P, 0, P, 32) == -EINVAL,
	      "region: beyond EPT's 52 bits refused");
	CHECK(vtx_check_memory_region(0, 0, 0, 2 * P, -P, P, 32) == -EINVAL,
	      "region: user range wrapping refused");
}

int main(void)
{
	printf("TAP version 13\n");
	test_check_extension();
	test_status_size();
	test_memory_region();
	return unit_done();
}

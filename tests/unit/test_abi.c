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

	CHECK_EQ(vtx_check_extension(KVM_CAP_USER_MEMORY, true), 1,
		 "KVM_CAP_USER_MEMORY is 1");
	CHECK_EQ(vtx_check_extension(KVM_CAP_NR_MEMSLOTS, true), VTX_MAX_SLOTS,
		 "KVM_CAP_NR_MEMSLOTS is VTX_MAX_SLOTS");
	CHECK_EQ(vtx_check_extension(KVM_CAP_MAX_VCPU_ID, true), VTX_MAX_VCPUS,
		 "KVM_CAP_MAX_VCPU_ID is VTX_MAX_VCPUS");
	/* What vtx lacks must read 0: a program probes before it relies. */
	for (i = 0; i < sizeof(lacking) / sizeof(lacking[0]); i++)
		CHECK_EQ(vtx_check_extension(lacking[i], true), 0,
			 "KVM_CHECK_EXTENSION(%ld) is 0", lacking[i]);
	/* XCRs only where the host has XSAVE, as KVM; XSAVE itself always. */
	CHECK_EQ(vtx_check_extension(KVM_CAP_XCRS, true), 1,
		 "KVM_CAP_XCRS is 1 with XSAVE");
	CHECK_EQ(vtx_check_extension(KVM_CAP_XCRS, false), 0,
		 "KVM_CAP_XCRS is 0 without XSAVE");
	CHECK_EQ(vtx_check_extension(KVM_CAP_XSAVE, false), 1,
		 "KVM_CAP_XSAVE is 1 without XSAVE too");
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
	CHECK(!vtx_check_memory_region(0, KVM_MEM_LOG_DIRTY_PAGES, 0, P, 0, P,
				       32),
	      "region: dirty logging accepted");
	CHECK(!vtx_check_memory_region(0, KVM_MEM_LOG_DIRTY_PAGES |
				       KVM_MEM_READONLY, 0, P, 0, P, 32),
	      "region: dirty logging of a read-only slot accepted (as KVM)");
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

static void test_dirty_log_args(void)
{
	CHECK_EQ(vtx_check_extension(KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, true), 3,
		 "KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2: PROTECT_ENABLE | INITIALLY_SET");
	CHECK(!vtx_check_dirty_log_slot(0, 32), "dirty log: slot 0");
	CHECK(!vtx_check_dirty_log_slot(31, 32), "dirty log: slot 31 of 32");
	CHECK_EQ(vtx_check_dirty_log_slot(32, 32), (u64)-ENOENT,
		 "dirty log: slot 32, one KVM could have: ENOENT");
	CHECK_EQ(vtx_check_dirty_log_slot(32763, 32), (u64)-ENOENT,
		 "dirty log: KVM's last user slot id: ENOENT");
	CHECK_EQ(vtx_check_dirty_log_slot(32764, 32), (u64)-EINVAL,
		 "dirty log: past KVM's user slot ids: EINVAL");
	CHECK_EQ(vtx_check_dirty_log_slot(1 << 16, 32), (u64)-ENOENT,
		 "dirty log: SMM's address space, slot 0: ENOENT");
	CHECK_EQ(vtx_check_dirty_log_slot(2 << 16, 32), (u64)-EINVAL,
		 "dirty log: a third address space: EINVAL");
	CHECK_EQ(vtx_check_dirty_log_slot(~0U, 32), (u64)-EINVAL,
		 "dirty log: slot ~0: EINVAL");

	CHECK(!vtx_check_enable_manual_dirty_log(0, 0), "manual: off");
	CHECK(!vtx_check_enable_manual_dirty_log(0, 1), "manual: on");
	CHECK(!vtx_check_enable_manual_dirty_log(0, 3),
	      "manual: on, initially set");
	CHECK_EQ(vtx_check_enable_manual_dirty_log(0, 2), (u64)-EINVAL,
		 "manual: initially set without protect-enable: EINVAL");
	CHECK_EQ(vtx_check_enable_manual_dirty_log(0, 5), (u64)-EINVAL,
		 "manual: an unknown flag: EINVAL");
	CHECK_EQ(vtx_check_enable_manual_dirty_log(1, 1), (u64)-EINVAL,
		 "manual: cap.flags set: EINVAL");
}

int main(void)
{
	printf("TAP version 13\n");
	test_check_extension();
	test_status_size();
	test_memory_region();
	test_dirty_log_args();
	return unit_done();
}

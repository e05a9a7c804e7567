// SPDX-License-Identifier: GPL-2.0
/*
 * The KVM ABI as vtx answers it (see abi.h).
 */
#include <linux/kvm.h>
#include "abi.h"
#include "../../include/uapi/vtx.h"

/*
 * The KVM capabilities vtx implements, with the value KVM_CHECK_EXTENSION
 * returns for each.  A program probes these before it relies on a feature,
 * so an entry here is a promise: add one only with the feature and its
 * test.  Not here: in-kernel irqchips, coalesced MMIO, the dirty ring,
 * kvmclock (KVM_CAP_ADJUST_CLOCK), TSC scaling, SMM, ioeventfd/irqfd.
 */
static const struct {
	long cap;
	int value;
} vtx_capabilities[] = {
	{ KVM_CAP_USER_MEMORY,		1 },
	{ KVM_CAP_SET_TSS_ADDR,		1 },
	{ KVM_CAP_SET_IDENTITY_MAP_ADDR, 1 },
	{ KVM_CAP_EXT_CPUID,		1 },
	{ KVM_CAP_IMMEDIATE_EXIT,	1 },
	{ KVM_CAP_READONLY_MEM,		1 },
	{ KVM_CAP_NR_MEMSLOTS,		VTX_MAX_SLOTS },
	{ KVM_CAP_NR_VCPUS,		VTX_MAX_VCPUS },
	{ KVM_CAP_MAX_VCPUS,		VTX_MAX_VCPUS },
	{ KVM_CAP_MAX_VCPU_ID,		VTX_MAX_VCPUS },
	/* What QEMU requires before it starts (accel/kvm/kvm-all.c). */
	{ KVM_CAP_DESTROY_MEMORY_REGION_WORKS, 1 },
	{ KVM_CAP_JOIN_MEMORY_REGIONS_WORKS, 1 },
	{ KVM_CAP_MP_STATE,		1 },
	/* KVM's value; without an irqchip KVM_SET_GSI_ROUTING is EINVAL. */
	{ KVM_CAP_IRQ_ROUTING,		4096 },
	/* The userspace irqchip's protocol: vmx/events.c. */
	{ KVM_CAP_USER_NMI,		1 },
	{ KVM_CAP_VCPU_EVENTS,		1 },
	{ KVM_CAP_DEBUGREGS,		1 },
	{ KVM_CAP_XSAVE,		1 },
	{ KVM_CAP_XCRS,			1 },	/* with XSAVE: see below */
	{ KVM_CAP_GET_TSC_KHZ,		1 },
	/* Machine-check banks a vCPU may have (KVM_X86_SETUP_MCE). */
	{ KVM_CAP_MCE,			32 },
	/* Dirty logging (module/vm.c): the KVM_ENABLE_CAP flags it takes. */
	{ KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, VTX_DIRTY_LOG_MANUAL_CAPS },
};

int vtx_check_extension(long cap, bool xsave)
{
	size_t i;

	/*
	 * As KVM (boot_cpu_has(X86_FEATURE_XSAVE)): without XSAVE on the
	 * host, KVM_GET_XCRS gives no XCR and KVM_SET_XCRS is EINVAL, so a
	 * VMM must not be told to save and restore them (QEMU's
	 * kvm_put_xcrs() would fail).  KVM_GET/SET_XSAVE stay, in FXSAVE's
	 * layout.
	 */
	if (cap == KVM_CAP_XCRS && !xsave)
		return 0;
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

int vtx_check_memory_region(u32 slot, u32 flags, u64 gpa, u64 size, u64 uaddr,
			    u64 page_size, u32 nr_slots)
{
	if ((slot >> 16) || (slot & 0xffff) >= nr_slots)
		return -EINVAL;
	if (flags & ~(u32)(KVM_MEM_READONLY | KVM_MEM_LOG_DIRTY_PAGES))
		return -EINVAL;
	if ((gpa | size | uaddr) & (page_size - 1))
		return -EINVAL;
	if (gpa + size < gpa || uaddr + size < uaddr || gpa + size > (1ULL << 52))
		return -EINVAL;
	return 0;
}

int vtx_check_dirty_log_slot(u32 slot, u32 nr_slots)
{
	u32 as = slot >> 16, id = slot & 0xffff;

	if (as >= VTX_KVM_ADDRESS_SPACES || id >= VTX_KVM_USER_MEM_SLOTS)
		return -EINVAL;
	/* A slot KVM could have, but vtx has not: KVM's "no such slot". */
	if (as || id >= nr_slots)
		return -ENOENT;
	return 0;
}

int vtx_check_enable_manual_dirty_log(u32 flags, u64 arg0)
{
	u64 allowed = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE;

	/* INITIALLY_SET only together with manual protection. */
	if (arg0 & KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE)
		allowed = VTX_DIRTY_LOG_MANUAL_CAPS;
	if (flags || (arg0 & ~allowed))
		return -EINVAL;
	return 0;
}

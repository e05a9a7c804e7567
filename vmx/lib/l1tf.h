/* SPDX-License-Identifier: GPL-2.0 */
/*
 * L1TF (L1 Terminal Fault, Intel-SA-00161): a guest's page-table entry
 * that is not present may still name a host physical address, and the
 * CPU's speculation then reads that line from L1D.  What is in L1D when
 * the guest runs is what the host touched last, so an affected CPU's
 * L1D is flushed before VM entry.  This is when, as kvm-intel decides it
 * (vmx_setup_l1d_flush() and vmx_l1d_flush(), arch/x86/kvm/vmx/vmx.c),
 * from the host kernel's l1tf= setting.  Pure logic, unit-tested.
 */
#ifndef _VTX_VMX_L1TF_H
#define _VTX_VMX_L1TF_H

#include <vtx/types.h>

/* When vtx flushes L1D before VM entry. */
enum vtx_l1d_flush {
	VTX_L1D_FLUSH_NEVER,	/* not affected, not required, or l1tf=off */
	VTX_L1D_FLUSH_COND,	/* only after the host may have run code
				 * that loads secrets: kvm-intel's "cond" */
	VTX_L1D_FLUSH_ALWAYS,	/* before every VM entry */
};

/* The kernel's l1tf= choice (enum l1tf_mitigations), in three classes. */
enum vtx_l1tf_policy {
	VTX_L1TF_POLICY_OFF,	/* l1tf=off (and mitigations=off) */
	VTX_L1TF_POLICY_FLUSH,	/* flush, flush,nowarn, flush,nosmt: default */
	VTX_L1TF_POLICY_FULL,	/* full, full,force */
};

/*
 * The flush mode for this host.  @affected: the CPU has X86_BUG_L1TF;
 * @skip_vmentry_flush: IA32_ARCH_CAPABILITIES.SKIP_L1DFL_VMENTRY (bit 3),
 * set by a hypervisor under us that flushes on its own entry.  vtx always
 * uses EPT, so kvm-intel's "EPT disabled" case does not arise.
 */
enum vtx_l1d_flush vtx_l1d_flush_mode(bool affected, bool skip_vmentry_flush,
				      enum vtx_l1tf_policy policy);

/*
 * Whether to flush before this entry, in @mode.  In "cond" mode, @vcpu_dirty
 * (the vCPU left the run loop's fast path since its last entry: user space,
 * the scheduler, pinning memory) and @cpu_dirty (an interrupt or softirq ran
 * on this CPU: the kernel's irq_stat.kvm_cpu_l1tf_flush_l1d) ask for it;
 * the caller clears both after asking.
 */
static inline bool vtx_l1d_flush_now(enum vtx_l1d_flush mode, bool vcpu_dirty,
				     bool cpu_dirty)
{
	if (mode == VTX_L1D_FLUSH_COND)
		return vcpu_dirty || cpu_dirty;
	return mode == VTX_L1D_FLUSH_ALWAYS;
}

#endif /* _VTX_VMX_L1TF_H */

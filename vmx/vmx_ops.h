/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMX instructions, wrapped once.  Each wrapper tells apart the outcomes
 * the SDM names (31.2 "Conventions"): VMsucceed, VMfailInvalid (CF=1),
 * VMfailValid (ZF=1, reason in the VM-instruction error field), and a
 * fault (#UD outside VMX operation, #GP on a bad operand), which the
 * exception table turns into an error code instead of an oops.
 */
#ifndef _VTX_VMX_OPS_H
#define _VTX_VMX_OPS_H

#include <linux/types.h>
#include <linux/errno.h>
#include <asm/asm.h>

/**
 * vtx_vmxon() - enter VMX root operation on this CPU (SDM 31.3 VMXON)
 * @vmxon_pa:	physical address of this CPU's VMXON region, its first
 *		u32 holding the VMCS revision identifier
 *
 * Call with interrupts off and CR4.VMXE set.
 * Return: 0, -EIO on VMfail (bad region, or already in VMX operation),
 * -EFAULT on a fault (CR0/CR4 fixed bits, IA32_FEATURE_CONTROL).
 */
static __always_inline int vtx_vmxon(u64 vmxon_pa)
{
	asm goto("1: vmxon %[pa]\n\t"
		 "jna %l[vmfail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [pa] "m"(vmxon_pa) : "cc", "memory" : vmfail, fault);
	return 0;
vmfail:
	return -EIO;
fault:
	return -EFAULT;
}

/**
 * vtx_vmxoff() - leave VMX operation on this CPU (SDM 31.3 VMXOFF)
 *
 * Return: 0, or -EIO if the CPU was not in VMX root operation (#UD) or
 * VMXOFF failed (dual-monitor treatment active).
 */
static __always_inline int vtx_vmxoff(void)
{
	asm goto("1: vmxoff\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : : "cc", "memory" : fail);
	return 0;
fail:
	return -EIO;
}

/**
 * vtx_in_vmx_root() - is this CPU in VMX root operation right now?
 *
 * Asks the hardware, not vtx's bookkeeping: VMPTRST raises #UD outside
 * VMX operation and is harmless inside it (SDM 31.3 VMPTRST).
 */
static __always_inline bool vtx_in_vmx_root(void)
{
	u64 current_vmcs_pa;

	asm goto("1: vmptrst %[pa]\n\t"
		 _ASM_EXTABLE(1b, %l[ud])
		 : : [pa] "m"(current_vmcs_pa) : "memory" : ud);
	return true;
ud:
	return false;
}

#endif /* _VTX_VMX_OPS_H */

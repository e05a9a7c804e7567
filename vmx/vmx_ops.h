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


/* SDM 31.3 VMCLEAR: flush a VMCS to memory and make it inactive. */
static __always_inline int vtx_vmclear(u64 vmcs_pa)
{
	asm goto("1: vmclear %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : [pa] "m"(vmcs_pa) : "cc", "memory" : fail);
	return 0;
fail:
	return -EIO;
}

/* SDM 31.3 VMPTRLD: make a VMCS current (and active) on this CPU. */
static __always_inline int vtx_vmptrld(u64 vmcs_pa)
{
	asm goto("1: vmptrld %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : [pa] "m"(vmcs_pa) : "cc", "memory" : fail);
	return 0;
fail:
	return -EIO;
}

/*
 * SDM 31.3 VMREAD of the current VMCS.  vtx reads only fields of its own
 * table with a VMCS loaded, so a failure is a vtx bug: it reads as 0
 * rather than oopsing (the exception table), like KVM's.
 */
static __always_inline unsigned long vtx_vmread(unsigned long field)
{
	unsigned long value = 0;

	asm volatile("1: vmread %[field], %[value]\n\t"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : [value] "+r"(value) : [field] "r"(field) : "cc");
	return value;
}

/*
 * VMREAD that says whether it worked: 0, or -EIO when the field does not
 * exist on this CPU (VMfailValid) or no VMCS is current.  For dumps, which
 * read every field of the table whatever the CPU has.
 */
static __always_inline int vtx_vmread_checked(unsigned long field, u64 *value)
{
	unsigned long v = 0;
	u8 failed = 1;

	asm volatile("1: vmread %[field], %[v]\n\t"
		     "setna %[failed]\n\t"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : [v] "+r"(v), [failed] "+qm"(failed)
		     : [field] "r"(field) : "cc");
	*value = v;
	return failed ? -EIO : 0;
}

void vtx_vmwrite_failed(unsigned long field, unsigned long value);

/* SDM 31.3 VMWRITE to the current VMCS; failures are reported, rate-limited. */
static __always_inline void vtx_vmwrite(unsigned long field,
					unsigned long value)
{
	asm goto("1: vmwrite %[value], %[field]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : [field] "r"(field), [value] "rm"(value) : "cc" : fail);
	return;
fail:
	vtx_vmwrite_failed(field, value);
}

/* SDM 31.3 INVEPT: 1 = single-context (@eptp), 2 = all-context. */
#define VTX_INVEPT_SINGLE	1
#define VTX_INVEPT_ALL		2

static __always_inline int vtx_invept(unsigned long type, u64 eptp)
{
	struct {
		u64 eptp, reserved;
	} desc = { eptp, 0 };

	asm goto("1: invept %[desc], %[type]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : [desc] "m"(desc), [type] "r"(type) : "cc", "memory"
		 : fail);
	return 0;
fail:
	return -EIO;
}

/* SDM 31.3 INVVPID: 1 = single-context (@vpid), 2 = all-context. */
#define VTX_INVVPID_SINGLE	1
#define VTX_INVVPID_ALL		2

static __always_inline int vtx_invvpid(unsigned long type, u16 vpid)
{
	struct {
		u64 vpid, gla;
	} desc = { vpid, 0 };

	asm goto("1: invvpid %[desc], %[type]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : [desc] "m"(desc), [type] "r"(type) : "cc", "memory"
		 : fail);
	return 0;
fail:
	return -EIO;
}

#endif /* _VTX_VMX_OPS_H */

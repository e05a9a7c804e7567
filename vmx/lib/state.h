/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the KVM API lets user space load into a vCPU, checked before
 * anything changes: KVM_SET_SREGS, KVM_SET_REGS, KVM_SET_MSRS of EFER,
 * KVM_SET_FPU.  The rules are kvm-intel's (arch/x86/kvm/x86.c
 * kvm_is_valid_sregs(), kvm_is_valid_cr0(), set_efer(), load_pdptrs(),
 * kvm_set_apic_base()), which are the architecture's (SDM Vol. 3A 2.5,
 * 9.8.5, 4.4.1) plus what KVM keeps in software.  Also the guest's
 * hypercalls (KVM's kvm_emulate_hypercall()).
 * Pure logic: built into the module and the unit tests.
 */
#ifndef _VTX_STATE_H
#define _VTX_STATE_H

#include <vtx/types.h>

/* Architectural bits the checks name (SDM Vol. 3A 2.5, 2.2.1). */
#define VTX_CR0_PE		BIT_ULL(0)
#define VTX_CR0_NW		BIT_ULL(29)
#define VTX_CR0_CD		BIT_ULL(30)
#define VTX_CR0_PG		BIT_ULL(31)
#define VTX_CR4_PAE		BIT_ULL(5)
#define VTX_EFER_SCE		BIT_ULL(0)
#define VTX_EFER_LME		BIT_ULL(8)
#define VTX_EFER_LMA		BIT_ULL(10)
#define VTX_EFER_NX		BIT_ULL(11)
/* The EFER bits an Intel CPU has; all others are reserved (SDM Vol. 4,
 * IA32_EFER).  Bit 3 among them: once the AMD K6's GEWBED, reserved on
 * Intel, and VM entry fails on any reserved bit (SDM 26.3.1.1).
 */
#define VTX_EFER_VALID		(VTX_EFER_SCE | VTX_EFER_LME | VTX_EFER_LMA | \
				 VTX_EFER_NX)

/* The part of struct kvm_sregs the checks read. */
struct vtx_sregs_state {
	u64 cr0, cr3, cr4, efer, apic_base;
	bool cs_l;		/* CS.L: a 64-bit code segment */
};

/*
 * KVM_SET_SREGS: 0, or -EINVAL and nothing may change.  @cr4_ok is the
 * CPU's verdict on CR4 (VMX's fixed bits, what vtx hides), @maxphyaddr
 * the guest's physical-address width.
 */
int vtx_sregs_check(const struct vtx_sregs_state *s, bool cr4_ok,
		    unsigned int maxphyaddr);

/* CR0 as KVM takes it from user space or a MOV: bits 63:32 clear, no
 * NW without CD, no PG without PE (SDM Vol. 3A 2.5).
 */
bool vtx_cr0_valid(u64 cr0);

/*
 * KVM_SET_MSRS of EFER (host-initiated, as kvm-intel's set_efer()): only
 * reserved bits are refused; LME may change with paging on (user space
 * restores state in any order); LMA stays what the CPU has (@old).
 * Returns 0 with *@out the value to load, or -EINVAL.
 */
int vtx_efer_from_user(u64 old, u64 val, u64 *out);

/* IA32_APIC_BASE from user space: bits 7:0 and 9 and those at or above
 * @maxphyaddr reserved; bit 10 (x2APIC) too, vtx offers no x2APIC.
 */
bool vtx_apic_base_valid(u64 val, unsigned int maxphyaddr);

/* PAE paging's four PDPTEs (SDM Vol. 3A 4.4.1): a present one with a
 * reserved bit (2:1, 8:5, MAXPHYADDR and up) makes them unusable.
 */
bool vtx_pdptes_valid(const u64 pdpte[4], unsigned int maxphyaddr);

/* KVM_SET_REGS: RFLAGS as VM entry takes it (bit 1 set; 3, 5, 15 and
 * 63:22 clear, SDM 26.3.1.4); KVM refuses nothing here either.
 */
u64 vtx_rflags_from_user(u64 rflags);

/* KVM_SET_FPU: MXCSR bits the CPU's MXCSR_MASK (@mask) lacks would make
 * the restore fault (#GP, SDM Vol. 1 10.5.1.2).
 */
bool vtx_fpu_mxcsr_valid(u32 mxcsr, u32 mask);

/*
 * A hypercall (VMCALL, SDM 31.3 and the KVM ABI in
 * Documentation/virt/kvm/x86/hypercalls.rst): RAX = @nr on entry, @a
 * the arguments (RBX, RCX, RDX, RSI), the return value for RAX.  @cpl:
 * the caller's; @op64: 64-bit mode (else the number, the arguments and
 * the result are 32 bits).
 */
#define VTX_KVM_ENOSYS		1000
#define VTX_KVM_EPERM		1
#define VTX_KVM_EOPNOTSUPP	95
#define VTX_KVM_EINVAL		22
#define VTX_HC_VAPIC_POLL_IRQ	1
#define VTX_HC_KICK_CPU		5
#define VTX_HC_CLOCK_PAIRING	9
#define VTX_HC_SEND_IPI		10
#define VTX_HC_SCHED_YIELD	11
u64 vtx_hypercall(u64 nr, const u64 a[4], unsigned int cpl, bool op64);

#endif /* _VTX_STATE_H */

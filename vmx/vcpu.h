/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One virtual CPU, as VMX sees it: its VMCS and the guest state that the
 * VMCS does not hold.  module/vcpu.c owns the fd and the ABI around it.
 */
#ifndef _VTX_VMX_VCPU_H
#define _VTX_VMX_VCPU_H

#include <linux/kvm.h>
#include <linux/list.h>
#include <linux/types.h>
#include "regs.h"

/* DR7 bit 10 reads as 1 (SDM Vol. 3B 18.2.4). */
#define VTX_DR7_FIXED_1	0x400ULL
#include "lib/exit_reasons.h"
#include "lib/decode.h"

struct vtx_vmx_vcpu {
	/* The VMCS, and where it is active (-1: clear, on no CPU). */
	void *vmcs;
	u64 vmcs_pa;
	int cpu;
	bool launched;
	struct list_head loaded_link;	/* on its CPU's list of VMCSs */

	/* Guest state outside the VMCS. */
	u64 regs[VTX_NR_GPRS];
	u64 cr0, cr4, cr8;		/* the guest's own view */
	u64 cr2;			/* VMX does not switch CR2 */
	u64 dr[4], dr6, dr7;		/* shadows: MOV DR always exits */
	u64 xcr0;
	u64 apic_base;
	u64 star, lstar, cstar, sfmask, kernel_gs_base;
	void *xsave;			/* guest FPU state, XSAVE format */

	/* What the guest may learn from CPUID; NULL: a filtered host view. */
	const struct kvm_cpuid_entry2 *cpuid;
	u32 cpuid_nent;

	/* Port input that user space completes on the next KVM_RUN. */
	bool pio_in_pending;
	/* An MMIO access that user space completes on the next KVM_RUN. */
	bool mmio_pending;
	struct vtx_insn mmio;
	/* An instruction to skip on the next KVM_RUN (after its I/O). */
	u8 pending_skip;

	/* The exit being handled. */
	u32 exit_reason;
	unsigned long exit_qual;

	struct kvm_run *run;
	void *pio_data;			/* the page at kvm_run.io.data_offset */
	/* Reads guest-physical memory (module/ knows the memory slots). */
	int (*read_guest)(struct vtx_vmx_vcpu *v, u64 gpa, void *buf,
			  unsigned int len);
	u64 nr_exits[VTX_NR_EXIT_REASONS];
};

int vtx_vmx_vcpu_create(struct vtx_vmx_vcpu *v, u64 eptp, u16 vpid);
void vtx_vmx_vcpu_destroy(struct vtx_vmx_vcpu *v);

/* KVM_RUN: enter the guest until an exit needs user space or a signal. */
int vtx_vmx_vcpu_run(struct vtx_vmx_vcpu *v);

void vtx_vmx_get_regs(struct vtx_vmx_vcpu *v, struct kvm_regs *regs);
int vtx_vmx_set_regs(struct vtx_vmx_vcpu *v, const struct kvm_regs *regs);
void vtx_vmx_get_sregs(struct vtx_vmx_vcpu *v, struct kvm_sregs *sregs);
int vtx_vmx_set_sregs(struct vtx_vmx_vcpu *v, const struct kvm_sregs *sregs);

/* VMCLEAR every VMCS active on this CPU, before it leaves VMX. */
void vtx_vmx_clear_cpu_vmcss(void);

int vtx_vmx_vcpu_init_global(void);
void vtx_vmx_vcpu_exit_global(void);

#endif /* _VTX_VMX_VCPU_H */

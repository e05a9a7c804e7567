/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VM-exit handling: one table indexed by the basic exit reason
 * (exits.c); each handler returns 1 to resume the guest, 0 to return
 * to user space with kvm_run filled in, VTX_EXIT_MAP_RAM, or a negative
 * errno.
 */
#ifndef _VTX_VMX_EXITS_H
#define _VTX_VMX_EXITS_H

#include "vcpu.h"

/*
 * The guest touched RAM that is not mapped yet (v->ram_fault_gpa): the run
 * loop maps it, where it may sleep, and resumes the guest, which runs the
 * instruction again.
 */
#define VTX_EXIT_MAP_RAM	2

/*
 * A guest split lock raised #AC on a host that detects them (not an
 * alignment check the guest asked for): the run loop hands it to the
 * host's policy where it may sleep (vtx_vmx_handle_split_lock()).
 */
#define VTX_EXIT_SPLIT_LOCK	3

/*
 * The guest spins in a PAUSE loop (SDM 26.1.3, PAUSE-loop exiting): it
 * waits for another vCPU, most often one that holds a lock or must answer
 * an IPI and has no CPU of its own now.  The run loop gives the CPU
 * away, where it may sleep, and resumes the guest.
 */
#define VTX_EXIT_YIELD		4

int vtx_handle_exit(struct vtx_vmx_vcpu *v);

/*
 * Finish, on the next KVM_RUN, an instruction user space completed.
 * Returns 1 when that produced the next exit (an MMIO read-modify-write's
 * write): kvm_run holds it, KVM_RUN returns without entering the guest.
 */
int vtx_exit_complete_pending(struct vtx_vmx_vcpu *v);

/* SDM 25.9.2: interruption information, type 2 = NMI. */
static inline bool vtx_exit_is_nmi(u32 intr_info)
{
	return (intr_info & (1u << 31)) && ((intr_info >> 8) & 7) == 2;
}

/* SDM 25.9.2: a hardware exception (type 3), vector 18 (#MC). */
static inline bool vtx_exit_is_machine_check(u32 intr_info)
{
	return (intr_info & (1u << 31)) && ((intr_info >> 8) & 7) == 3 &&
	       (intr_info & 0xff) == 18;
}

/* Shared with vcpu.c: CR0/CR4 as a guest write changes them. */
void vtx_vcpu_set_cr0(struct vtx_vmx_vcpu *v, u64 cr0);
void vtx_vcpu_set_cr4(struct vtx_vmx_vcpu *v, u64 cr4);
bool vtx_vcpu_cr4_valid(struct vtx_vmx_vcpu *v, u64 cr4);
u64 vtx_vcpu_cr4_valid_bits(struct vtx_vmx_vcpu *v);
u64 vtx_vcpu_xcr0_supported(struct vtx_vmx_vcpu *v);
/* CPUID(@leaf, @index) as the guest sees it, before the OSXSAVE mirror. */
void vtx_vcpu_cpuid(struct vtx_vmx_vcpu *v, u32 leaf, u32 index, u32 r[4]);
int vtx_vcpu_load_pdptrs(struct vtx_vmx_vcpu *v);
/* The guest's MAXPHYADDR: its CPUID table's, else the host's. */
unsigned int vtx_guest_maxphyaddr(struct vtx_vmx_vcpu *v);
/* vmx/msr.c: the guest's MSRs, one table; @host: a write by user space. */
int vtx_msr_get(struct vtx_vmx_vcpu *v, u32 msr, u64 *val);
int vtx_msr_set(struct vtx_vmx_vcpu *v, u32 msr, u64 val, bool host);
void vtx_msr_reset(struct vtx_vmx_vcpu *v);

/* vmx/events.c: what the next entry injects, and what an exit interrupted. */
void vtx_events_prepare_entry(struct vtx_vmx_vcpu *v);
void vtx_events_after_exit(struct vtx_vmx_vcpu *v);
int vtx_event_inject_exception(struct vtx_vmx_vcpu *v, u8 vector, u32 error);
int vtx_handle_interrupt_window(struct vtx_vmx_vcpu *v);
int vtx_handle_nmi_window(struct vtx_vmx_vcpu *v);
void vtx_events_get(struct vtx_vmx_vcpu *v, struct kvm_vcpu_events *e);
int vtx_events_set(struct vtx_vmx_vcpu *v, const struct kvm_vcpu_events *e);
void vtx_events_save_run(struct vtx_vmx_vcpu *v);

#endif /* _VTX_VMX_EXITS_H */

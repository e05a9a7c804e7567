/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One virtual CPU, as VMX sees it: its VMCS and the guest state that the
 * VMCS does not hold.  module/vcpu.c owns the fd and the ABI around it.
 */
#ifndef _VTX_VMX_VCPU_H
#define _VTX_VMX_VCPU_H

#include <linux/kvm.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include "regs.h"

/* Machine-check banks a guest may have, and MCG_CAP bits (as KVM). */
#define VTX_MCE_BANKS		32
#define VTX_MCE_CAP_SUPPORTED	(BIT_ULL(8) | BIT_ULL(24))	/* CTL_P, SER_P */

/* DR7 bit 10 reads as 1 (SDM Vol. 3B 18.2.4). */
#define VTX_DR7_FIXED_1	0x400ULL
#include "lib/exit_reasons.h"
#include "lib/decode.h"

/*
 * A VM's TSC, shared by its vCPUs (vmx/msr.c): the last value user space
 * wrote to IA32_TSC and when, so that writes meant to line the vCPUs up
 * (QEMU writes 0 to each at reset, one after the other) give them one TSC
 * offset, as KVM's kvm_synchronize_tsc() does.  Taken with preemption off.
 */
struct vtx_tsc_sync {
	raw_spinlock_t lock;
	bool valid;
	u64 last_write;		/* the value written */
	u64 last_ns;		/* when, ktime_get_boottime_ns() */
	u64 offset;		/* the TSC offset it gave */
};

/* One entry of a VM-entry or VM-exit MSR-load list (SDM 25.7.2, Table 25-15). */
struct vtx_msr_entry {
	u32 index;
	u32 reserved;
	u64 value;
};

#define VTX_MSR_AUTOLOAD_MAX	8	/* as KVM's NR_LOADSTORE_MSRS */

struct vtx_vmx_vcpu {
	unsigned int id;		/* KVM_CREATE_VCPU's, for traces */
	/* The VMCS, and where it is active (-1: clear, on no CPU). */
	void *vmcs;
	u64 vmcs_pa;
	int cpu;
	bool launched;
	/*
	 * VPID tagging the guest's TLB entries (0: none, and every entry and
	 * exit flushes them).  With a VPID, stale entries are flushed with
	 * INVVPID before the next entry when the vCPU arrives on a CPU or
	 * changes its paging behind the hardware's back (flush_tlb).
	 */
	u16 vpid;
	bool flush_tlb;
	/* The CR4 in this VMCS's HOST_CR4 (vtx_update_host_cr4()). */
	unsigned long host_cr4;
	struct list_head loaded_link;	/* on its CPU's list of VMCSs */

	/* Guest state outside the VMCS. */
	u64 regs[VTX_NR_GPRS];
	u64 cr0, cr4, cr8;		/* the guest's own view */
	u64 cr2;			/* VMX does not switch CR2 */
	u64 dr[4], dr6, dr7;		/* shadows: MOV DR always exits */
	u64 xcr0;
	u64 apic_base;
	u64 star, lstar, cstar, sfmask, kernel_gs_base, tsc_aux;
	/* The run loop has the ones above in the CPU: they are the truth
	 * (SWAPGS changes KERNEL_GS_BASE without an exit).
	 */
	bool msrs_loaded;
	void *xsave;			/* guest FPU state, XSAVE format */
	/*
	 * The VM-entry and VM-exit MSR-load lists (SDM 25.7.2, 25.8.2):
	 * [0, VTX_MSR_AUTOLOAD_MAX) what the CPU loads at entry (perf's
	 * guest values), the next VTX_MSR_AUTOLOAD_MAX what it loads back at
	 * exit; nr_msr_autoload entries of each are in use.
	 */
	struct vtx_msr_entry *msr_autoload;
	u32 nr_msr_autoload;

	/* What the guest may learn from CPUID; NULL: a filtered host view. */
	const struct kvm_cpuid_entry2 *cpuid;
	u32 cpuid_nent;

	/* Port input that user space completes on the next KVM_RUN: its
	 * size in bytes (1, 2 or 4), 0 for none.
	 */
	u8 pio_in_pending;
	/* INS in flight (SDM Vol. 2 INS): its data comes on the next run. */
	struct {
		bool pending, rep, df;
		u8 size, addr_size, len;
		u32 count;
		/* Where the data goes: split bytes at gpa[0], the rest at gpa[1]. */
		u32 split;
		u64 gpa[2];
	} pio_str;
	/* An MMIO instruction in flight (exits.c vtx_mmio_step): user
	 * space answers its read on the next KVM_RUN.
	 */
	bool mmio_pending;
	struct vtx_insn mmio;
	struct {
		u8 nreads, done;	/* memory reads it needs, done */
		bool waiting;		/* read done's data is in kvm_run */
		u64 gpa[2];		/* reads: the operand or [rSI], [rDI] */
		u64 wgpa;		/* where its write goes */
		u64 val[2];		/* what the reads returned */
	} mmio_op;
	/* An instruction to skip on the next KVM_RUN (after its I/O). */
	u8 pending_skip;

	/*
	 * Events (vmx/events.c): what KVM_INTERRUPT and KVM_NMI queued and
	 * no entry injected yet; the primary controls as last written (the
	 * window-exiting bits come and go).
	 */
	bool irq_queued;
	u8 irq_vector;
	u8 nmi_queued;
	u32 proc_ctl;

	struct vtx_tsc_sync *tsc_sync;	/* the VM's */

	/* MSRs kept for the guest (vmx/msr.c, one table). */
	u64 misc_enable, feature_control, tsc_adjust, microcode_version;
	u64 kvm_wall_clock, kvm_system_time;
	u64 mtrr_def_type, mtrr_fixed[11], mtrr_var[16];
	u64 mcg_cap, mcg_status, mcg_ctl;
	u64 mce_banks[4 * VTX_MCE_BANKS];

	/* The exit being handled. */
	u32 exit_reason;
	unsigned long exit_qual;

	struct kvm_run *run;
	void *pio_data;			/* the page at kvm_run.io.data_offset */
	/* Reads guest-physical memory (module/ knows the memory slots). */
	int (*read_guest)(struct vtx_vmx_vcpu *v, u64 gpa, void *buf,
			  unsigned int len);
	int (*write_guest)(struct vtx_vmx_vcpu *v, u64 gpa, const void *buf,
			   unsigned int len);
	/*
	 * Guest RAM is pinned and mapped at its first touch (module/ knows
	 * the slots).  is_ram: may the access at @gpa use RAM (atomic)?
	 * map_ram: pin and map that page (sleeps).  A read_guest or
	 * write_guest that meets RAM not mapped yet fails and sets
	 * ram_fault and ram_fault_gpa: the handler returns VTX_EXIT_MAP_RAM
	 * before it changed anything, and the exit comes again once mapped.
	 */
	bool (*is_ram)(struct vtx_vmx_vcpu *v, u64 gpa, bool write);
	int (*map_ram)(struct vtx_vmx_vcpu *v, u64 gpa);
	bool ram_fault;
	u64 ram_fault_gpa;
	u64 split_lock_rip;		/* VTX_EXIT_SPLIT_LOCK: where */
	/* Statistics (VTX_GET_VCPU_STATS): per basic exit reason, the
	 * exits and their TSC ticks from the VM exit to the handler's
	 * verdict; entries, and returns to user space with an exit.
	 */
	u64 nr_exits[VTX_NR_EXIT_REASONS];
	u64 exit_tsc[VTX_NR_EXIT_REASONS];
	u64 nr_entries, nr_exits_to_user;
	u64 nr_l1d_flushes;		/* L1D flushes before entry (L1TF) */
	bool l1d_flush_pending;		/* host code ran since the last entry */
	unsigned long l1d_switches;	/* the task's context switches then */
	u64 exit_tsc_start;		/* rdtsc() right after the VM exit */
	u64 exit_rip;			/* guest RIP at the exit, when traced */
};

/*
 * vmenter.S: enter the guest with its GPRs from @regs (VMLAUNCH the
 * first time, then VMRESUME); returns 0 after a VM exit, 1 if the entry
 * failed.  vtx_vmexit is where VM exits land (the VMCS's host RIP).
 */
int vtx_vmenter(u64 *regs, bool launched);
void vtx_vmexit(void);

int vtx_vmx_vcpu_create(struct vtx_vmx_vcpu *v, u64 eptp);
void vtx_vmx_vcpu_destroy(struct vtx_vmx_vcpu *v);

/* KVM_RUN: enter the guest until an exit needs user space or a signal. */
int vtx_vmx_vcpu_run(struct vtx_vmx_vcpu *v);

void vtx_vmx_get_regs(struct vtx_vmx_vcpu *v, struct kvm_regs *regs);
int vtx_vmx_set_regs(struct vtx_vmx_vcpu *v, const struct kvm_regs *regs);
void vtx_vmx_get_sregs(struct vtx_vmx_vcpu *v, struct kvm_sregs *sregs);
int vtx_vmx_set_sregs(struct vtx_vmx_vcpu *v, const struct kvm_sregs *sregs);

void vtx_vmx_get_fpu(struct vtx_vmx_vcpu *v, struct kvm_fpu *fpu);
int vtx_vmx_set_fpu(struct vtx_vmx_vcpu *v, const struct kvm_fpu *fpu);

/* RDTSCP runs natively for the guest, which then has a TSC_AUX of its own. */
bool vtx_has_rdtscp(void);

/* CPUID(@leaf, @index) of the host as a guest of vtx may see it. */
void vtx_cpuid_host(u32 leaf, u32 index, u32 r[4]);

/* KVM_GET_MSRS / KVM_SET_MSRS, one MSR: 0 or -EINVAL (not virtualized,
 * or a value the guest could not write either).
 */
int vtx_vmx_get_msr(struct vtx_vmx_vcpu *v, u32 msr, u64 *val);
int vtx_vmx_set_msr(struct vtx_vmx_vcpu *v, u32 msr, u64 val);

/*
 * The MSRs vtx virtualizes (KVM_GET_MSR_INDEX_LIST): writes up to @max of
 * them to @out (may be NULL) and returns how many there are.
 */
unsigned int vtx_msr_index_list(u32 *out, unsigned int max);

/* KVM_X86_SETUP_MCE: 0, or -EINVAL for a bank count or bit KVM refuses. */
int vtx_vmx_setup_mce(struct vtx_vmx_vcpu *v, u64 mcg_cap);

/* Events (vmx/events.c). */
int vtx_vmx_queue_interrupt(struct vtx_vmx_vcpu *v, u32 irq);
int vtx_vmx_queue_nmi(struct vtx_vmx_vcpu *v);
void vtx_vmx_get_vcpu_events(struct vtx_vmx_vcpu *v, struct kvm_vcpu_events *e);
int vtx_vmx_set_vcpu_events(struct vtx_vmx_vcpu *v,
			    const struct kvm_vcpu_events *e);

/* KVM_{GET,SET}_XSAVE, _XCRS, _DEBUGREGS. */
void vtx_vmx_get_xsave(struct vtx_vmx_vcpu *v, struct kvm_xsave *x);
int vtx_vmx_set_xsave(struct vtx_vmx_vcpu *v, const struct kvm_xsave *x);
void vtx_vmx_get_xcrs(struct vtx_vmx_vcpu *v, struct kvm_xcrs *x);
int vtx_vmx_set_xcrs(struct vtx_vmx_vcpu *v, const struct kvm_xcrs *x);
void vtx_vmx_get_debugregs(struct vtx_vmx_vcpu *v, struct kvm_debugregs *d);
int vtx_vmx_set_debugregs(struct vtx_vmx_vcpu *v,
			  const struct kvm_debugregs *d);

/*
 * Read every field of vtx_vmcs_field_list[] from @v's VMCS into @values;
 * a field VMREAD refuses (absent on this CPU) sets its bit in @failed.
 */
int vtx_vmx_read_vmcs(struct vtx_vmx_vcpu *v, u64 *values,
		      unsigned long *failed);

/* VMCLEAR every VMCS active on this CPU, before it leaves VMX. */
void vtx_vmx_clear_cpu_vmcss(void);
/* The same from any context (NMI): the list stays as it is. */
void vtx_vmx_emergency_vmclear(void);
/* The machine goes down: VMX instructions may fault, silently. */
bool vtx_vmx_is_going_down(void);

int vtx_vmx_vcpu_init_global(void);
/*
 * The L1D flush before entry, for debugfs: "never", "cond" or "always",
 * and in @by_command whether it is the FLUSH_L1D command (else a read).
 */
const char *vtx_l1d_flush_describe(bool *by_command);
void vtx_vmx_vcpu_exit_global(void);

#endif /* _VTX_VMX_VCPU_H */

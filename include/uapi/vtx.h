/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vtx: the project's own uapi.
 *
 * /dev/vtx answers a strict subset of the KVM API with the numbers and
 * structures of <linux/kvm.h>.  What KVM has no ioctl for (statistics, VMCS
 * and EPT dumps, the module's own state) lives here, in an ioctl range of
 * its own (type VTXIO), so that it can never collide with a KVM ioctl.
 *
 * This is the only vtx header that user/ and selftests/ include.
 */
#ifndef _UAPI_VTX_H
#define _UAPI_VTX_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* The node the module creates, and the KVM API version it speaks. */
#define VTX_DEVICE_NAME		"vtx"
#define VTX_DEVICE_PATH		"/dev/vtx"
#define VTX_KVM_API_VERSION	12

/*
 * The vCPU mmap area: page 0 is struct kvm_run, page 1 holds the data of
 * KVM_EXIT_IO (kvm_run.io.data_offset == one page).  vtx has no coalesced
 * MMIO ring, so the area is two pages where KVM on x86 has three.
 */
#define VTX_VCPU_MMAP_PAGES	2

/* Limits, as KVM_CHECK_EXTENSION reports them. */
#define VTX_MAX_SLOTS		32
#define VTX_MAX_VCPUS		64

/* vtx-only ioctls: type 0xE5, unused by <linux/kvm.h> and the kernel uapi. */
#define VTXIO			0xE5

/* The most CPUs the status masks describe; CPUs beyond are counted only. */
#define VTX_STATUS_MAX_CPUS	256

/**
 * struct vtx_status - VTX_GET_STATUS: the module's state, module-wide.
 * @size:		in: sizeof(struct vtx_status) as the caller knows it;
 *			out: the bytes the module wrote, the smaller of the
 *			caller's size and its own (an older caller gets a
 *			prefix; a newer caller's extra fields are left as
 *			they were)
 * @api_version:	VTX_KVM_API_VERSION
 * @nr_online_cpus:	CPUs online when the call ran
 * @nr_vmxon_cpus:	CPUs that vtx put in VMX root operation (bookkeeping)
 * @nr_vmx_probed_cpus:	CPUs found in VMX root operation by executing
 *			VMPTRST on each of them just now (the hardware's word)
 * @vmcs_revision_id:	IA32_VMX_BASIC[30:0]
 * @vmcs_size:		IA32_VMX_BASIC[44:32], bytes of a VMCS region
 * @vmxon_mask:		bit n set: CPU n is in vtx's VMX operation (bookkeeping)
 * @vmx_probed_mask:	bit n set: VMPTRST on CPU n executed without #UD
 * @nr_vms, @nr_vcpus:	objects that exist now
 * @pinned_pages:	guest pages vtx holds pinned now
 * @vmcs_pages:		VMCS and VMXON pages vtx holds now
 */
struct vtx_status {
	__u32 size;
	__u32 api_version;
	__u32 nr_online_cpus;
	__u32 nr_vmxon_cpus;
	__u32 nr_vmx_probed_cpus;
	__u32 vmcs_revision_id;
	__u32 vmcs_size;
	__u32 reserved0;
	__u64 vmxon_mask[VTX_STATUS_MAX_CPUS / 64];
	__u64 vmx_probed_mask[VTX_STATUS_MAX_CPUS / 64];
	__u64 nr_vms;
	__u64 nr_vcpus;
	__u64 pinned_pages;
	__u64 vmcs_pages;
};

#define VTX_GET_STATUS		_IOWR(VTXIO, 0x00, struct vtx_status)

/* Exit reasons the statistics can describe (the SDM's basic reasons). */
#define VTX_STATS_MAX_REASONS	80
#define VTX_EXIT_NAME_LEN	48

/**
 * struct vtx_exit_stat - one basic exit reason of a vCPU.
 * @count:	exits with this reason handled by vtx since the vCPU was made
 * @tsc:	their cumulative handling cost in TSC ticks, from the return of
 *		the VM exit to the handler's verdict (resume or user space)
 * @name:	the SDM's name of the reason, NUL-terminated; "" if none
 */
struct vtx_exit_stat {
	__u64 count;
	__u64 tsc;
	char name[VTX_EXIT_NAME_LEN];
};

/**
 * struct vtx_vcpu_stats - VTX_GET_VCPU_STATS, on a vCPU fd.
 * @size:	in: sizeof(struct vtx_vcpu_stats) as the caller knows it;
 *		out: the bytes the module wrote (as struct vtx_status)
 * @nr_reasons:	out: entries of @reason that the module fills
 *		(reason numbers 0 .. nr_reasons - 1)
 * @entries:	VM entries (VMLAUNCH/VMRESUME) since the vCPU was made
 * @exits_to_user: KVM_RUN returns that went to user space with an exit
 * @reason:	indexed by basic exit reason (SDM Appendix C)
 * @l1d_flushes: L1D flushes before VM entry (L1TF): 0 where the CPU is not
 *		affected or the kernel's l1tf= says off; at most @entries
 *		(/sys/kernel/debug/vtx/l1d_flush says when vtx flushes)
 */
struct vtx_vcpu_stats {
	__u32 size;
	__u32 nr_reasons;
	__u64 entries;
	__u64 exits_to_user;
	struct vtx_exit_stat reason[VTX_STATS_MAX_REASONS];
	__u64 l1d_flushes;
};

#define VTX_GET_VCPU_STATS	_IOWR(VTXIO, 0x01, struct vtx_vcpu_stats)

/*
 * Dumps for people studying VMX and EPT: what the hardware is told, in the
 * SDM's words.  Both ioctls take a header with a count and an array after
 * it, as KVM_GET_SUPPORTED_CPUID does: @nr is in, the entries the caller
 * made room for; out, the entries written, or with E2BIG the entries
 * needed (then nothing else is written).
 *
 * Host physical and host virtual addresses (host-state fields, the
 * addresses of the VMCS's bitmaps and EPT pointer, the host pages behind
 * EPT) tell where the kernel lives: they are shown only to a caller with
 * CAP_SYS_ADMIN, and are 0 with VTX_DUMP_HIDDEN set for everyone else.
 */
#define VTX_DUMP_HIDDEN		(1u << 0)	/* value withheld: no CAP_SYS_ADMIN */
#define VTX_DUMP_UNSUPPORTED	(1u << 1)	/* VMREAD failed: not on this CPU */

#define VTX_VMCS_NAME_LEN	64
#define VTX_VMCS_BITS_LEN	512

/**
 * struct vtx_vmcs_field - one field of a vCPU's VMCS (VTX_GET_VMCS).
 * @encoding:	its encoding (SDM Appendix B); bits 14:13 width, 11:10 type
 * @width:	bits: 16, 32 or 64 (natural-width fields are 64 on x86-64)
 * @flags:	VTX_DUMP_*
 * @value:	what VMREAD returned
 * @name:	the SDM's name, e.g. "guest CR0"
 * @bits:	for the VM-execution, VM-exit and VM-entry control words, the
 *		SDM names of the bits set, separated by ", " (bits without a
 *		name as "bit N"); empty for other fields
 */
struct vtx_vmcs_field {
	__u32 encoding;
	__u32 width;
	__u32 flags;
	__u32 reserved;
	__u64 value;
	char name[VTX_VMCS_NAME_LEN];
	char bits[VTX_VMCS_BITS_LEN];
};

struct vtx_vmcs_dump {
	__u32 nr;
	__u32 reserved;
	struct vtx_vmcs_field fields[];
};

/* On a vCPU fd: every field vtx knows, in the SDM's order. */
#define VTX_GET_VMCS		_IOWR(VTXIO, 0x02, struct vtx_vmcs_dump)

/* EPT permissions and page sizes, as the dumps report them. */
#define VTX_EPT_PERM_READ	(1u << 0)
#define VTX_EPT_PERM_WRITE	(1u << 1)
#define VTX_EPT_PERM_EXEC	(1u << 2)

/**
 * struct vtx_ept_mapping - one contiguous run of guest-physical memory
 * that EPT maps with the same permissions, memory type and page size onto
 * contiguous host pages (VTX_GET_EPT_MAPPINGS).
 * @gpa, @size:	the guest-physical range
 * @hpa:	the host-physical address of its first byte (VTX_DUMP_HIDDEN)
 * @page_size:	4096, 2 MiB or 1 GiB: the size of the EPT pages in the run
 * @perms:	VTX_EPT_PERM_*
 * @memtype:	the EPT memory type (SDM 29.3.7): 0 UC, 6 WB, ...
 * @flags:	VTX_DUMP_*
 */
struct vtx_ept_mapping {
	__u64 gpa;
	__u64 size;
	__u64 hpa;
	__u64 page_size;
	__u32 perms;
	__u32 memtype;
	__u32 flags;
	__u32 reserved;
};

struct vtx_ept_mappings {
	__u32 nr;
	__u32 reserved;
	struct vtx_ept_mapping mappings[];
};

/**
 * struct vtx_ept_entry - one present entry of a VM's EPT paging structures
 * (VTX_GET_EPT_TREE), in depth-first order from the PML4.
 * @level:	4 (PML4) .. 1 (page table), as the SDM counts
 * @index:	its index in its table, 0..511
 * @table:	which table: 0 for the PML4, then 1, 2, ... in the order the
 *		walk first meets them; an entry pointing at a table names it
 *		in @next_table
 * @next_table:	the table it points at (non-leaf), or -1 for a leaf
 * @gpa:	the first guest-physical address it covers
 * @value:	the entry as the CPU reads it (address bits VTX_DUMP_HIDDEN)
 * @flags:	VTX_DUMP_*
 */
struct vtx_ept_entry {
	__u32 level;
	__u32 index;
	__u32 table;
	__s32 next_table;
	__u64 gpa;
	__u64 value;
	__u32 flags;
	__u32 reserved;
};

struct vtx_ept_tree {
	__u32 nr;
	__u32 reserved;
	struct vtx_ept_entry entries[];
};

/* On a VM fd. */
#define VTX_GET_EPT_MAPPINGS	_IOWR(VTXIO, 0x03, struct vtx_ept_mappings)
#define VTX_GET_EPT_TREE	_IOWR(VTXIO, 0x04, struct vtx_ept_tree)

#endif /* _UAPI_VTX_H */

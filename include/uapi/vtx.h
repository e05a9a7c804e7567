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
 */
struct vtx_vcpu_stats {
	__u32 size;
	__u32 nr_reasons;
	__u64 entries;
	__u64 exits_to_user;
	struct vtx_exit_stat reason[VTX_STATS_MAX_REASONS];
};

#define VTX_GET_VCPU_STATS	_IOWR(VTXIO, 0x01, struct vtx_vcpu_stats)

#endif /* _UAPI_VTX_H */

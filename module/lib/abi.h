/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The KVM ABI as vtx answers it: the argument checks and answers that need
 * no kernel, so that the unit tests can hold them to the same rules.
 */
#ifndef _VTX_MODULE_ABI_H
#define _VTX_MODULE_ABI_H

#include <vtx/types.h>

/**
 * vtx_check_extension() - KVM_CHECK_EXTENSION on the system fd
 * @cap:	a KVM_CAP_* number, as the caller passed it (any long)
 * @xsave:	the host has XSAVE enabled (vtx_xsave_enabled()): XCRs exist
 *
 * Return: what KVM would return for a capability vtx has, 0 for every
 * capability vtx lacks or does not know (never an error: KVM's rule).
 */
int vtx_check_extension(long cap, bool xsave);

/**
 * vtx_status_copy_size() - how much of struct vtx_status to hand back
 * @user_size:	the caller's .size (the struct as it was compiled)
 * @kernel_size: sizeof(struct vtx_status) in this module
 * @copy:	out: bytes to copy to the caller, also written to .size
 *
 * Return: 0, or -EINVAL when @user_size cannot even hold .size and
 * .api_version: the caller then did not set .size at all.
 */
int vtx_status_copy_size(u32 user_size, u32 kernel_size, u32 *copy);

/**
 * vtx_check_memory_region() - KVM_SET_USER_MEMORY_REGION argument rules
 * @slot:	as passed: address space in bits 31:16 (vtx has one), slot id
 * @flags:	KVM_MEM_* (vtx knows KVM_MEM_READONLY, KVM_MEM_LOG_DIRTY_PAGES)
 * @gpa, @size, @uaddr: page-aligned, @gpa + @size not wrapping, @gpa
 *		below 2^52 (EPT's reach); @size 0 means delete
 * @page_size:	the host's
 * @nr_slots:	slots per VM
 *
 * Return: 0 or -EINVAL, as KVM answers the same arguments.
 */
int vtx_check_memory_region(u32 slot, u32 flags, u64 gpa, u64 size, u64 uaddr,
			    u64 page_size, u32 nr_slots);

/*
 * KVM's numbers on x86 (Linux 6.1): two address spaces (the second is
 * SMM's), KVM_USER_MEM_SLOTS slot ids in each; the manual dirty-log
 * flags of KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 (arch/x86's
 * KVM_DIRTY_LOG_MANUAL_CAPS).
 */
#define VTX_KVM_ADDRESS_SPACES		2
#define VTX_KVM_USER_MEM_SLOTS		32764
#define VTX_DIRTY_LOG_MANUAL_CAPS	(KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | \
					 KVM_DIRTY_LOG_INITIALLY_SET)

/**
 * vtx_check_dirty_log_slot() - the slot argument of KVM_GET_DIRTY_LOG and
 * KVM_CLEAR_DIRTY_LOG
 * @slot:	as passed: address space in bits 31:16, slot id
 * @nr_slots:	slots per VM
 *
 * Return: 0 for a slot id vtx has; -EINVAL for one KVM could never have;
 * -ENOENT for one KVM could have but vtx has not (KVM: no such slot).
 * The caller still answers -ENOENT for a slot that is not there or does
 * not log.
 */
int vtx_check_dirty_log_slot(u32 slot, u32 nr_slots);

/**
 * vtx_check_enable_manual_dirty_log() - KVM_ENABLE_CAP of
 * KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 on a VM
 * @flags:	kvm_enable_cap.flags: must be 0
 * @arg0:	args[0]: KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE, optionally with
 *		KVM_DIRTY_LOG_INITIALLY_SET; 0 turns manual protection off
 *
 * Return: 0 or -EINVAL, as kvm_vm_ioctl_enable_cap_generic() answers.
 */
int vtx_check_enable_manual_dirty_log(u32 flags, u64 arg0);

#endif /* _VTX_MODULE_ABI_H */

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
 *
 * Return: what KVM would return for a capability vtx has, 0 for every
 * capability vtx lacks or does not know (never an error: KVM's rule).
 */
int vtx_check_extension(long cap);

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
 * @flags:	KVM_MEM_* (vtx knows KVM_MEM_READONLY)
 * @gpa, @size, @uaddr: page-aligned, @gpa + @size not wrapping, @gpa
 *		below 2^52 (EPT's reach); @size 0 means delete
 * @page_size:	the host's
 * @nr_slots:	slots per VM
 *
 * Return: 0 or -EINVAL, as KVM answers the same arguments.
 */
int vtx_check_memory_region(u32 slot, u32 flags, u64 gpa, u64 size, u64 uaddr,
			    u64 page_size, u32 nr_slots);

#endif /* _VTX_MODULE_ABI_H */

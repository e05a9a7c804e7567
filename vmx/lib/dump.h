/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a VMCS dump (VTX_GET_VMCS) says about each field beyond its value:
 * which control word it is, the names of the bits set in it, and whether
 * its value is a host address that only a privileged caller may see.
 * Pure logic: built into the module and the unit tests.
 */
#ifndef _VTX_VMX_DUMP_H
#define _VTX_VMX_DUMP_H

#include <vtx/types.h>
#include "caps.h"
#include "vmcs_fields.h"

/* The control word (enum vtx_control_word) field @encoding holds, or -1. */
int vtx_vmcs_field_control_word(u32 encoding);

/*
 * Does field @encoding hold a host address (host state, or the physical
 * address of a structure the VMCS points at)?  Those tell where the kernel
 * and its pages live: dumps hide them from unprivileged callers.
 */
bool vtx_vmcs_field_is_host_address(u32 encoding);

/* The width of a field in bits: 16, 32 or 64 (natural width on x86-64). */
unsigned int vtx_vmcs_field_bits(u32 encoding);

/*
 * Write the SDM names of the bits set in @value of control word @word into
 * @buf (@len bytes, always NUL-terminated when @len > 0), separated by
 * ", "; bits without a name as "bit N".  A name that does not fit is
 * replaced by "..." and the rest left out.  Returns the length written.
 */
size_t vtx_control_bits_string(enum vtx_control_word word, u64 value,
			       char *buf, size_t len);

#endif /* _VTX_VMX_DUMP_H */

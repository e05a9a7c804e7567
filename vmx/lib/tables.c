// SPDX-License-Identifier: GPL-2.0
/*
 * Names for the tables of vmcs_fields.h and exit_reasons.h, generated from
 * the same X-macro lists as the enums, so a name can never drift from its
 * number.
 */
#include "vmcs_fields.h"
#include "exit_reasons.h"

#define VTX_NAME_AT(name, nr, text) [nr] = text,

static const char * const vtx_exit_reason_names[] = {
	VTX_EXIT_REASONS(VTX_NAME_AT)
};

static const char * const vtx_vm_instruction_error_names[] = {
	VTX_VM_INSTRUCTION_ERRORS(VTX_NAME_AT)
};

const char *vtx_exit_reason_name(u32 basic_reason)
{
	if (basic_reason >= ARRAY_SIZE(vtx_exit_reason_names))
		return NULL;
	return vtx_exit_reason_names[basic_reason];
}

const char *vtx_vm_instruction_error_name(u32 error)
{
	if (error >= ARRAY_SIZE(vtx_vm_instruction_error_names))
		return NULL;
	return vtx_vm_instruction_error_names[error];
}

/* Field encodings are sparse (0x0000..0x6c16): a list, searched. */
#define VTX_FIELD_ENCODING(name, enc, text) enc,
#define VTX_FIELD_NAME(name, enc, text) text,

const u32 vtx_vmcs_field_list[] = { VTX_VMCS_FIELDS(VTX_FIELD_ENCODING) };
const unsigned int vtx_vmcs_nr_fields = ARRAY_SIZE(vtx_vmcs_field_list);
static const char * const vtx_vmcs_field_names[] = {
	VTX_VMCS_FIELDS(VTX_FIELD_NAME)
};

const char *vtx_vmcs_field_name(u32 encoding)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vtx_vmcs_field_list); i++)
		if (vtx_vmcs_field_list[i] == encoding)
			return vtx_vmcs_field_names[i];
	return NULL;
}

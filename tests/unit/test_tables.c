// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the VMCS-field, exit-reason and VM-instruction-error
 * tables: encodings agree with their SDM widths and types, no number or
 * name appears twice, and lookups answer.
 */
#include <string.h>
#include "unit.h"
#include "vmx/lib/vmcs_fields.h"
#include "vmx/lib/exit_reasons.h"

static void test_field_encodings(void)
{
	unsigned int i, j, dup = 0, odd = 0, unnamed = 0;

	CHECK(vtx_vmcs_nr_fields > 150, "fields: %u in the table",
	      vtx_vmcs_nr_fields);
	for (i = 0; i < vtx_vmcs_nr_fields; i++) {
		u32 e = vtx_vmcs_field_list[i];

		odd += vtx_vmcs_field_is_high(e);
		unnamed += !vtx_vmcs_field_name(e);
		for (j = i + 1; j < vtx_vmcs_nr_fields; j++)
			dup += e == vtx_vmcs_field_list[j];
	}
	CHECK_EQ(dup, 0, "fields: no encoding twice");
	CHECK_EQ(odd, 0, "fields: only full (not high-half) encodings");
	CHECK_EQ(unnamed, 0, "fields: every field has a name");
}

static void test_field_widths(void)
{
	CHECK_EQ(vtx_vmcs_field_width(VTX_GUEST_CS_SELECTOR),
		 VTX_VMCS_WIDTH_16, "width: selectors are 16-bit");
	CHECK_EQ(vtx_vmcs_field_width(VTX_EPT_POINTER), VTX_VMCS_WIDTH_64,
		 "width: EPT pointer is 64-bit");
	CHECK_EQ(vtx_vmcs_field_width(VTX_VM_EXIT_REASON), VTX_VMCS_WIDTH_32,
		 "width: exit reason is 32-bit");
	CHECK_EQ(vtx_vmcs_field_width(VTX_GUEST_RIP), VTX_VMCS_WIDTH_NATURAL,
		 "width: guest RIP is natural-width");
	CHECK_EQ(vtx_vmcs_field_type(VTX_HOST_RIP), VTX_VMCS_TYPE_HOST,
		 "type: host RIP is host state");
	CHECK_EQ(vtx_vmcs_field_type(VTX_EXIT_QUALIFICATION),
		 VTX_VMCS_TYPE_EXIT_INFO, "type: exit qualification is read-only data");
	CHECK_EQ(vtx_vmcs_field_type(VTX_GUEST_IA32_EFER), VTX_VMCS_TYPE_GUEST,
		 "type: guest EFER is guest state");
	CHECK_EQ(vtx_vmcs_field_type(VTX_SECONDARY_VM_EXEC_CONTROL),
		 VTX_VMCS_TYPE_CONTROL, "type: secondary controls are control");
	CHECK(!strcmp(vtx_vmcs_field_name(VTX_GUEST_CR0), "guest CR0"),
	      "name: guest CR0");
	CHECK(vtx_vmcs_field_name(0x7fff) == NULL, "name: unknown field");
}

static void test_exit_reasons(void)
{
	unsigned int i, named = 0;

	for (i = 0; i < VTX_NR_EXIT_REASONS; i++)
		named += vtx_exit_reason_name(i) != NULL;
	/* 70 numbers, 35, 38, 42 and 65 unassigned by the SDM. */
	CHECK_EQ(named, 66, "exit reasons: 66 named");
	CHECK(!strcmp(vtx_exit_reason_name(VTX_EXIT_EPT_VIOLATION),
		      "EPT violation"), "exit reasons: 48 is EPT violation");
	CHECK(vtx_exit_reason_name(35) == NULL, "exit reasons: 35 unassigned");
	CHECK(vtx_exit_reason_name(0xffff) == NULL,
	      "exit reasons: out of range");
	CHECK_EQ(VTX_EXIT_HLT, 12, "exit reasons: HLT is 12");
	CHECK_EQ(VTX_EXIT_IO_INSTRUCTION, 30, "exit reasons: I/O is 30");
}

static void test_vm_instruction_errors(void)
{
	CHECK(!strcmp(vtx_vm_instruction_error_name(7),
		      "VM entry with invalid control field(s)"),
	      "VM-instruction error 7");
	CHECK(vtx_vm_instruction_error_name(14) == NULL,
	      "VM-instruction error 14 unassigned");
	CHECK(vtx_vm_instruction_error_name(29) == NULL,
	      "VM-instruction error 29 out of range");
	CHECK(vtx_vm_instruction_error_name(0) == NULL,
	      "VM-instruction error 0 has no name");
}

int main(void)
{
	printf("TAP version 13\n");
	test_field_encodings();
	test_field_widths();
	test_exit_reasons();
	test_vm_instruction_errors();
	return unit_done();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of vmx/lib/dump.c: control words and their bit names, host
 * addresses hidden from unprivileged dumps, field widths.
 */
#include <string.h>
#include "unit.h"
#include "vmx/lib/arch.h"
#include "vmx/lib/dump.h"

static void test_bits_string(void)
{
	char buf[512];
	size_t n;

	n = vtx_control_bits_string(VTX_WORD_PROC,
				    VTX_PROC_HLT_EXITING | VTX_PROC_USE_MSR_BITMAPS,
				    buf, sizeof(buf));
	CHECK(!strcmp(buf, "HLT exiting, use MSR bitmaps") && n == strlen(buf),
	      "two named bits, in bit order: '%s'", buf);
	vtx_control_bits_string(VTX_WORD_PIN, 1ULL << 1 | 1ULL << 40, buf,
				sizeof(buf));
	CHECK(!strcmp(buf, "bit 1, bit 40"), "unnamed bits as 'bit N': '%s'", buf);
	vtx_control_bits_string(VTX_WORD_PROC, 0, buf, sizeof(buf));
	CHECK(!strcmp(buf, ""), "no bit set: empty");
	vtx_control_bits_string(VTX_WORD_PROC, ~0ULL, buf, 40);
	CHECK(!strcmp(buf, "bit 0, bit 1, ..."),
	      "a name that does not fit becomes '...': '%s'", buf);
	vtx_control_bits_string(VTX_WORD_PROC, ~0ULL, buf, 42);
	CHECK(!strcmp(buf, "bit 0, bit 1, interrupt-window exiting..."),
	      "a name that just fits is kept, then ...: '%s'", buf);
	memset(buf, 'x', sizeof(buf));
	vtx_control_bits_string(VTX_WORD_PROC, ~0ULL, buf, 3);
	CHECK(buf[0] == '\0' && buf[3] == 'x', "a tiny buffer stays a string");
	CHECK(vtx_control_bits_string(VTX_WORD_PROC, ~0ULL, buf, 0) == 0 &&
	      buf[0] == '\0', "length 0: nothing written");
	vtx_control_bits_string(VTX_WORD_PROC2, ~0ULL, buf, sizeof(buf));
	CHECK(strlen(buf) < sizeof(buf) && strstr(buf, "enable EPT") &&
	      strstr(buf, "unrestricted guest"),
	      "every secondary control named within 512 bytes");
}

static void test_fields(void)
{
	CHECK_EQ(vtx_vmcs_field_control_word(VTX_CPU_BASED_VM_EXEC_CONTROL),
		 VTX_WORD_PROC, "primary controls are a control word");
	CHECK_EQ(vtx_vmcs_field_control_word(VTX_VM_ENTRY_CONTROLS),
		 VTX_WORD_ENTRY, "entry controls are a control word");
	CHECK(vtx_vmcs_field_control_word(VTX_GUEST_CR0) == -1,
	      "guest CR0 is not a control word");
	CHECK(vtx_vmcs_field_is_host_address(VTX_HOST_RIP), "host RIP hidden");
	CHECK(vtx_vmcs_field_is_host_address(VTX_HOST_CS_SELECTOR),
	      "every host-state field hidden, even a selector");
	CHECK(vtx_vmcs_field_is_host_address(VTX_EPT_POINTER), "EPT pointer hidden");
	CHECK(vtx_vmcs_field_is_host_address(VTX_MSR_BITMAP), "MSR bitmap address hidden");
	CHECK(!vtx_vmcs_field_is_host_address(VTX_GUEST_RIP), "guest RIP shown");
	CHECK(!vtx_vmcs_field_is_host_address(VTX_TSC_OFFSET), "TSC offset shown");
	CHECK(!vtx_vmcs_field_is_host_address(VTX_EXIT_QUALIFICATION),
	      "exit qualification shown");
	CHECK_EQ(vtx_vmcs_field_bits(VTX_GUEST_CS_SELECTOR), 16, "selector: 16 bits");
	CHECK_EQ(vtx_vmcs_field_bits(VTX_GUEST_IA32_EFER), 64, "EFER: 64 bits");
	CHECK_EQ(vtx_vmcs_field_bits(VTX_VM_ENTRY_CONTROLS), 32, "controls: 32 bits");
	CHECK_EQ(vtx_vmcs_field_bits(VTX_GUEST_RIP), 64, "natural width: 64 bits");
}

int main(void)
{
	test_bits_string();
	test_fields();
	return unit_done();
}

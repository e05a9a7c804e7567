// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers of the VMCS dump: see dump.h.
 */
#include "dump.h"

int vtx_vmcs_field_control_word(u32 encoding)
{
	switch (encoding) {
	case VTX_PIN_BASED_VM_EXEC_CONTROL:
		return VTX_WORD_PIN;
	case VTX_CPU_BASED_VM_EXEC_CONTROL:
		return VTX_WORD_PROC;
	case VTX_SECONDARY_VM_EXEC_CONTROL:
		return VTX_WORD_PROC2;
	case VTX_VM_EXIT_CONTROLS:
		return VTX_WORD_EXIT;
	case VTX_VM_ENTRY_CONTROLS:
		return VTX_WORD_ENTRY;
	default:
		return -1;
	}
}

bool vtx_vmcs_field_is_host_address(u32 encoding)
{
	if (vtx_vmcs_field_type(encoding) == VTX_VMCS_TYPE_HOST)
		return true;
	switch (encoding) {
	case VTX_IO_BITMAP_A:
	case VTX_IO_BITMAP_B:
	case VTX_MSR_BITMAP:
	case VTX_VM_EXIT_MSR_STORE_ADDR:
	case VTX_VM_EXIT_MSR_LOAD_ADDR:
	case VTX_VM_ENTRY_MSR_LOAD_ADDR:
	case VTX_EXECUTIVE_VMCS_POINTER:
	case VTX_PML_ADDRESS:
	case VTX_VIRTUAL_APIC_PAGE_ADDR:
	case VTX_APIC_ACCESS_ADDR:
	case VTX_POSTED_INTR_DESC_ADDR:
	case VTX_EPT_POINTER:
	case VTX_EPTP_LIST_ADDRESS:
	case VTX_VMREAD_BITMAP:
	case VTX_VMWRITE_BITMAP:
		return true;
	default:
		return false;
	}
}

unsigned int vtx_vmcs_field_bits(u32 encoding)
{
	switch (vtx_vmcs_field_width(encoding)) {
	case VTX_VMCS_WIDTH_16:
		return 16;
	case VTX_VMCS_WIDTH_32:
		return 32;
	default:
		return 64;
	}
}

/* Append @s to @buf at *@at if it fits with room for "..." after it. */
static bool vtx_append(char *buf, size_t len, size_t *at, const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	if (*at + n + 4 > len)
		return false;
	while (*s)
		buf[(*at)++] = *s++;
	buf[*at] = '\0';
	return true;
}

/* "bit N" for N < 64, without snprintf (this file also builds in tests). */
static void vtx_bit_label(unsigned int bit, char out[8])
{
	char *p = out;

	*p++ = 'b', *p++ = 'i', *p++ = 't', *p++ = ' ';
	if (bit >= 10)
		*p++ = '0' + bit / 10;
	*p++ = '0' + bit % 10;
	*p = '\0';
}

size_t vtx_control_bits_string(enum vtx_control_word word, u64 value,
			       char *buf, size_t len)
{
	size_t at = 0;
	unsigned int bit;
	bool first = true;
	char label[8];

	if (!len)
		return 0;
	buf[0] = '\0';
	for (bit = 0; bit < 64; bit++) {
		const char *name;

		if (!(value & (1ULL << bit)))
			continue;
		name = vtx_control_bit_name(word, bit);
		if (!name) {
			vtx_bit_label(bit, label);
			name = label;
		}
		if ((!first && !vtx_append(buf, len, &at, ", ")) ||
		    !vtx_append(buf, len, &at, name)) {
			/* "..." always fits: vtx_append kept room for it. */
			if (len >= 4 && at + 4 <= len) {
				buf[at++] = '.', buf[at++] = '.', buf[at++] = '.';
				buf[at] = '\0';
			}
			break;
		}
		first = false;
	}
	return at;
}

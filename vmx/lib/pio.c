// SPDX-License-Identifier: GPL-2.0
/* String port I/O split into exits as kvm-intel does (pio.h). */
#include "pio.h"

u64 vtx_string_reg_val(u64 reg, unsigned int addr_size)
{
	return addr_size >= 8 ? reg : reg & ((1ULL << (8 * addr_size)) - 1);
}

u64 vtx_string_reg_add(u64 reg, unsigned int addr_size, s64 delta)
{
	u64 val = reg + (u64)delta;

	if (addr_size == 2)
		return (reg & ~0xffffULL) | (val & 0xffff);
	return addr_size == 4 ? (u32)val : val;
}

u32 vtx_string_io_count(bool in, bool rep, bool df, unsigned int size,
			unsigned int addr_size, u64 rcx, u64 rdi)
{
	u64 count = rep ? vtx_string_reg_val(rcx, addr_size) : 1;
	u64 off = rdi & 0xfff, in_page, n;

	if (!count)
		return 0;
	if (!in || !size)
		return 1;
	/* pio_in_emulated(): the page room in bytes, not elements. */
	in_page = df ? off : 0x1000 - off;
	n = in_page;
	if (n > VTX_PIO_STRING_MAX / size)
		n = VTX_PIO_STRING_MAX / size;
	if (n > count)
		n = count;
	return n ? n : 1;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multiboot 1 kernel head: the header, with the address fields (flags bit
 * 16) so a loader need not parse the ELF, and an entry that sets its own
 * stack (the spec leaves ESP undefined) and calls multiboot_main(EAX, EBX).
 * Multiboot spec 3.2: 32-bit protected mode, flat segments, paging off.
 */
#include "multiboot.h"

#define MB_FLAGS	(MB_HDR_MEMINFO | MB_HDR_ADDRESS)

	/* The linker script puts this first: within the first 8 KiB. */
	.section .multiboot, "a"
	.balign	4
mb_header:
	.long	MB_HEADER_MAGIC
	.long	MB_FLAGS
	.long	-(MB_HEADER_MAGIC + MB_FLAGS)
	.long	mb_header		/* header_addr */
	.long	__load_start		/* load_addr */
	.long	__load_end		/* load_end_addr: end of .data */
	.long	__bss_end		/* bss_end_addr */
	.long	_start			/* entry_addr */

	.section .text.start, "ax"
	.globl	_start
	.type	_start, @function
_start:
	cli
	cld
	movl	$stack_top, %esp
	xorl	%ebp, %ebp
	subl	$8, %esp		/* ESP 16-byte aligned at the call */
	pushl	%ebx			/* struct multiboot_info * */
	pushl	%eax			/* magic */
	call	multiboot_main
1:	cli
	hlt
	jmp	1b
	.size	_start, . - _start

	.section .bss
	.balign	16
stack:
	.skip	16384
stack_top:

	.section .note.GNU-stack, "", @progbits

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ELF32 entry: 32-bit protected mode, flat segments, paging off.  The
 * launcher has set ESP (0x80000 - n * 0x4000), EDI = vCPU index n and
 * ESI = vCPU count.  Calls main(index, count); on return, HLT for good.
 * BSS is not cleared here: the loader zero-fills it, and on several vCPUs
 * a clear would race with the other vCPUs' stores.
 */
	.section .text.start, "ax"
	.globl	_start
	.type	_start, @function
_start:
	cld
	xorl	%ebp, %ebp
	subl	$8, %esp		/* ESP 16-byte aligned at the call */
	pushl	%esi
	pushl	%edi
	call	main
	addl	$16, %esp
1:	cli
	hlt
	jmp	1b
	.size	_start, . - _start

	.section .note.GNU-stack, "", @progbits

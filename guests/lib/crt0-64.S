/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ELF64 entry: long mode, the first 4 GiB identity-mapped.  The launcher
 * has set RSP (0x80000 - n * 0x4000, 16-byte aligned), RDI = vCPU index n
 * and RSI = vCPU count: already main(index, count)'s arguments in the
 * SysV ABI.  On return, HLT for good.  BSS is the loader's to zero (see
 * crt0-32.S).
 */
	.section .text.start, "ax"
	.globl	_start
	.type	_start, @function
_start:
	cld
	xorl	%ebp, %ebp
	call	main
1:	cli
	hlt
	jmp	1b
	.size	_start, . - _start

	.section .note.GNU-stack, "", @progbits

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A flat real-mode guest: CS=DS=ES=SS=0, IP=0x7c00, no BIOS.  Prints a
 * line through the UART at 0x3f8, polling LSR.THRE before each byte, and
 * halts (IF=0).
 */
#define COM1		0x3f8
#define COM1_LSR	(COM1 + 5)
#define LSR_THRE	0x20

	.code16
	.section .text.start, "ax"
	.globl	_start
_start:
	cli
	cld
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	$msg, %si
next:
	lodsb
	testb	%al, %al
	jz	done
	movb	%al, %bl
	movw	$COM1_LSR, %dx
1:	inb	%dx, %al
	testb	$LSR_THRE, %al
	jz	1b
	movw	$COM1, %dx
	movb	%bl, %al
	outb	%al, %dx
	jmp	next
done:
	hlt
	jmp	done

msg:
	.asciz	"Hello from real mode!\n"

	.section .note.GNU-stack, "", @progbits

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest general-purpose registers as the entry stub saves and loads them:
 * an array indexed by these numbers, shared by C and vmenter.S, so that no
 * offset is ever typed by hand.  RSP and RIP live in the VMCS instead.
 */
#ifndef _VTX_VMX_REGS_H
#define _VTX_VMX_REGS_H

#define VTX_REG_RAX	0
#define VTX_REG_RCX	1
#define VTX_REG_RDX	2
#define VTX_REG_RBX	3
#define VTX_REG_RSP	4	/* unused: the VMCS holds guest RSP */
#define VTX_REG_RBP	5
#define VTX_REG_RSI	6
#define VTX_REG_RDI	7
#define VTX_REG_R8	8
#define VTX_REG_R9	9
#define VTX_REG_R10	10
#define VTX_REG_R11	11
#define VTX_REG_R12	12
#define VTX_REG_R13	13
#define VTX_REG_R14	14
#define VTX_REG_R15	15
#define VTX_NR_GPRS	16

/* Numbered like the ModRM reg field, so decoders index it directly. */

#endif /* _VTX_VMX_REGS_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VM entry and exit: the only assembly in vtx.
 *
 * vtx_vmenter() looks like a function call to C: it loads the guest's
 * general-purpose registers, executes VMLAUNCH or VMRESUME, and returns
 * 0 when the guest exits (the CPU jumps to vtx_vmexit, HOST_RIP) or 1
 * when the VM entry itself fails (VMfailValid/VMfailInvalid: the next
 * instruction runs).  Everything else, RSP and RIP included, the CPU
 * switches from the VMCS (SDM 26.3 guest state on entry, 28.5 host state
 * on exit).  The caller has interrupts disabled.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>
#include <asm/unwind_hints.h>
#include <asm/ibt.h>
#include <asm/msr-index.h>
#include <asm/percpu.h>
#include "regs.h"

#define HOST_RSP	0x6c14	/* VMCS field encoding: host RSP */
#define REG(r)		(VTX_REG_##r * 8)

	.section .noinstr.text, "ax"

/**
 * vtx_vmenter - enter the guest until its next VM exit
 * @regs:	(%rdi) u64[VTX_NR_GPRS], loaded before and saved after
 * @launched:	(%esi) 0: VMLAUNCH (first entry after VMCLEAR), else VMRESUME
 *
 * Return: 0 after a VM exit, 1 if VM entry failed.
 */
SYM_FUNC_START(vtx_vmenter)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	/* Keep @regs where the exit path finds it: at the host RSP. */
	push	%rdi

	/*
	 * The host resumes on this very stack (SDM 28.5.1).  VMWRITE faults
	 * (#UD) if an emergency (reboot, crash) left VMX on this CPU since
	 * the VMCS was loaded: that is a failed entry, not an oops.
	 */
	mov	$HOST_RSP, %eax
.Lhost_rsp:
	vmwrite	%rsp, %rax
	jna	.Lfail_early
	_ASM_EXTABLE(.Lhost_rsp, .Lfail_early)

	/*
	 * Launched or not, in CF: the loads below keep the flags, and VERW
	 * (which clobbers ZF) keeps CF, as in KVM's __vmx_vcpu_run.
	 */
	bt	$0, %esi

	mov	REG(RAX)(%rdi), %rax
	mov	REG(RCX)(%rdi), %rcx
	mov	REG(RDX)(%rdi), %rdx
	mov	REG(RBX)(%rdi), %rbx
	mov	REG(RBP)(%rdi), %rbp
	mov	REG(RSI)(%rdi), %rsi
	mov	REG(R8)(%rdi), %r8
	mov	REG(R9)(%rdi), %r9
	mov	REG(R10)(%rdi), %r10
	mov	REG(R11)(%rdi), %r11
	mov	REG(R12)(%rdi), %r12
	mov	REG(R13)(%rdi), %r13
	mov	REG(R14)(%rdi), %r14
	mov	REG(R15)(%rdi), %r15
	mov	REG(RDI)(%rdi), %rdi	/* last: it held @regs */

	/*
	 * MDS, TAA, MMIO stale data, RFDS: clear the CPU buffers of host
	 * data right before the guest runs, when the running kernel asks
	 * for it for user space or for guests (KVM 6.1's vmenter.S uses
	 * CLEAR_CPU_BUFFERS here; X86_FEATURE_CLEAR_CPU_BUF_VM is the
	 * guest-only flag of later kernels).  x86_verw_sel is exported; the
	 * VERW stays out of the alternative, as in the kernel's own
	 * __CLEAR_CPU_BUFFERS (no relocation in .altinstr_replacement).
	 */
	ALTERNATIVE_2 "jmp .Lverw_done", "", X86_FEATURE_CLEAR_CPU_BUF, \
		      "", X86_FEATURE_CLEAR_CPU_BUF_VM
	verw	x86_verw_sel(%rip)
.Lverw_done:

	jc	.Lresume
	UNWIND_HINT_SAVE
.Llaunch:
	vmlaunch
	jmp	.Lvmfail
.Lresume:
	vmresume
	jmp	.Lvmfail
	_ASM_EXTABLE(.Llaunch, .Lvmfail)
	_ASM_EXTABLE(.Lresume, .Lvmfail)

/*
 * HOST_RIP.  The CPU arrives with the guest's GPRs, RSP = the HOST_RSP
 * written above and RFLAGS = 0x2 (interrupts off).
 */
SYM_INNER_LABEL(vtx_vmexit, SYM_L_GLOBAL)
	UNWIND_HINT_RESTORE
	ENDBR
	push	%rax
	mov	8(%rsp), %rax		/* @regs */
	mov	%rcx, REG(RCX)(%rax)
	mov	%rdx, REG(RDX)(%rax)
	mov	%rbx, REG(RBX)(%rax)
	mov	%rbp, REG(RBP)(%rax)
	mov	%rsi, REG(RSI)(%rax)
	mov	%rdi, REG(RDI)(%rax)
	mov	%r8, REG(R8)(%rax)
	mov	%r9, REG(R9)(%rax)
	mov	%r10, REG(R10)(%rax)
	mov	%r11, REG(R11)(%rax)
	mov	%r12, REG(R12)(%rax)
	mov	%r13, REG(R13)(%rax)
	mov	%r14, REG(R14)(%rax)
	mov	%r15, REG(R15)(%rax)
	pop	REG(RAX)(%rax)

	/* Guest values must not linger for speculation to find. */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d

	/*
	 * Before the first RET: the guest may have filled the RSB with its
	 * own return targets (KVM's vmenter.S: "RSB filling and SPEC_CTRL
	 * handling must be done before the first unbalanced RET").
	 */
	FILL_RETURN_BUFFER %rcx, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT, \
			   X86_FEATURE_RSB_VMEXIT_LITE

	/*
	 * Legacy IBRS (retbleed, X86_FEATURE_KERNEL_IBRS) must be written
	 * again after the less privileged guest ran, even unchanged: KVM's
	 * vmx_spec_ctrl_restore_host().  The guest cannot change
	 * IA32_SPEC_CTRL under vtx (its MSRs exit and vtx does not
	 * virtualize that one), so no other case restores anything.
	 */
	ALTERNATIVE "jmp .Lspec_ctrl_done", "", X86_FEATURE_KERNEL_IBRS
	mov	$MSR_IA32_SPEC_CTRL, %ecx
	mov	PER_CPU_VAR(x86_spec_ctrl_current), %eax
	mov	PER_CPU_VAR(x86_spec_ctrl_current + 4), %edx
	wrmsr
.Lspec_ctrl_done:

	/* Branch history the guest trained (BHI): KVM's CLEAR_BRANCH_HISTORY_VMEXIT. */
	CLEAR_BRANCH_HISTORY_VMEXIT

	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%eax, %eax
	jmp	.Lout

.Lvmfail:
	/* VM entry failed (or faulted): the registers hold guest values. */
	mov	$1, %eax
	jmp	.Lout
.Lfail_early:
	mov	$1, %eax
.Lout:
	pop	%rdi
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET
SYM_FUNC_END(vtx_vmenter)

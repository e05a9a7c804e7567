/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which values of CR4 and XCR0 a guest of vtx may load: the checks the
 * CPU itself makes (SDM Vol. 3A 2.5, 2.6; Vol. 1 13.3), narrowed to what
 * the guest's CPUID offers and what vtx switches between guest and host.
 * A value that passes here can be loaded into the CPU without a fault,
 * in guest mode or (XCR0) by vtx's own XSETBV in the host.  Mirrors KVM's
 * kvm_is_valid_cr4()/kvm_set_cr4() and __kvm_set_xcr() (arch/x86/kvm/x86.c).
 * Pure logic, unit-tested in userspace.
 */
#ifndef _VTX_VMX_CREGS_H
#define _VTX_VMX_CREGS_H

#include <vtx/types.h>

/* CR4 bits (SDM Vol. 3A 2.5, Figure 2-7). */
#define VTX_CR4_VME		BIT_ULL(0)
#define VTX_CR4_PVI		BIT_ULL(1)
#define VTX_CR4_TSD		BIT_ULL(2)
#define VTX_CR4_DE		BIT_ULL(3)
#define VTX_CR4_PSE		BIT_ULL(4)
#define VTX_CR4_PAE		BIT_ULL(5)
#define VTX_CR4_MCE		BIT_ULL(6)
#define VTX_CR4_PGE		BIT_ULL(7)
#define VTX_CR4_PCE		BIT_ULL(8)
#define VTX_CR4_OSFXSR		BIT_ULL(9)
#define VTX_CR4_OSXMMEXCPT	BIT_ULL(10)
#define VTX_CR4_UMIP		BIT_ULL(11)
#define VTX_CR4_LA57		BIT_ULL(12)
#define VTX_CR4_SMXE		BIT_ULL(14)
#define VTX_CR4_FSGSBASE	BIT_ULL(16)
#define VTX_CR4_PCIDE		BIT_ULL(17)
#define VTX_CR4_OSXSAVE		BIT_ULL(18)
#define VTX_CR4_KL		BIT_ULL(19)
#define VTX_CR4_SMEP		BIT_ULL(20)
#define VTX_CR4_SMAP		BIT_ULL(21)
#define VTX_CR4_PKE		BIT_ULL(22)
#define VTX_CR4_CET		BIT_ULL(23)
#define VTX_CR4_PKS		BIT_ULL(24)
#define VTX_CR4_FRED		BIT_ULL(32)

/*
 * The CR4 bits vtx ever lets a guest set, whatever its CPUID: KVM 6.1's
 * list (CR4_RESERVED_BITS in arch/x86/include/asm/kvm_host.h) less
 *  - VMXE, SMXE: VMX and SMX are hidden from vtx guests;
 *  - PKE: vtx does not switch PKRU (the host's protection keys);
 *  - LA57: vtx's guest page walker (lib/walk.c) knows 4 levels only.
 * CET, PKS, FRED and KL are absent from KVM 6.1's list as well: their
 * MSRs and state are the host's and vtx does not switch them.
 */
#define VTX_CR4_GUEST_ALLOWED						\
	(VTX_CR4_VME | VTX_CR4_PVI | VTX_CR4_TSD | VTX_CR4_DE |		\
	 VTX_CR4_PSE | VTX_CR4_PAE | VTX_CR4_MCE | VTX_CR4_PGE |		\
	 VTX_CR4_PCE | VTX_CR4_OSFXSR | VTX_CR4_OSXMMEXCPT |		\
	 VTX_CR4_UMIP | VTX_CR4_FSGSBASE | VTX_CR4_PCIDE |		\
	 VTX_CR4_OSXSAVE | VTX_CR4_SMEP | VTX_CR4_SMAP)

/* The CPUID words that decide which CR4 bits exist (SDM Vol. 2A CPUID). */
struct vtx_cr4_cpuid {
	u32 leaf1_ecx;		/* PCID 17, XSAVE 26 */
	u32 leaf7_ebx;		/* FSGSBASE 0, SMEP 7, SMAP 20 */
	u32 leaf7_ecx;		/* UMIP 2 */
};

/*
 * The CR4 bits a guest whose CPUID says @id may set, on a CPU that
 * allows @host_fixed1 in VMX operation (IA32_VMX_CR4_FIXED1, SDM A.8):
 * KVM's __cr4_reserved_bits() for the guest's CPUID, inverted.
 */
u64 vtx_cr4_guest_valid_bits(const struct vtx_cr4_cpuid *id, u64 host_fixed1);

/* What a MOV to CR4 (or KVM_SET_SREGS) is checked against. */
struct vtx_cr4_ctx {
	u64 valid_bits;		/* vtx_cr4_guest_valid_bits() */
	u64 old_cr4;
	u64 cr3;
	bool long_mode;		/* EFER.LMA */
	bool guest_pcid;	/* CPUID.1:ECX.PCID */
};

/*
 * May the guest's MOV to CR4 load @cr4?  false: #GP(0).  SDM Vol. 3A
 * 2.5 and MOV (Vol. 2B): reserved bits; in IA-32e mode PAE must stay
 * set and LA57 cannot change; PCIDE may go from 0 to 1 only in IA-32e
 * mode with CR3[11:0] = 0 (KVM's kvm_set_cr4()).
 */
bool vtx_cr4_write_valid(const struct vtx_cr4_ctx *c, u64 cr4);

/* XCR0 state components (SDM Vol. 1 13.1, Table 13-1). */
#define VTX_XFEATURE_FP		BIT_ULL(0)
#define VTX_XFEATURE_SSE	BIT_ULL(1)
#define VTX_XFEATURE_YMM	BIT_ULL(2)
#define VTX_XFEATURE_BNDREGS	BIT_ULL(3)
#define VTX_XFEATURE_BNDCSR	BIT_ULL(4)
#define VTX_XFEATURE_OPMASK	BIT_ULL(5)
#define VTX_XFEATURE_ZMM_HI256	BIT_ULL(6)
#define VTX_XFEATURE_HI16_ZMM	BIT_ULL(7)
#define VTX_XFEATURE_PKRU	BIT_ULL(9)
#define VTX_XFEATURE_XTILECFG	BIT_ULL(17)
#define VTX_XFEATURE_XTILEDATA	BIT_ULL(18)
#define VTX_XFEATURE_AVX512	(VTX_XFEATURE_OPMASK | VTX_XFEATURE_ZMM_HI256 | \
				 VTX_XFEATURE_HI16_ZMM)
#define VTX_XFEATURE_XTILE	(VTX_XFEATURE_XTILECFG | VTX_XFEATURE_XTILEDATA)

/*
 * The user state components vtx switches for a guest: x87, SSE, AVX,
 * MPX and AVX-512 registers.  Not PKRU (the host's protection keys stay
 * in force; vtx hides PKU) and not AMX tiles (their first use is
 * trapped per task through IA32_XFD, host state vtx does not switch).
 */
#define VTX_XFEATURE_GUEST						\
	(VTX_XFEATURE_FP | VTX_XFEATURE_SSE | VTX_XFEATURE_YMM |		\
	 VTX_XFEATURE_BNDREGS | VTX_XFEATURE_BNDCSR | VTX_XFEATURE_AVX512)

/*
 * The XCR0 bits a guest may set: the host's XCR0 (what vtx can save)
 * restricted to VTX_XFEATURE_GUEST and, when user space set a CPUID
 * table (@has_table), to what its leaf 0xD subleaf 0 EDX:EAX offers
 * (@leaf_d_eax/@leaf_d_edx, 0 when the table has no such leaf), as
 * KVM's guest_supported_xcr0.  x87 is always allowed.
 */
u64 vtx_xcr0_guest_supported(u64 host_xcr0, bool has_table, u32 leaf_d_eax,
			     u32 leaf_d_edx);

/*
 * Does XSETBV(@index, @xcr0) by a CPL-0 guest succeed?  false: #GP(0).
 * SDM Vol. 2C XSETBV and Vol. 1 13.3: only XCR0 exists; x87 is always
 * on; AVX needs SSE; BNDREGS and BNDCSR go together; the AVX-512 trio
 * is all or nothing and needs AVX; XTILECFG and XTILEDATA go together;
 * and nothing outside @supported (KVM's __kvm_set_xcr()).
 */
bool vtx_xcr0_valid(u32 index, u64 xcr0, u64 supported);

#endif

/* DR6 (SDM Vol. 3B 18.2.3): bits that read as 1 unless a #DB clears
 * them ("active low": 4-11, 16 RTM, 17-31 and 32-63 reserved-as-1).
 */
#define VTX_DR6_ACTIVE_LOW	0xffff0ff0ULL
#define VTX_DR6_TRAP_BITS	0xfULL

/*
 * The guest's DR6 after a #DB whose cause is @payload, in the format of
 * the exit qualification of a #DB exit and of the pending debug
 * exceptions field (SDM 28.2.1 Table 28-1: B0-B3, BD 13, BS 14, RTM 16,
 * all active high): B0-B3 are replaced, the other causes accumulate
 * (SDM Vol. 3B 18.2.3 "the remaining contents of DR6 are never cleared
 * by the processor"), bit 12 stays clear.  KVM's
 * kvm_deliver_exception_payload().
 */
u64 vtx_dr6_after_db(u64 dr6, u64 payload);

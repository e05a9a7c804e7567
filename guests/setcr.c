// SPDX-License-Identifier: GPL-2.0
/*
 * ELF64: sets known bits in CR0, CR4 and IA32_EFER, prints what it reads
 * back, and halts, for checking VMCS dumps against what a guest set.
 * Only bits every x86-64 CPU with VMX allows in long mode: CR0.WP and
 * CR0.AM; CR4.DE and CR4.PGE; EFER.SCE and EFER.NXE (NX checked first).
 * The launcher starts it with CR0 0x80010033, CR4 0x620, EFER 0x500, so
 * it prints "setcr: cr0 0x80050033 cr4 0x6a8 efer 0xd01".
 */
#include "rt.h"

#define CR0_WP		(1ull << 16)
#define CR0_AM		(1ull << 18)
#define CR4_DE		(1ull << 3)
#define CR4_PGE		(1ull << 7)
#define MSR_EFER	0xc0000080u
#define EFER_SCE	(1ull << 0)
#define EFER_NXE	(1ull << 11)
#define CPUID_NX	(1u << 20)	/* CPUID.80000001H:EDX */

static u64 read_cr0(void)
{
	u64 v;

	asm volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static u64 read_cr4(void)
{
	u64 v;

	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static void wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32))
		     : "memory");
}

static u32 cpuid_edx(u32 leaf)
{
	u32 a = leaf, b, c = 0, d;

	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return d;
}

int main(int index, int count)
{
	u64 cr0, cr4;

	(void)index;
	(void)count;
	if (!(cpuid_edx(0x80000001u) & CPUID_NX)) {
		printf("setcr: no NX in CPUID: cannot set EFER.NXE\n");
		exit(1);
	}
	cr0 = read_cr0() | CR0_WP | CR0_AM;
	asm volatile("mov %0, %%cr0" : : "r"(cr0) : "memory");
	cr4 = read_cr4() | CR4_DE | CR4_PGE;
	asm volatile("mov %0, %%cr4" : : "r"(cr4) : "memory");
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE | EFER_NXE);
	printf("setcr: cr0 0x%llx cr4 0x%llx efer 0x%llx\n", read_cr0(),
	       read_cr4(), rdmsr(MSR_EFER));
	return 0;
}

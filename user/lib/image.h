/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest images for vtx-run: flat binaries, static ELF32/ELF64 executables
 * and Multiboot 1 kernels, parsed from a buffer into "what goes where".
 *
 * Pure logic, no I/O: built into the launcher and into the unit tests and
 * fuzzers (tests/unit, tests/fuzz).  Every input is hostile: a truncated or
 * corrupt image is rejected with a reason, never loaded half-way.
 *
 * The launcher's own structures live in guest memory below 1 MiB
 * (VTX_RUN_RESERVED_*); an image that would overlap them is rejected.
 */
#ifndef _VTX_USER_IMAGE_H
#define _VTX_USER_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The CPU mode a guest starts in. */
enum vtx_mode {
	VTX_MODE_AUTO,		/* what the image asks for */
	VTX_MODE_REAL,		/* real mode (unrestricted guest) */
	VTX_MODE_PROT32,	/* 32-bit protected, flat segments, no paging */
	VTX_MODE_LONG64,	/* IA-32e, identity-mapped 4 GiB, 64-bit code */
};

enum vtx_image_kind {
	VTX_IMAGE_FLAT,
	VTX_IMAGE_ELF32,
	VTX_IMAGE_ELF64,
	VTX_IMAGE_MULTIBOOT,
};

/*
 * Guest-physical layout of what the launcher builds (guest memory starts
 * at GPA 0).  Real mode uses none of it; the other modes use all of it.
 */
#define VTX_RUN_GDT_GPA		0x1000	/* GDT, see VTX_RUN_SEL_* */
#define VTX_RUN_TSS_GPA		0x2000	/* a 104-byte TSS for TR */
#define VTX_RUN_PML4_GPA	0x3000	/* long mode: PML4, PDPT, 4 PDs */
#define VTX_RUN_PDPT_GPA	0x4000
#define VTX_RUN_PD_GPA		0x5000	/* 0x5000..0x8fff: 4 GiB of 2 MiB pages */
#define VTX_RUN_MBI_GPA		0x9000	/* Multiboot info, mmap, cmdline: 4 KiB */
#define VTX_RUN_MBI_SIZE	0x1000
#define VTX_RUN_STACK_TOP	0x80000	/* vCPU n's stack top: TOP - n * STACK */
#define VTX_RUN_STACK_SIZE	0x4000
#define VTX_RUN_MAX_VCPUS	16
/* [RESERVED_LO, RESERVED_HI) and the stacks are the launcher's. */
#define VTX_RUN_RESERVED_LO	0x1000
#define VTX_RUN_RESERVED_HI	0xa000
#define VTX_RUN_STACKS_LO	(VTX_RUN_STACK_TOP - VTX_RUN_MAX_VCPUS * VTX_RUN_STACK_SIZE)

/* Flat binaries: a boot sector's place in real mode, 1 MiB otherwise. */
#define VTX_FLAT_REAL_LOAD	0x7c00
#define VTX_FLAT_LOAD		0x100000

#define VTX_IMAGE_MAX_SEGMENTS	16

/* One piece of the image: file bytes copied to @gpa, the rest zeroed. */
struct vtx_segment {
	uint64_t gpa;
	uint64_t file_offset;
	uint64_t file_size;
	uint64_t mem_size;	/* >= file_size */
};

/* What the caller asks for; zero means "the image's own or the default". */
struct vtx_image_opts {
	bool flat;		/* treat the file as a flat binary, whatever it is */
	bool have_load;		/* flat: load address given */
	uint64_t load;
	bool have_entry;	/* entry point given (any kind) */
	uint64_t entry;
	enum vtx_mode mode;	/* VTX_MODE_AUTO: the image's */
};

struct vtx_image {
	enum vtx_image_kind kind;
	enum vtx_mode mode;	/* resolved: never VTX_MODE_AUTO */
	uint64_t entry;		/* real mode: a linear address below 1 MiB */
	unsigned int nr_segments;
	struct vtx_segment segments[VTX_IMAGE_MAX_SEGMENTS];
	uint64_t end;		/* highest gpa + mem_size of any segment */
	/* Multiboot: the header's flags (bit 0 align, 1 mem info, ...). */
	uint32_t mb_flags;
};

/*
 * vtx_image_parse: recognise @buf (@len bytes) and fill @img.  Order of
 * recognition, unless opts->flat: a Multiboot 1 header in the first 8 KiB
 * (magic, flags, checksum; with flags bit 16 its address fields, else the
 * ELF it is in), else an ELF (ELFCLASS32 with EM_386 -> ELF32 in 32-bit
 * protected mode, ELFCLASS64 with EM_X86_64 -> ELF64 in long mode; only
 * ET_EXEC, PT_LOAD segments at their physical addresses p_paddr), else a
 * flat binary (real mode at VTX_FLAT_REAL_LOAD, or with opts->mode another
 * mode at VTX_FLAT_LOAD; the entry is the load address).
 * Every segment must lie within the file, below 4 GiB, not overlap another
 * segment nor the launcher's reserved areas (for real mode only [0, 0x500)
 * for the IVT and BDA is reserved); a real-mode image must end below 1 MiB
 * and its entry must be below 1 MiB too.  The entry must lie in a
 * segment.  Returns 0, or -1 with a one-line reason in @err (a sentence
 * without a trailing newline, such as "ELF program header 2 lies beyond the
 * end of the file (offset 0x40 + 56 > 100 bytes)").
 */
int vtx_image_parse(const uint8_t *buf, size_t len,
		    const struct vtx_image_opts *opts, struct vtx_image *img,
		    char *err, size_t err_len);

/*
 * vtx_image_fits: 0 if every segment of @img ends within @mem_size bytes of
 * guest memory, else -1 with a reason naming the size needed.
 */
int vtx_image_fits(const struct vtx_image *img, uint64_t mem_size,
		   char *err, size_t err_len);

/*
 * vtx_image_load: copy the segments into guest memory @mem (@mem_size
 * bytes, GPA 0 at mem[0]), zero-filling each mem_size beyond file_size.
 * Call only after vtx_image_fits() said 0; returns 0 or -1 (does not fit).
 */
int vtx_image_load(const struct vtx_image *img, const uint8_t *buf,
		   size_t len, uint8_t *mem, uint64_t mem_size);

/*
 * vtx_multiboot_info: build a Multiboot 1 information structure at
 * VTX_RUN_MBI_GPA in @mem: flags with mem_lower/mem_upper (bit 0), the
 * command line (bit 2) and a memory map (bit 6: usable [0, 640 KiB) and
 * [1 MiB, mem_size), reserved [640 KiB, 1 MiB)), all within
 * VTX_RUN_MBI_SIZE bytes.  Returns the GPA of the structure (for EBX), or
 * 0 if @cmdline is too long to fit (it is then not written).
 */
uint32_t vtx_multiboot_info(uint8_t *mem, uint64_t mem_size,
			    const char *cmdline);

/*
 * vtx_parse_size: "64M", "512K", "1G", "4096" (bytes) -> bytes.  Returns 0
 * or -1 for anything else (empty, junk after the suffix, overflow, zero).
 */
int vtx_parse_size(const char *s, uint64_t *bytes);

/* The names people see: "flat", "ELF32", ...; "real", "prot32", "long64". */
const char *vtx_image_kind_name(enum vtx_image_kind kind);
const char *vtx_mode_name(enum vtx_mode mode);
/* "real", "prot32"/"protected", "long64"/"long" -> mode; -1 if unknown. */
int vtx_mode_parse(const char *s, enum vtx_mode *mode);

#endif /* _VTX_USER_IMAGE_H */

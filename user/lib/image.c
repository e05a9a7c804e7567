// SPDX-License-Identifier: GPL-2.0
/*
 * Guest images for vtx-run: see image.h.  Every field of the file is read
 * through rd16/rd32/rd64 after a bounds check, every sum is checked for
 * overflow, and the result is built in a local copy that reaches the
 * caller only when all of it has been checked.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "image.h"

/*
 * The ELF structures vtx-run reads (System V gABI, little-endian only).
 * They are never overlaid on the file: fields are read at their offsetof()
 * so that alignment and host byte order do not matter.
 */
#define EI_NIDENT	16
#define EI_CLASS	4
#define EI_DATA		5
#define EI_VERSION	6
#define ELFCLASS32	1
#define ELFCLASS64	2
#define ELFDATA2LSB	1
#define EV_CURRENT	1
#define ET_EXEC		2
#define ET_DYN		3
#define EM_386		3
#define EM_X86_64	62
#define PT_LOAD		1

struct elf32_ehdr {
	uint8_t e_ident[EI_NIDENT];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint32_t e_entry;
	uint32_t e_phoff;
	uint32_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};

struct elf32_phdr {
	uint32_t p_type;
	uint32_t p_offset;
	uint32_t p_vaddr;
	uint32_t p_paddr;
	uint32_t p_filesz;
	uint32_t p_memsz;
	uint32_t p_flags;
	uint32_t p_align;
};

struct elf64_ehdr {
	uint8_t e_ident[EI_NIDENT];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};

struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};

_Static_assert(sizeof(struct elf32_ehdr) == 52, "ELF32 header layout");
_Static_assert(sizeof(struct elf32_phdr) == 32, "ELF32 phdr layout");
_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header layout");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 phdr layout");

/* Multiboot 1 (Multiboot Specification 0.6.96, section 3.1). */
#define MB_MAGIC	0x1badb002u
#define MB_SEARCH	8192		/* in the first 8 KiB */
#define MB_PAGE_ALIGN	(1u << 0)	/* page-aligned modules: none */
#define MB_MEMORY_INFO	(1u << 1)	/* mem_*, mmap: always given */
#define MB_VIDEO_MODE	(1u << 2)	/* a wish; text mode it stays */
#define MB_AOUT_KLUDGE	(1u << 16)	/* address fields valid */
/* Bits 0-15 are requirements: a loader must refuse those it lacks. */
#define MB_KNOWN_REQUIRED (MB_PAGE_ALIGN | MB_MEMORY_INFO | MB_VIDEO_MODE)

struct mb_header {
	uint32_t magic;
	uint32_t flags;
	uint32_t checksum;
	/* valid with MB_AOUT_KLUDGE */
	uint32_t header_addr;
	uint32_t load_addr;
	uint32_t load_end_addr;
	uint32_t bss_end_addr;
	uint32_t entry_addr;
	/* valid with MB_VIDEO_MODE: mode_type, width, height, depth */
};

_Static_assert(sizeof(struct mb_header) == 32, "Multiboot header layout");

/* Multiboot 1 information structure, section 3.3: up to the VBE fields. */
#define MBI_MEM			(1u << 0)
#define MBI_CMDLINE		(1u << 2)
#define MBI_MMAP		(1u << 6)
#define MBI_LOADER_NAME		(1u << 9)

struct mb_info {
	uint32_t flags;
	uint32_t mem_lower;	/* KiB from 0 */
	uint32_t mem_upper;	/* KiB from 1 MiB */
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count;
	uint32_t mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length;
	uint32_t mmap_addr;
	uint32_t drives_length;
	uint32_t drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
	uint32_t apm_table;
	uint32_t vbe_control_info;
	uint32_t vbe_mode_info;
	uint16_t vbe_mode;
	uint16_t vbe_interface_seg;
	uint16_t vbe_interface_off;
	uint16_t vbe_interface_len;
};

/* An mmap entry; @size counts the bytes after itself (20). */
struct mb_mmap_entry {
	uint32_t size;
	uint32_t base_addr_low, base_addr_high;
	uint32_t length_low, length_high;
	uint32_t type;
};

#define MB_MMAP_AVAILABLE	1
#define MB_MMAP_RESERVED	2

_Static_assert(sizeof(struct mb_info) == 88, "Multiboot info layout");
_Static_assert(sizeof(struct mb_mmap_entry) == 24, "Multiboot mmap layout");

/* Where the pieces go inside [VTX_RUN_MBI_GPA, + VTX_RUN_MBI_SIZE). */
#define MBI_MMAP_OFF		0x80
#define MBI_NAME_OFF		0xe0
#define MBI_CMDLINE_OFF		0x100
#define MBI_NR_MMAP		3
#define MBI_NAME		"vtx-run"

_Static_assert(sizeof(struct mb_info) <= MBI_MMAP_OFF, "MBI overlaps mmap");
_Static_assert(MBI_MMAP_OFF + MBI_NR_MMAP * sizeof(struct mb_mmap_entry) <=
	       MBI_NAME_OFF, "mmap overlaps the loader name");
_Static_assert(MBI_NAME_OFF + sizeof(MBI_NAME) <= MBI_CMDLINE_OFF,
	       "loader name overlaps the command line");

#define LOW_MEM_END	0xa0000ull	/* 640 KiB: VGA and ROMs above */
#define HIGH_MEM_START	0x100000ull	/* 1 MiB */
#define GPA_LIMIT	0x100000000ull	/* 4 GiB: 32-bit protocols */
#define REAL_RESERVED_HI 0x500		/* real mode: the IVT and BDA */

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 |
	       (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

#define FIELD16(p, type, f)	rd16((p) + offsetof(type, f))
#define FIELD32(p, type, f)	rd32((p) + offsetof(type, f))
#define FIELD64(p, type, f)	rd64((p) + offsetof(type, f))

/* One parse in progress: the input, the reason slot and the result. */
struct ctx {
	const uint8_t *buf;
	uint64_t len;
	char *err;
	size_t err_len;
	struct vtx_image img;
	/* what each segment came from, for the messages */
	const char *what;		/* a flat or a.out image's segment */
	unsigned int ph[VTX_IMAGE_MAX_SEGMENTS];
};

__attribute__((format(printf, 3, 4)))
static int set_err(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	if (err && err_len) {
		va_start(ap, fmt);
		vsnprintf(err, err_len, fmt, ap);
		va_end(ap);
	}
	return -1;
}

#define fail(c, ...)	set_err((c)->err, (c)->err_len, __VA_ARGS__)

typedef unsigned long long ull;

static void seg_name(const struct ctx *c, unsigned int i, char *out,
		     size_t n)
{
	if (c->img.kind == VTX_IMAGE_ELF32 || c->img.kind == VTX_IMAGE_ELF64 ||
	    (c->img.kind == VTX_IMAGE_MULTIBOOT &&
	     !(c->img.mb_flags & MB_AOUT_KLUDGE)))
		snprintf(out, n, "ELF program header %u", c->ph[i]);
	else
		snprintf(out, n, "%s", c->what);
}

static int add_segment(struct ctx *c, unsigned int ph, uint64_t gpa,
		       uint64_t off, uint64_t filesz, uint64_t memsz)
{
	struct vtx_segment *s;

	if (c->img.nr_segments == VTX_IMAGE_MAX_SEGMENTS)
		return fail(c, "ELF file has more than %d PT_LOAD segments "
			    "(program header %u is one too many)",
			    VTX_IMAGE_MAX_SEGMENTS, ph);
	c->ph[c->img.nr_segments] = ph;
	s = &c->img.segments[c->img.nr_segments++];
	s->gpa = gpa;
	s->file_offset = off;
	s->file_size = filesz;
	s->mem_size = memsz;
	return 0;
}

static bool overlaps(uint64_t a, uint64_t a_end, uint64_t b, uint64_t b_end)
{
	return a < b_end && b < a_end;
}

/*
 * Where the segments may go, once the mode is known: within the file,
 * below 4 GiB (1 MiB in real mode), clear of each other and of the
 * launcher's structures; and the entry inside one of them.
 */
static int check_layout(struct ctx *c)
{
	struct vtx_image *img = &c->img;
	bool real = img->mode == VTX_MODE_REAL;
	uint64_t limit = real ? HIGH_MEM_START : GPA_LIMIT;
	char a[48], b[48];
	unsigned int i, j;
	bool entry_ok = false;

	img->end = 0;
	for (i = 0; i < img->nr_segments; i++) {
		const struct vtx_segment *s = &img->segments[i];
		uint64_t end, fend;

		seg_name(c, i, a, sizeof(a));
		if (s->file_size > s->mem_size)
			return fail(c, "%s has more file bytes (0x%llx) than "
				    "memory bytes (0x%llx)", a,
				    (ull)s->file_size, (ull)s->mem_size);
		if (__builtin_add_overflow(s->file_offset, s->file_size,
					   &fend) || fend > c->len)
			return fail(c, "%s lies beyond the end of the file "
				    "(offset 0x%llx + 0x%llx > 0x%llx bytes)",
				    a, (ull)s->file_offset, (ull)s->file_size,
				    (ull)c->len);
		if (__builtin_add_overflow(s->gpa, s->mem_size, &end) ||
		    end > limit)
			return fail(c, "%s at 0x%llx + 0x%llx ends above %s",
				    a, (ull)s->gpa, (ull)s->mem_size,
				    real ? "1 MiB, the limit in real mode" :
					   "4 GiB");
		if (real && s->gpa < REAL_RESERVED_HI)
			return fail(c, "%s at 0x%llx overlaps the real-mode "
				    "interrupt vectors and BIOS data "
				    "[0, 0x%x)", a, (ull)s->gpa,
				    REAL_RESERVED_HI);
		if (!real && overlaps(s->gpa, end, VTX_RUN_RESERVED_LO,
				      VTX_RUN_RESERVED_HI))
			return fail(c, "%s [0x%llx, 0x%llx) overlaps vtx-run's "
				    "tables [0x%x, 0x%x)", a, (ull)s->gpa,
				    (ull)end, VTX_RUN_RESERVED_LO,
				    VTX_RUN_RESERVED_HI);
		if (!real && overlaps(s->gpa, end, VTX_RUN_STACKS_LO,
				      VTX_RUN_STACK_TOP))
			return fail(c, "%s [0x%llx, 0x%llx) overlaps vtx-run's "
				    "vCPU stacks [0x%x, 0x%x)", a, (ull)s->gpa,
				    (ull)end, VTX_RUN_STACKS_LO,
				    VTX_RUN_STACK_TOP);
		for (j = 0; j < i; j++) {
			const struct vtx_segment *t = &img->segments[j];

			/* t was checked: no overflow */
			if (!overlaps(s->gpa, end, t->gpa,
				      t->gpa + t->mem_size))
				continue;
			seg_name(c, j, b, sizeof(b));
			return fail(c, "%s [0x%llx, 0x%llx) overlaps %s "
				    "[0x%llx, 0x%llx)", a, (ull)s->gpa,
				    (ull)end, b, (ull)t->gpa,
				    (ull)(t->gpa + t->mem_size));
		}
		if (img->entry >= s->gpa && img->entry < end)
			entry_ok = true;
		if (end > img->end)
			img->end = end;
	}
	if (!img->nr_segments)
		return fail(c, "%s image loads nothing: it has no PT_LOAD "
			    "segment with a size",
			    vtx_image_kind_name(img->kind));
	if (!entry_ok)
		return fail(c, "the entry point 0x%llx lies in no loaded "
			    "segment of the image (which spans up to 0x%llx)",
			    (ull)img->entry, (ull)img->end);
	return 0;
}

/* The parts of an ELF header that differ between the classes, widened. */
struct elf_info {
	int class;		/* 32 or 64 */
	uint64_t entry, phoff;
	unsigned int phentsize, phnum;
};

static int elf_header(struct ctx *c, struct elf_info *e)
{
	const uint8_t *p = c->buf;
	unsigned int type, machine, want_machine;
	size_t ehsize;

	if (c->len < EI_NIDENT)
		return fail(c, "ELF file is truncated: its identification "
			    "ends at byte 0x%x, file has 0x%llx bytes",
			    EI_NIDENT, (ull)c->len);
	if (p[EI_CLASS] == ELFCLASS32) {
		e->class = 32;
		ehsize = sizeof(struct elf32_ehdr);
		want_machine = EM_386;
	} else if (p[EI_CLASS] == ELFCLASS64) {
		e->class = 64;
		ehsize = sizeof(struct elf64_ehdr);
		want_machine = EM_X86_64;
	} else {
		return fail(c, "ELF file has class %u, neither ELFCLASS32 (1) "
			    "nor ELFCLASS64 (2)", p[EI_CLASS]);
	}
	if (p[EI_DATA] != ELFDATA2LSB)
		return fail(c, "ELF%d file is not little-endian (EI_DATA %u): "
			    "it is not for x86", e->class, p[EI_DATA]);
	if (p[EI_VERSION] != EV_CURRENT)
		return fail(c, "ELF%d file has identification version %u, "
			    "not EV_CURRENT (1)", e->class, p[EI_VERSION]);
	if (c->len < ehsize)
		return fail(c, "ELF%d file is truncated: its header ends at "
			    "byte 0x%zx, file has 0x%llx bytes", e->class,
			    ehsize, (ull)c->len);

	/* e_type, e_machine, e_version sit at the same place in both */
	type = FIELD16(p, struct elf32_ehdr, e_type);
	machine = FIELD16(p, struct elf32_ehdr, e_machine);
	if (type == ET_DYN)
		return fail(c, "ELF%d file is position-independent (ET_DYN): "
			    "link it static at a fixed address (-static "
			    "-no-pie, or ld without -pie)", e->class);
	if (type != ET_EXEC)
		return fail(c, "ELF%d file has type %u, not an executable "
			    "(ET_EXEC)", e->class, type);
	if (machine != want_machine)
		return fail(c, "ELF%d file is for machine %u, not %s", e->class,
			    machine, e->class == 32 ? "i386 (EM_386, 3)" :
						      "x86-64 (EM_X86_64, 62)");
	if (FIELD32(p, struct elf32_ehdr, e_version) != EV_CURRENT)
		return fail(c, "ELF%d file has version %u, not EV_CURRENT (1)",
			    e->class, FIELD32(p, struct elf32_ehdr, e_version));

	if (e->class == 32) {
		e->entry = FIELD32(p, struct elf32_ehdr, e_entry);
		e->phoff = FIELD32(p, struct elf32_ehdr, e_phoff);
		e->phentsize = FIELD16(p, struct elf32_ehdr, e_phentsize);
		e->phnum = FIELD16(p, struct elf32_ehdr, e_phnum);
		if (e->phentsize != sizeof(struct elf32_phdr))
			return fail(c, "ELF32 file has program headers of %u "
				    "bytes, not %zu", e->phentsize,
				    sizeof(struct elf32_phdr));
	} else {
		e->entry = FIELD64(p, struct elf64_ehdr, e_entry);
		e->phoff = FIELD64(p, struct elf64_ehdr, e_phoff);
		e->phentsize = FIELD16(p, struct elf64_ehdr, e_phentsize);
		e->phnum = FIELD16(p, struct elf64_ehdr, e_phnum);
		if (e->phentsize != sizeof(struct elf64_phdr))
			return fail(c, "ELF64 file has program headers of %u "
				    "bytes, not %zu", e->phentsize,
				    sizeof(struct elf64_phdr));
	}
	return 0;
}

/* The PT_LOAD segments of an ELF whose header elf_header() accepted. */
static int elf_segments(struct ctx *c, const struct elf_info *e)
{
	uint64_t size, end;
	unsigned int i;

	if (!e->phnum)
		return fail(c, "ELF%d file has no program headers, so nothing "
			    "to load", e->class);
	size = (uint64_t)e->phnum * e->phentsize;	/* < 2^22 */
	if (__builtin_add_overflow(e->phoff, size, &end))
		return fail(c, "ELF%d program header offset 0x%llx is "
			    "impossible", e->class, (ull)e->phoff);
	if (end > c->len)
		return fail(c, "ELF%d file is truncated: program headers end "
			    "at byte 0x%llx, file has 0x%llx bytes", e->class,
			    (ull)end, (ull)c->len);

	for (i = 0; i < e->phnum; i++) {
		const uint8_t *ph = c->buf + e->phoff + (uint64_t)i *
				    e->phentsize;
		uint64_t off, paddr, filesz, memsz, fend, mend;
		uint32_t type;

		if (e->class == 32) {
			type = FIELD32(ph, struct elf32_phdr, p_type);
			off = FIELD32(ph, struct elf32_phdr, p_offset);
			paddr = FIELD32(ph, struct elf32_phdr, p_paddr);
			filesz = FIELD32(ph, struct elf32_phdr, p_filesz);
			memsz = FIELD32(ph, struct elf32_phdr, p_memsz);
		} else {
			type = FIELD32(ph, struct elf64_phdr, p_type);
			off = FIELD64(ph, struct elf64_phdr, p_offset);
			paddr = FIELD64(ph, struct elf64_phdr, p_paddr);
			filesz = FIELD64(ph, struct elf64_phdr, p_filesz);
			memsz = FIELD64(ph, struct elf64_phdr, p_memsz);
		}
		if (type != PT_LOAD)
			continue;
		if (filesz > memsz)
			return fail(c, "ELF program header %u has p_filesz "
				    "0x%llx larger than p_memsz 0x%llx", i,
				    (ull)filesz, (ull)memsz);
		if (!memsz)
			continue;
		if (__builtin_add_overflow(off, filesz, &fend))
			return fail(c, "ELF program header %u's data lies "
				    "beyond the end of the file (offset "
				    "0x%llx + 0x%llx wraps)", i, (ull)off,
				    (ull)filesz);
		if (fend > c->len)
			return fail(c, "ELF program header %u's data ends at "
				    "byte 0x%llx, beyond the end of the file "
				    "(0x%llx bytes)", i, (ull)fend,
				    (ull)c->len);
		if (__builtin_add_overflow(paddr, memsz, &mend) ||
		    mend > GPA_LIMIT)
			return fail(c, "ELF program header %u loads at 0x%llx "
				    "+ 0x%llx, beyond 4 GiB", i, (ull)paddr,
				    (ull)memsz);
		if (add_segment(c, i, paddr, off, filesz, memsz))
			return -1;
	}
	c->img.entry = e->entry;
	return 0;
}

static bool is_elf(const uint8_t *buf, size_t len)
{
	return len >= 4 && !memcmp(buf, "\x7f" "ELF", 4);
}

/* Offset of the first Multiboot magic in the first 8 KiB, or -1. */
static long mb_find(const uint8_t *buf, size_t len)
{
	size_t lim = len < MB_SEARCH ? len : MB_SEARCH;
	size_t off;

	for (off = 0; off + 12 <= lim; off += 4)
		if (rd32(buf + off) == MB_MAGIC)
			return (long)off;
	return -1;
}

/* The a.out kludge: the header's own fields say what goes where. */
static int mb_aout(struct ctx *c, uint64_t hoff)
{
	const uint8_t *h = c->buf + hoff;
	uint64_t header_addr, load_addr, load_end, bss_end;
	uint64_t off, filesz, memsz, end;

	if (hoff + sizeof(struct mb_header) > c->len)
		return fail(c, "Multiboot header at byte 0x%llx is truncated: "
			    "its address fields end at byte 0x%llx, file has "
			    "0x%llx bytes", (ull)hoff,
			    (ull)(hoff + sizeof(struct mb_header)),
			    (ull)c->len);
	if (hoff + sizeof(struct mb_header) > MB_SEARCH)
		return fail(c, "Multiboot header at byte 0x%llx is truncated: "
			    "its address fields end at byte 0x%llx, beyond "
			    "the first 8 KiB where it must lie", (ull)hoff,
			    (ull)(hoff + sizeof(struct mb_header)));
	header_addr = FIELD32(h, struct mb_header, header_addr);
	load_addr = FIELD32(h, struct mb_header, load_addr);
	load_end = FIELD32(h, struct mb_header, load_end_addr);
	bss_end = FIELD32(h, struct mb_header, bss_end_addr);

	if (header_addr < load_addr)
		return fail(c, "Multiboot header_addr 0x%llx lies below "
			    "load_addr 0x%llx", (ull)header_addr,
			    (ull)load_addr);
	if (header_addr - load_addr > hoff)
		return fail(c, "Multiboot load_addr 0x%llx would start 0x%llx "
			    "bytes before the header, but the header is at "
			    "byte 0x%llx of the file", (ull)load_addr,
			    (ull)(header_addr - load_addr), (ull)hoff);
	off = hoff - (header_addr - load_addr);

	if (load_end) {
		if (load_end <= load_addr)
			return fail(c, "Multiboot load_end_addr 0x%llx is not "
				    "above load_addr 0x%llx", (ull)load_end,
				    (ull)load_addr);
		filesz = load_end - load_addr;
		if (off + filesz > c->len)	/* both < 2^33 */
			return fail(c, "Multiboot load area is truncated: it "
				    "ends at byte 0x%llx of the file, which "
				    "has 0x%llx bytes", (ull)(off + filesz),
				    (ull)c->len);
	} else {
		filesz = c->len - off;	/* > 0: the header is there */
	}
	if (__builtin_add_overflow(load_addr, filesz, &end) ||
	    end > GPA_LIMIT)
		return fail(c, "Multiboot load area at 0x%llx + 0x%llx ends "
			    "above 4 GiB", (ull)load_addr, (ull)filesz);

	memsz = filesz;
	if (bss_end) {
		if (bss_end < end)
			return fail(c, "Multiboot bss_end_addr 0x%llx lies "
				    "below the end of the load area 0x%llx",
				    (ull)bss_end, (ull)end);
		memsz = bss_end - load_addr;
	}
	c->what = "the Multiboot load area";
	c->img.entry = FIELD32(h, struct mb_header, entry_addr);
	return add_segment(c, 0, load_addr, off, filesz, memsz);
}

static int mb_parse(struct ctx *c, uint64_t hoff,
		    const struct vtx_image_opts *opts)
{
	const uint8_t *h = c->buf + hoff;
	uint32_t flags = FIELD32(h, struct mb_header, flags);
	uint32_t sum = MB_MAGIC + flags +
		       FIELD32(h, struct mb_header, checksum);
	uint32_t unknown = flags & 0xffff & ~MB_KNOWN_REQUIRED;
	struct elf_info e;

	if (sum)
		return fail(c, "Multiboot header at byte 0x%llx has a bad "
			    "checksum: magic + flags + checksum = 0x%x, not 0 "
			    "(load the file as a flat binary if it is not a "
			    "Multiboot kernel)", (ull)hoff, sum);
	if (unknown)
		return fail(c, "Multiboot header asks for feature bit %d that "
			    "vtx-run does not provide",
			    __builtin_ctz(unknown));
	if (opts->mode != VTX_MODE_AUTO && opts->mode != VTX_MODE_PROT32)
		return fail(c, "Multiboot kernels start in 32-bit protected "
			    "mode, not in %s mode", vtx_mode_name(opts->mode));
	c->img.kind = VTX_IMAGE_MULTIBOOT;
	c->img.mode = VTX_MODE_PROT32;
	c->img.mb_flags = flags;

	if (flags & MB_AOUT_KLUDGE)
		return mb_aout(c, hoff);

	/* Without the address fields the loader must understand the ELF. */
	if (!is_elf(c->buf, c->len))
		return fail(c, "Multiboot header at byte 0x%llx has no address "
			    "fields (flags bit 16) and the file is not an ELF "
			    "executable", (ull)hoff);
	if (elf_header(c, &e))
		return -1;
	if (e.class != 32)
		return fail(c, "Multiboot header at byte 0x%llx has no address "
			    "fields (flags bit 16), which an ELF64 file needs: "
			    "only ELF32 is loaded by its headers", (ull)hoff);
	return elf_segments(c, &e);
}

static int flat_parse(struct ctx *c, const struct vtx_image_opts *opts)
{
	uint64_t load;

	if (!c->len)
		return fail(c, "the file is empty: there is nothing to run");
	c->img.kind = VTX_IMAGE_FLAT;
	c->img.mode = opts->mode == VTX_MODE_AUTO ? VTX_MODE_REAL : opts->mode;
	if (opts->have_load)
		load = opts->load;
	else if (c->img.mode == VTX_MODE_REAL)
		load = VTX_FLAT_REAL_LOAD;
	else
		load = VTX_FLAT_LOAD;
	c->what = "the flat binary";
	c->img.entry = load;
	return add_segment(c, 0, load, 0, c->len, c->len);
}

int vtx_image_parse(const uint8_t *buf, size_t len,
		    const struct vtx_image_opts *opts, struct vtx_image *img,
		    char *err, size_t err_len)
{
	struct ctx c = {
		.buf = buf, .len = buf ? len : 0,
		.err = err, .err_len = err_len,
	};
	struct elf_info e;
	long mb;
	int ret;

	if (err && err_len)
		err[0] = '\0';
	if ((unsigned int)opts->mode > VTX_MODE_LONG64)
		return fail(&c, "CPU mode %d is not one vtx-run knows",
			    (int)opts->mode);
	len = c.len;

	mb = opts->flat ? -1 : mb_find(buf, len);
	if (opts->flat) {
		ret = flat_parse(&c, opts);
	} else if (mb >= 0) {
		ret = mb_parse(&c, (uint64_t)mb, opts);
	} else if (is_elf(buf, len)) {
		ret = elf_header(&c, &e);
		if (!ret) {
			c.img.kind = e.class == 32 ? VTX_IMAGE_ELF32 :
						     VTX_IMAGE_ELF64;
			c.img.mode = e.class == 32 ? VTX_MODE_PROT32 :
						     VTX_MODE_LONG64;
			if (opts->mode != VTX_MODE_AUTO)
				c.img.mode = opts->mode;
			ret = elf_segments(&c, &e);
		}
	} else {
		ret = flat_parse(&c, opts);
	}
	if (ret)
		return ret;

	if (opts->have_load && c.img.kind != VTX_IMAGE_FLAT)
		return fail(&c, "a load address is for flat binaries, not for "
			    "this %s image (load it as a flat binary to place "
			    "it yourself)", vtx_image_kind_name(c.img.kind));
	if (opts->have_entry)
		c.img.entry = opts->entry;
	if (check_layout(&c))
		return -1;
	*img = c.img;
	return 0;
}

int vtx_image_fits(const struct vtx_image *img, uint64_t mem_size,
		   char *err, size_t err_len)
{
	unsigned int i;

	for (i = 0; i < img->nr_segments && i < VTX_IMAGE_MAX_SEGMENTS; i++) {
		const struct vtx_segment *s = &img->segments[i];
		uint64_t end;

		if (__builtin_add_overflow(s->gpa, s->mem_size, &end) ||
		    end > mem_size) {
			uint64_t need = img->end > end ? img->end : end;

			return set_err(err, err_len, "the image ends at "
				       "0x%llx, beyond the 0x%llx bytes of "
				       "guest memory: give it at least %llu "
				       "MiB", (ull)need, (ull)mem_size,
				       (ull)((need + (1 << 20) - 1) >> 20));
		}
	}
	return 0;
}

int vtx_image_load(const struct vtx_image *img, const uint8_t *buf,
		   size_t len, uint8_t *mem, uint64_t mem_size)
{
	unsigned int i;

	if (img->nr_segments > VTX_IMAGE_MAX_SEGMENTS ||
	    vtx_image_fits(img, mem_size, NULL, 0))
		return -1;
	/* check all before writing any: never load half-way */
	for (i = 0; i < img->nr_segments; i++) {
		const struct vtx_segment *s = &img->segments[i];
		uint64_t fend;

		if (s->file_size > s->mem_size ||
		    __builtin_add_overflow(s->file_offset, s->file_size,
					   &fend) || fend > len)
			return -1;
	}
	for (i = 0; i < img->nr_segments; i++) {
		const struct vtx_segment *s = &img->segments[i];

		if (s->file_size)
			memcpy(mem + s->gpa, buf + s->file_offset,
			       s->file_size);
		memset(mem + s->gpa + s->file_size, 0,
		       s->mem_size - s->file_size);
	}
	return 0;
}

static void mb_mmap_entry(uint8_t *p, uint64_t base, uint64_t length,
			  uint32_t type)
{
	wr32(p + offsetof(struct mb_mmap_entry, size),
	     sizeof(struct mb_mmap_entry) - sizeof(uint32_t));
	wr32(p + offsetof(struct mb_mmap_entry, base_addr_low), (uint32_t)base);
	wr32(p + offsetof(struct mb_mmap_entry, base_addr_high),
	     (uint32_t)(base >> 32));
	wr32(p + offsetof(struct mb_mmap_entry, length_low), (uint32_t)length);
	wr32(p + offsetof(struct mb_mmap_entry, length_high),
	     (uint32_t)(length >> 32));
	wr32(p + offsetof(struct mb_mmap_entry, type), type);
}

uint32_t vtx_multiboot_info(uint8_t *mem, uint64_t mem_size,
			    const char *cmdline)
{
	uint8_t *mbi = mem + VTX_RUN_MBI_GPA;
	uint8_t *mm = mbi + MBI_MMAP_OFF;
	uint32_t flags = MBI_MEM | MBI_MMAP | MBI_LOADER_NAME;
	uint64_t low = mem_size < LOW_MEM_END ? mem_size : LOW_MEM_END;
	uint64_t upper = 0;
	size_t cmd_len = 0;
	unsigned int n = 0;

	if (mem_size < VTX_RUN_MBI_GPA + VTX_RUN_MBI_SIZE)
		return 0;
	if (cmdline) {
		cmd_len = strlen(cmdline) + 1;
		if (cmd_len > VTX_RUN_MBI_SIZE - MBI_CMDLINE_OFF)
			return 0;
		flags |= MBI_CMDLINE;
	}
	if (mem_size > HIGH_MEM_START)
		upper = (mem_size - HIGH_MEM_START) >> 10;
	if (upper > UINT32_MAX)
		upper = UINT32_MAX;

	memset(mbi, 0, VTX_RUN_MBI_SIZE);
	wr32(mbi + offsetof(struct mb_info, flags), flags);
	wr32(mbi + offsetof(struct mb_info, mem_lower), (uint32_t)(low >> 10));
	wr32(mbi + offsetof(struct mb_info, mem_upper), (uint32_t)upper);

	mb_mmap_entry(mm + n++ * sizeof(struct mb_mmap_entry), 0, low,
		      MB_MMAP_AVAILABLE);
	if (mem_size > LOW_MEM_END)
		mb_mmap_entry(mm + n++ * sizeof(struct mb_mmap_entry),
			      LOW_MEM_END, HIGH_MEM_START - LOW_MEM_END,
			      MB_MMAP_RESERVED);
	if (mem_size > HIGH_MEM_START)
		mb_mmap_entry(mm + n++ * sizeof(struct mb_mmap_entry),
			      HIGH_MEM_START, mem_size - HIGH_MEM_START,
			      MB_MMAP_AVAILABLE);
	wr32(mbi + offsetof(struct mb_info, mmap_length),
	     n * sizeof(struct mb_mmap_entry));
	wr32(mbi + offsetof(struct mb_info, mmap_addr),
	     VTX_RUN_MBI_GPA + MBI_MMAP_OFF);

	memcpy(mbi + MBI_NAME_OFF, MBI_NAME, sizeof(MBI_NAME));
	wr32(mbi + offsetof(struct mb_info, boot_loader_name),
	     VTX_RUN_MBI_GPA + MBI_NAME_OFF);
	if (cmdline) {
		memcpy(mbi + MBI_CMDLINE_OFF, cmdline, cmd_len);
		wr32(mbi + offsetof(struct mb_info, cmdline),
		     VTX_RUN_MBI_GPA + MBI_CMDLINE_OFF);
	}
	return VTX_RUN_MBI_GPA;
}

int vtx_parse_size(const char *s, uint64_t *bytes)
{
	uint64_t v = 0;
	unsigned int shift = 0;
	const char *p = s;

	if (!s || *p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++)
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v))
			return -1;
	switch (*p) {
	case 'k': case 'K':
		shift = 10;
		p++;
		break;
	case 'm': case 'M':
		shift = 20;
		p++;
		break;
	case 'g': case 'G':
		shift = 30;
		p++;
		break;
	}
	if (*p || !v || v > UINT64_MAX >> shift)
		return -1;
	*bytes = v << shift;
	return 0;
}

const char *vtx_image_kind_name(enum vtx_image_kind kind)
{
	switch (kind) {
	case VTX_IMAGE_FLAT:		return "flat";
	case VTX_IMAGE_ELF32:		return "ELF32";
	case VTX_IMAGE_ELF64:		return "ELF64";
	case VTX_IMAGE_MULTIBOOT:	return "Multiboot";
	}
	return "unknown";
}

const char *vtx_mode_name(enum vtx_mode mode)
{
	switch (mode) {
	case VTX_MODE_AUTO:	return "auto";
	case VTX_MODE_REAL:	return "real";
	case VTX_MODE_PROT32:	return "prot32";
	case VTX_MODE_LONG64:	return "long64";
	}
	return "unknown";
}

int vtx_mode_parse(const char *s, enum vtx_mode *mode)
{
	static const struct {
		const char *name;
		enum vtx_mode mode;
	} names[] = {
		{ "auto", VTX_MODE_AUTO },
		{ "real", VTX_MODE_REAL },
		{ "prot32", VTX_MODE_PROT32 },
		{ "protected", VTX_MODE_PROT32 },
		{ "long64", VTX_MODE_LONG64 },
		{ "long", VTX_MODE_LONG64 },
	};
	size_t i;

	for (i = 0; s && i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i].name)) {
			*mode = names[i].mode;
			return 0;
		}
	}
	return -1;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of user/lib/image.c: vtx-run's image parser, loader and
 * Multiboot information, on images built here in memory, well formed and
 * then broken in every way the parser must notice.
 */
#include <string.h>

#include "unit.h"
#include "user/lib/image.h"

#define FILE_MAX	0x3000

static uint8_t file[FILE_MAX];
static char err[256];

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, v);
	put32(p + 4, v >> 32);
}

static uint32_t get32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

struct ph {
	uint32_t type;
	uint64_t off, paddr, filesz, memsz;
};

#define PT_LOAD		1
#define PT_NOTE		4
#define EM_386		3
#define EM_X86_64	62

/* ELF header and program headers at 0 in @b; returns where they end. */
static size_t mk_elf(uint8_t *b, int class, uint16_t type, uint16_t machine,
		     uint64_t entry, const struct ph *ph, int n)
{
	size_t ehsize = class == 32 ? 52 : 64, phsize = class == 32 ? 32 : 56;
	int i;

	memset(b, 0, ehsize + n * phsize);
	memcpy(b, "\x7f" "ELF", 4);
	b[4] = class == 32 ? 1 : 2;
	b[5] = 1;
	b[6] = 1;
	put16(b + 16, type);
	put16(b + 18, machine);
	put32(b + 20, 1);
	if (class == 32) {
		put32(b + 24, entry);
		put32(b + 28, ehsize);
		put16(b + 40, ehsize);
		put16(b + 42, phsize);
		put16(b + 44, n);
	} else {
		put64(b + 24, entry);
		put64(b + 32, ehsize);
		put16(b + 52, ehsize);
		put16(b + 54, phsize);
		put16(b + 56, n);
	}
	for (i = 0; i < n; i++) {
		uint8_t *p = b + ehsize + i * phsize;

		put32(p, ph[i].type);
		if (class == 32) {
			put32(p + 4, ph[i].off);
			put32(p + 8, ph[i].paddr);	/* p_vaddr */
			put32(p + 12, ph[i].paddr);
			put32(p + 16, ph[i].filesz);
			put32(p + 20, ph[i].memsz);
		} else {
			put64(p + 8, ph[i].off);
			/* a kernel-half p_vaddr: only p_paddr counts */
			put64(p + 16, 0xffffffff80000000ULL + ph[i].paddr);
			put64(p + 24, ph[i].paddr);
			put64(p + 32, ph[i].filesz);
			put64(p + 40, ph[i].memsz);
		}
	}
	return ehsize + n * phsize;
}

static void fill(uint8_t *b, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		b[i] = (uint8_t)(i * 7 + 1);
}

/* The reference ELF32: text, a note, an empty PT_LOAD, data with bss. */
static const struct ph elf32_ph[] = {
	{ PT_LOAD, 0x100, 0x100000, 0x40, 0x40 },
	{ PT_NOTE, 0x140, 0, 0x10, 0x10 },
	{ PT_LOAD, 0, 0x300000, 0, 0 },
	{ PT_LOAD, 0x140, 0x200000, 0x10, 0x1000 },
};
#define ELF32_LEN	0x150

static size_t mk_elf32(void)
{
	memset(file, 0, sizeof(file));
	mk_elf(file, 32, 2, EM_386, 0x100010, elf32_ph, 4);
	fill(file, 0x100, ELF32_LEN);
	return ELF32_LEN;
}

static const struct ph elf64_ph[] = {
	{ PT_LOAD, 0x100, 0x100000, 0x80, 0x200 },
};
#define ELF64_LEN	0x180

static size_t mk_elf64(void)
{
	memset(file, 0, sizeof(file));
	mk_elf(file, 64, 2, EM_X86_64, 0x100000, elf64_ph, 1);
	fill(file, 0x100, ELF64_LEN);
	return ELF64_LEN;
}

#define MB_MAGIC	0x1badb002u

/* A Multiboot header at @off of @b: magic, flags, checksum, fields. */
static void mk_mb(uint8_t *b, size_t off, uint32_t flags, uint32_t header,
		  uint32_t load, uint32_t load_end, uint32_t bss_end,
		  uint32_t entry)
{
	put32(b + off, MB_MAGIC);
	put32(b + off + 4, flags);
	put32(b + off + 8, -(MB_MAGIC + flags));
	if (flags & (1u << 16)) {
		put32(b + off + 12, header);
		put32(b + off + 16, load);
		put32(b + off + 20, load_end);
		put32(b + off + 24, bss_end);
		put32(b + off + 28, entry);
	}
}

/* a.out kludge: header at 0x10, loaded from 0 to the end of the file. */
#define MBA_LEN		0x200

static size_t mk_mb_aout(void)
{
	memset(file, 0, sizeof(file));
	fill(file, 0, MBA_LEN);
	mk_mb(file, 0x10, 0x10003, 0x100010, 0x100000, 0, 0x110000, 0x100020);
	return MBA_LEN;
}

/* The ELF32 with a Multiboot header (no bit 16) at the start of its text. */
static size_t mk_mb_elf(void)
{
	mk_elf32();
	mk_mb(file, 0x100, 0x3, 0, 0, 0, 0, 0);
	return ELF32_LEN;
}

/* Parses the first @len bytes of file[], from a copy of exactly that size
 * so that AddressSanitizer sees any read past the end. */
static int parse(size_t len, const struct vtx_image_opts *o,
		 struct vtx_image *img)
{
	static const struct vtx_image_opts none;
	uint8_t *copy = malloc(len ? len : 1);
	int ret;

	memcpy(copy, file, len);
	memset(img, 0x5a, sizeof(*img));
	err[0] = 'X';
	err[1] = '\0';
	ret = vtx_image_parse(copy, len, o ? o : &none, img, err, sizeof(err));
	free(copy);
	return ret;
}

static bool seg_is(const struct vtx_segment *s, uint64_t gpa, uint64_t off,
		   uint64_t filesz, uint64_t memsz)
{
	return s->gpa == gpa && s->file_offset == off &&
	       s->file_size == filesz && s->mem_size == memsz;
}

/* What every image the parser accepts must satisfy. */
static bool consistent(const struct vtx_image *img, size_t len)
{
	uint64_t end = 0;
	bool entry = false;
	unsigned int i;

	if (img->mode == VTX_MODE_AUTO || img->nr_segments == 0 ||
	    img->nr_segments > VTX_IMAGE_MAX_SEGMENTS)
		return false;
	for (i = 0; i < img->nr_segments; i++) {
		const struct vtx_segment *s = &img->segments[i];

		if (s->file_offset + s->file_size > len ||
		    s->file_size > s->mem_size ||
		    s->gpa + s->mem_size > 0x100000000ULL)
			return false;
		if (s->gpa + s->mem_size > end)
			end = s->gpa + s->mem_size;
		if (img->entry >= s->gpa && img->entry < s->gpa + s->mem_size)
			entry = true;
	}
	return entry && end == img->end;
}

static void test_elf32(void)
{
	struct vtx_image img;
	struct vtx_image_opts o = { 0 };
	size_t len = mk_elf32();

	CHECK(!parse(len, NULL, &img), "ELF32: parses (%s)", err);
	CHECK_EQ(img.kind, VTX_IMAGE_ELF32, "ELF32: kind");
	CHECK_EQ(img.mode, VTX_MODE_PROT32, "ELF32: 32-bit protected mode");
	CHECK_EQ(img.entry, 0x100010, "ELF32: entry from e_entry");
	CHECK_EQ(img.nr_segments, 2,
		 "ELF32: two PT_LOADs, the empty one skipped");
	CHECK(seg_is(&img.segments[0], 0x100000, 0x100, 0x40, 0x40),
	      "ELF32: text segment");
	CHECK(seg_is(&img.segments[1], 0x200000, 0x140, 0x10, 0x1000),
	      "ELF32: data segment with bss");
	CHECK_EQ(img.end, 0x201000, "ELF32: end");
	CHECK_EQ(img.mb_flags, 0, "ELF32: no Multiboot flags");
	CHECK(err[0] == '\0', "ELF32: no reason on success");

	o.have_entry = true;
	o.entry = 0x200800;
	CHECK(!parse(len, &o, &img) && img.entry == 0x200800,
	      "ELF32: an entry given overrides e_entry (into the bss)");
	o.entry = 0x150000;
	CHECK(parse(len, &o, &img) && strstr(err, "0x150000"),
	      "ELF32: an entry given outside the segments is refused: %s", err);

	o = (struct vtx_image_opts){ .mode = VTX_MODE_LONG64 };
	CHECK(!parse(len, &o, &img) && img.mode == VTX_MODE_LONG64 &&
	      img.kind == VTX_IMAGE_ELF32, "ELF32: the mode asked for wins");
	o.mode = VTX_MODE_REAL;
	CHECK(parse(len, &o, &img) && strstr(err, "1 MiB"),
	      "ELF32: real mode above 1 MiB refused: %s", err);

	/* the same ELF32 linked low enough for real mode */
	{
		const struct ph low[] = {
			{ PT_LOAD, 0x100, 0x10000, 0x40, 0x40 },
			{ PT_LOAD, 0x140, 0x20000, 0x10, 0x10000 },
		};

		mk_elf(file, 32, 2, EM_386, 0x10000, low, 2);
		CHECK(!parse(len, &o, &img) && img.mode == VTX_MODE_REAL &&
		      img.end == 0x30000,
		      "ELF32: run in real mode below 1 MiB");
	}
}

static void test_elf64(void)
{
	struct vtx_image img;
	size_t len = mk_elf64();

	CHECK(!parse(len, NULL, &img), "ELF64: parses (%s)", err);
	CHECK_EQ(img.kind, VTX_IMAGE_ELF64, "ELF64: kind");
	CHECK_EQ(img.mode, VTX_MODE_LONG64, "ELF64: long mode");
	CHECK_EQ(img.entry, 0x100000, "ELF64: entry");
	CHECK_EQ(img.nr_segments, 1, "ELF64: one segment");
	CHECK(seg_is(&img.segments[0], 0x100000, 0x100, 0x80, 0x200),
	      "ELF64: segment at p_paddr, not the kernel-half p_vaddr");
	CHECK_EQ(img.end, 0x100200, "ELF64: end");
}

static void test_multiboot(void)
{
	struct vtx_image img;
	struct vtx_image_opts o = { 0 };
	size_t len = mk_mb_aout();

	CHECK(!parse(len, NULL, &img), "Multiboot a.out: parses (%s)", err);
	CHECK_EQ(img.kind, VTX_IMAGE_MULTIBOOT, "Multiboot a.out: kind");
	CHECK_EQ(img.mode, VTX_MODE_PROT32, "Multiboot a.out: protected mode");
	CHECK_EQ(img.mb_flags, 0x10003, "Multiboot a.out: the header's flags");
	CHECK_EQ(img.entry, 0x100020, "Multiboot a.out: entry_addr");
	CHECK_EQ(img.nr_segments, 1, "Multiboot a.out: one segment");
	CHECK(seg_is(&img.segments[0], 0x100000, 0, MBA_LEN, 0x10000),
	      "Multiboot a.out: to the end of the file, bss to bss_end_addr");
	CHECK_EQ(img.end, 0x110000, "Multiboot a.out: end");

	/* header at 0x40, 0x20 into the load area, load_end and no bss */
	memset(file, 0, sizeof(file));
	fill(file, 0, MBA_LEN);
	mk_mb(file, 0x40, 0x10000, 0x200020, 0x200000, 0x200100, 0, 0x200000);
	CHECK(!parse(MBA_LEN, NULL, &img) &&
	      seg_is(&img.segments[0], 0x200000, 0x20, 0x100, 0x100) &&
	      img.end == 0x200100,
	      "Multiboot a.out: file offset is header offset - "
	      "(header_addr - load_addr)");

	/* bit 16 wins over the ELF the header sits in */
	mk_elf64();
	mk_mb(file, 0x100, 0x10000, 0x100000, 0x100000, 0x100080, 0x101000,
	      0x100040);
	CHECK(!parse(ELF64_LEN, NULL, &img) &&
	      img.kind == VTX_IMAGE_MULTIBOOT &&
	      seg_is(&img.segments[0], 0x100000, 0x100, 0x80, 0x1000),
	      "Multiboot a.out in an ELF64: the address fields are used");

	len = mk_mb_elf();
	CHECK(!parse(len, NULL, &img), "Multiboot ELF: parses (%s)", err);
	CHECK(img.kind == VTX_IMAGE_MULTIBOOT && img.mode == VTX_MODE_PROT32 &&
	      img.mb_flags == 3 && img.entry == 0x100010 &&
	      img.nr_segments == 2 &&
	      seg_is(&img.segments[0], 0x100000, 0x100, 0x40, 0x40) &&
	      seg_is(&img.segments[1], 0x200000, 0x140, 0x10, 0x1000) &&
	      img.end == 0x201000, "Multiboot ELF: the ELF32's segments");

	o.mode = VTX_MODE_PROT32;
	CHECK(!parse(len, &o, &img), "Multiboot: mode prot32 is fine");
	o.mode = VTX_MODE_LONG64;
	CHECK(parse(len, &o, &img) && strstr(err, "protected"),
	      "Multiboot: long mode refused: %s", err);
	o.mode = VTX_MODE_REAL;
	CHECK(parse(len, &o, &img), "Multiboot: real mode refused");
	o = (struct vtx_image_opts){ .flat = true, .mode = VTX_MODE_PROT32 };
	CHECK(!parse(len, &o, &img) && img.kind == VTX_IMAGE_FLAT,
	      "Multiboot: flat forced");

	mk_mb(file, 0x100, 0x7, 0, 0, 0, 0, 0);
	CHECK(!parse(len, NULL, &img) && img.mb_flags == 7,
	      "Multiboot: the video mode bit is accepted and ignored");
	mk_mb(file, 0x100, 0x80003, 0, 0, 0, 0, 0);
	CHECK(!parse(len, NULL, &img), "Multiboot: optional bit 19 is ignored");
}

static void test_flat(void)
{
	struct vtx_image img;
	struct vtx_image_opts o = { 0 };

	memset(file, 0, sizeof(file));
	fill(file, 0, 512);
	CHECK(!parse(512, NULL, &img), "flat: parses (%s)", err);
	CHECK(img.kind == VTX_IMAGE_FLAT && img.mode == VTX_MODE_REAL &&
	      img.entry == VTX_FLAT_REAL_LOAD && img.nr_segments == 1 &&
	      seg_is(&img.segments[0], 0x7c00, 0, 512, 512) &&
	      img.end == 0x7e00, "flat: a boot sector at 0x7c00, real mode");

	o.mode = VTX_MODE_PROT32;
	CHECK(!parse(512, &o, &img) && img.mode == VTX_MODE_PROT32 &&
	      img.entry == VTX_FLAT_LOAD &&
	      seg_is(&img.segments[0], VTX_FLAT_LOAD, 0, 512, 512),
	      "flat: protected mode at 1 MiB");
	o.mode = VTX_MODE_LONG64;
	CHECK(!parse(512, &o, &img) && img.mode == VTX_MODE_LONG64 &&
	      img.entry == VTX_FLAT_LOAD, "flat: long mode at 1 MiB");

	o = (struct vtx_image_opts){ .have_load = true, .load = 0x1000,
				     .have_entry = true, .entry = 0x1100 };
	CHECK(!parse(512, &o, &img) && img.entry == 0x1100 &&
	      seg_is(&img.segments[0], 0x1000, 0, 512, 512),
	      "flat: load and entry given, real mode may use 0x1000");
	o.mode = VTX_MODE_PROT32;
	CHECK(parse(512, &o, &img) && strstr(err, "tables"),
	      "flat: 0x1000 in protected mode hits the GDT: %s", err);
	o.load = 0x7f000;
	o.entry = 0x7f000;
	CHECK(parse(512, &o, &img) && strstr(err, "stacks"),
	      "flat: over the vCPU stacks refused: %s", err);
	o = (struct vtx_image_opts){ .have_load = true, .load = 0x400 };
	CHECK(parse(512, &o, &img) && strstr(err, "interrupt vectors"),
	      "flat: over the real-mode IVT/BDA refused: %s", err);
	o.load = 0x500;
	CHECK(!parse(512, &o, &img), "flat: at 0x500 in real mode is fine");
	o.load = 0xfff00;
	CHECK(parse(512, &o, &img) && strstr(err, "1 MiB"),
	      "flat: crossing 1 MiB in real mode refused: %s", err);
	o = (struct vtx_image_opts){ .have_load = true, .load = 0xffffff00,
				     .mode = VTX_MODE_PROT32 };
	CHECK(parse(512, &o, &img) && strstr(err, "4 GiB"),
	      "flat: crossing 4 GiB refused: %s", err);
	o.load = UINT64_MAX - 10;
	CHECK(parse(512, &o, &img), "flat: a load address that wraps refused");

	o = (struct vtx_image_opts){ .have_entry = true, .entry = 0x7e00 };
	CHECK(parse(512, &o, &img), "flat: entry just past the end refused");
	CHECK(parse(0, NULL, &img) && strstr(err, "empty"),
	      "flat: an empty file refused: %s", err);
	CHECK(parse(3, NULL, &img) == 0 && img.kind == VTX_IMAGE_FLAT,
	      "flat: three bytes are a flat binary");
	o = (struct vtx_image_opts){ .mode = 7 };
	CHECK(parse(512, &o, &img), "an unknown mode value refused");

	mk_elf32();
	o = (struct vtx_image_opts){ .have_load = true, .load = 0x100000 };
	CHECK(parse(ELF32_LEN, &o, &img) && strstr(err, "flat"),
	      "a load address for an ELF refused: %s", err);
	o.flat = true;
	o.mode = VTX_MODE_PROT32;
	CHECK(!parse(ELF32_LEN, &o, &img) && img.kind == VTX_IMAGE_FLAT &&
	      seg_is(&img.segments[0], 0x100000, 0, ELF32_LEN, ELF32_LEN),
	      "flat forced on an ELF");
}

/* Every prefix of a good image: ok and consistent, or refused. */
static void test_truncation(const char *name, size_t (*mk)(void),
			    size_t must_fail_below, size_t min_ok)
{
	struct vtx_image img;
	size_t len = mk(), l;
	bool ok = true;

	for (l = 0; l <= len; l++) {
		int r = parse(l, NULL, &img);

		if (!r && !consistent(&img, l))
			ok = false;
		if (r && (err[0] == '\0' || strchr(err, '\n')))
			ok = false;
		if (!r && l >= 4 && l < must_fail_below)
			ok = false;
		if (r && l >= min_ok)
			ok = false;
	}
	CHECK(ok, "%s: every truncation 0..0x%zx is refused or consistent",
	      name, len);
}

static void test_elf_bad(void)
{
	struct vtx_image img;
	size_t len;

	len = mk_elf64();
	put64(file + 32, 0xffffffffffffff00ULL);
	CHECK(parse(len, NULL, &img), "ELF64: e_phoff near 2^64 refused: %s",
	      err);
	put64(file + 32, 0x170);
	CHECK(parse(len, NULL, &img) && strstr(err, "truncated") &&
	      strstr(err, "0x1a8"), "ELF64: e_phoff past the file: %s", err);
	mk_elf64();
	put16(file + 56, 0xffff);
	CHECK(parse(len, NULL, &img), "ELF64: e_phnum 0xffff refused: %s", err);
	put16(file + 56, 0);
	CHECK(parse(len, NULL, &img), "ELF64: no program headers refused: %s",
	      err);
	mk_elf64();
	put16(file + 54, 32);
	CHECK(parse(len, NULL, &img) && strstr(err, "56"),
	      "ELF64: e_phentsize 32 refused: %s", err);
	len = mk_elf32();
	put16(file + 42, 56);
	CHECK(parse(len, NULL, &img), "ELF32: e_phentsize 56 refused: %s", err);

	/* program headers */
	{
		struct ph p[VTX_IMAGE_MAX_SEGMENTS + 1];
		int i;

		mk_elf64();
		p[0] = (struct ph){ PT_LOAD, 0x100, 0xfffffffffffff000ULL,
				    0x10, 0x2000 };
		mk_elf(file, 64, 2, EM_X86_64, 0x100000, p, 1);
		CHECK(parse(ELF64_LEN, NULL, &img) && strstr(err, "4 GiB"),
		      "ELF64: p_paddr + p_memsz wraps: %s", err);
		p[0] = (struct ph){ PT_LOAD, 0x100, 0xfffff000, 0x10, 0x2000 };
		mk_elf(file, 64, 2, EM_X86_64, 0xfffff000, p, 1);
		CHECK(parse(ELF64_LEN, NULL, &img) && strstr(err, "4 GiB"),
		      "ELF64: segment crossing 4 GiB: %s", err);
		p[0] = (struct ph){ PT_LOAD, 0x100, 0xfffff000, 0x10, 0x2000 };
		mk_elf(file, 32, 2, EM_386, 0xfffff000, p, 1);
		CHECK(parse(ELF64_LEN, NULL, &img) && strstr(err, "4 GiB"),
		      "ELF32: segment crossing 4 GiB: %s", err);
		p[0] = (struct ph){ PT_LOAD, 0xffffffffffffff00ULL, 0x100000,
				    0x200, 0x200 };
		mk_elf(file, 64, 2, EM_X86_64, 0x100000, p, 1);
		CHECK(parse(ELF64_LEN, NULL, &img) && strstr(err, "beyond"),
		      "ELF64: p_offset + p_filesz wraps: %s", err);
		p[0] = (struct ph){ PT_LOAD, 0x100, 0x100000, 0x81, 0x200 };
		mk_elf(file, 64, 2, EM_X86_64, 0x100000, p, 1);
		CHECK(parse(ELF64_LEN, NULL, &img) && strstr(err, "0x181"),
		      "ELF64: segment data past the end: %s", err);
		p[0] = (struct ph){ PT_LOAD, 0x100, 0x100000, 0x80, 0x40 };
		mk_elf(file, 64, 2, EM_X86_64, 0x100000, p, 1);
		CHECK(parse(ELF64_LEN, NULL, &img) && strstr(err, "p_filesz"),
		      "ELF64: p_filesz > p_memsz: %s", err);
		p[0] = (struct ph){ PT_LOAD, 0x100, 0x100000, 0x80, 0x80 };
		p[1] = (struct ph){ PT_LOAD, 0x100, 0x10007f, 0x10, 0x10 };
		mk_elf(file, 64, 2, EM_X86_64, 0x100000, p, 2);
		CHECK(parse(0x200, NULL, &img) && strstr(err, "overlaps") &&
		      strstr(err, "header 1") && strstr(err, "header 0"),
		      "ELF64: overlapping segments: %s", err);
		p[1].paddr = 0x100080;
		mk_elf(file, 64, 2, EM_X86_64, 0x100000, p, 2);
		CHECK(!parse(0x200, NULL, &img), "ELF64: adjacent segments ok");
		p[1].paddr = 0xf0000;
		p[1].memsz = 0x10000;
		mk_elf(file, 64, 2, EM_X86_64, 0x100000, p, 2);
		CHECK(parse(0x200, NULL, &img) == 0, "ELF64: segment below "
		      "another, adjacent, ok (%s)", err);
		p[1].memsz = 0x10001;
		mk_elf(file, 64, 2, EM_X86_64, 0x100000, p, 2);
		CHECK(parse(0x200, NULL, &img), "ELF64: segment below another, "
		      "one byte in: %s", err);
		p[0] = (struct ph){ PT_LOAD, 0x100, 0x9f00, 0x80, 0x100 };
		mk_elf(file, 64, 2, EM_X86_64, 0x9f00, p, 1);
		CHECK(parse(0x200, NULL, &img) && strstr(err, "tables"),
		      "ELF64: segment over the reserved area: %s", err);
		p[0].paddr = 0xa000;
		mk_elf(file, 64, 2, EM_X86_64, 0xa000, p, 1);
		CHECK(!parse(0x200, NULL, &img), "ELF64: at 0xa000 it is fine");
		mk_elf(file, 64, 2, EM_X86_64, 0xa100, p, 1);
		CHECK(parse(0x200, NULL, &img) && strstr(err, "entry"),
		      "ELF64: entry outside the segments: %s", err);

		for (i = 0; i <= VTX_IMAGE_MAX_SEGMENTS; i++)
			p[i] = (struct ph){ PT_LOAD, 0x1000,
					    0x100000 + i * 0x1000, 0x10,
					    0x1000 };
		memset(file, 0, sizeof(file));
		mk_elf(file, 64, 2, EM_X86_64, 0x100000, p,
		       VTX_IMAGE_MAX_SEGMENTS);
		CHECK(!parse(0x1010, NULL, &img) &&
		      img.nr_segments == VTX_IMAGE_MAX_SEGMENTS,
		      "ELF64: %d PT_LOADs are fine", VTX_IMAGE_MAX_SEGMENTS);
		mk_elf(file, 64, 2, EM_X86_64, 0x100000, p,
		       VTX_IMAGE_MAX_SEGMENTS + 1);
		CHECK(parse(0x1010, NULL, &img) && strstr(err, "PT_LOAD"),
		      "ELF64: %d PT_LOADs refused: %s",
		      VTX_IMAGE_MAX_SEGMENTS + 1, err);
		for (i = 0; i <= VTX_IMAGE_MAX_SEGMENTS; i++)
			p[i].memsz = 0;
		p[0].filesz = 0;
		mk_elf(file, 64, 2, EM_X86_64, 0x100000, p, 1);
		CHECK(parse(0x1010, NULL, &img) && strstr(err, "nothing"),
		      "ELF64: only an empty PT_LOAD: loads nothing: %s", err);
	}

	/* the ELF header */
	len = mk_elf64();
	put16(file + 16, 3);
	CHECK(parse(len, NULL, &img) && strstr(err, "ET_DYN") &&
	      strstr(err, "static"), "ELF64: ET_DYN refused: %s", err);
	put16(file + 16, 1);
	CHECK(parse(len, NULL, &img), "ELF64: ET_REL refused: %s", err);
	mk_elf64();
	put16(file + 18, EM_386);
	CHECK(parse(len, NULL, &img) && strstr(err, "machine 3"),
	      "ELF64: EM_386 refused: %s", err);
	len = mk_elf32();
	put16(file + 18, EM_X86_64);
	CHECK(parse(len, NULL, &img) && strstr(err, "machine 62"),
	      "ELF32: EM_X86_64 refused: %s", err);
	mk_elf32();
	file[5] = 2;
	CHECK(parse(len, NULL, &img) && strstr(err, "endian"),
	      "ELF32: big-endian refused: %s", err);
	mk_elf32();
	file[4] = 3;
	CHECK(parse(len, NULL, &img) && strstr(err, "class"),
	      "ELF: class 3 refused: %s", err);
	mk_elf32();
	file[6] = 0;
	CHECK(parse(len, NULL, &img), "ELF: EI_VERSION 0 refused: %s", err);
	mk_elf32();
	put32(file + 20, 2);
	CHECK(parse(len, NULL, &img), "ELF: e_version 2 refused: %s", err);
	mk_elf64();
	CHECK(parse(0x70, NULL, &img) && strstr(err, "program headers end at "
						"byte 0x78"),
	      "ELF64: truncated: %s", err);
}

static void test_mb_bad(void)
{
	struct vtx_image img;
	size_t len = mk_mb_aout();

	put32(file + 0x18, get32(file + 0x18) + 1);
	CHECK(parse(len, NULL, &img) && strstr(err, "checksum"),
	      "Multiboot: bad checksum refused: %s", err);
	mk_mb(file, 0x10, 0x10013, 0x100010, 0x100000, 0, 0, 0x100020);
	CHECK(parse(len, NULL, &img) &&
	      strstr(err, "feature bit 4 that vtx-run does not provide"),
	      "Multiboot: required bit 4 refused: %s", err);
	mk_mb(file, 0x10, 0x18000, 0x100010, 0x100000, 0, 0, 0x100020);
	CHECK(parse(len, NULL, &img) && strstr(err, "bit 15"),
	      "Multiboot: required bit 15 refused: %s", err);
	mk_mb(file, 0x10, 0x10000, 0x100010, 0x100020, 0, 0, 0x100020);
	CHECK(parse(len, NULL, &img) && strstr(err, "header_addr"),
	      "Multiboot: header_addr below load_addr: %s", err);
	mk_mb(file, 0x10, 0x10000, 0x100010, 0x0fff00, 0, 0, 0x100020);
	CHECK(parse(len, NULL, &img) && strstr(err, "before"),
	      "Multiboot: load_addr before the file start: %s", err);
	mk_mb(file, 0x10, 0x10000, 0x100010, 0x100000, 0x100201, 0, 0x100020);
	CHECK(parse(len, NULL, &img) && strstr(err, "truncated"),
	      "Multiboot: load_end_addr past the file: %s", err);
	mk_mb(file, 0x10, 0x10000, 0x100010, 0x100000, 0x100000, 0, 0x100020);
	CHECK(parse(len, NULL, &img) && strstr(err, "load_end_addr"),
	      "Multiboot: load_end_addr == load_addr: %s", err);
	mk_mb(file, 0x10, 0x10000, 0x100010, 0x100000, 0, 0x1001ff, 0x100020);
	CHECK(parse(len, NULL, &img) && strstr(err, "bss_end_addr"),
	      "Multiboot: bss_end_addr inside the load area: %s", err);
	mk_mb(file, 0x10, 0x10000, 0x100010, 0x100000, 0, 0, 0x100200);
	CHECK(parse(len, NULL, &img) && strstr(err, "entry"),
	      "Multiboot: entry_addr past the load area: %s", err);
	mk_mb(file, 0x10, 0x10000, 0xfffffff0, 0xffffffe0, 0, 0, 0xffffffe0);
	CHECK(parse(len, NULL, &img) && strstr(err, "4 GiB"),
	      "Multiboot: load area crossing 4 GiB: %s", err);
	mk_mb(file, 0x10, 0x10000, 0x8010, 0x8000, 0, 0, 0x8000);
	CHECK(parse(len, NULL, &img) && strstr(err, "tables"),
	      "Multiboot: load area over the reserved area: %s", err);

	/* the magic must be 4-byte aligned, within the first 8 KiB */
	memset(file, 0, sizeof(file));
	mk_mb(file, 0x11, 0x10000, 0x100000, 0x100000, 0, 0, 0x100000);
	CHECK(!parse(0x100, NULL, &img) && img.kind == VTX_IMAGE_FLAT,
	      "Multiboot: a misaligned magic is not a header");
	memset(file, 0, sizeof(file));
	mk_mb(file, 0x2000 - 32, 0x10000, 0x100000, 0x100000, 0, 0, 0x100000);
	CHECK(!parse(0x2000, NULL, &img) && img.kind == VTX_IMAGE_MULTIBOOT,
	      "Multiboot: a header ending at 8 KiB is found");
	memset(file, 0, sizeof(file));
	mk_mb(file, 0x2000 - 8, 0x10000, 0, 0, 0, 0, 0);
	CHECK(!parse(0x2000, NULL, &img) && img.kind == VTX_IMAGE_FLAT,
	      "Multiboot: a magic crossing 8 KiB is not a header");
	memset(file, 0, sizeof(file));
	mk_mb(file, 0x2000 - 24, 0x10000, 0x100000, 0x100000, 0, 0, 0x100000);
	CHECK(parse(0x3000, NULL, &img) && strstr(err, "8 KiB"),
	      "Multiboot: address fields crossing 8 KiB refused: %s", err);
	memset(file, 0, sizeof(file));
	mk_mb(file, 0x1000, 0x10000, 0x100000, 0x100000, 0, 0, 0x100000);
	CHECK(parse(0x1014, NULL, &img) && strstr(err, "truncated"),
	      "Multiboot: address fields past the file refused: %s", err);

	/* without bit 16 */
	memset(file, 0, sizeof(file));
	mk_mb(file, 0, 0x3, 0, 0, 0, 0, 0);
	CHECK(parse(0x100, NULL, &img) && strstr(err, "bit 16"),
	      "Multiboot: no bit 16 and no ELF refused: %s", err);
	mk_elf64();
	mk_mb(file, 0x100, 0x3, 0, 0, 0, 0, 0);
	CHECK(parse(ELF64_LEN, NULL, &img) && strstr(err, "ELF32"),
	      "Multiboot: no bit 16 in an ELF64 refused: %s", err);
	mk_mb_elf();
	put16(file + 16, 3);
	CHECK(parse(ELF32_LEN, NULL, &img) && strstr(err, "ET_DYN"),
	      "Multiboot ELF: ET_DYN refused: %s", err);
}

static void test_load(void)
{
	static uint8_t mem[0x210000];
	struct vtx_image img;
	size_t len = mk_elf32(), i;
	bool ok;

	parse(len, NULL, &img);
	CHECK(!vtx_image_fits(&img, 0x201000, err, sizeof(err)),
	      "fits: exactly the end");
	CHECK(vtx_image_fits(&img, 0x200fff, err, sizeof(err)) &&
	      strstr(err, "0x201000") && strstr(err, "3 MiB"),
	      "fits: one byte short: %s", err);
	CHECK(vtx_image_load(&img, file, len, mem, 0x200fff) == -1,
	      "load: refuses what does not fit");

	memset(mem, 0xaa, sizeof(mem));
	CHECK(!vtx_image_load(&img, file, len, mem, sizeof(mem)),
	      "load: ELF32");
	CHECK(!memcmp(mem + 0x100000, file + 0x100, 0x40) &&
	      !memcmp(mem + 0x200000, file + 0x140, 0x10),
	      "load: file bytes copied");
	for (ok = true, i = 0x200010; i < 0x201000; i++)
		ok &= mem[i] == 0;
	CHECK(ok, "load: bss zero-filled");
	CHECK(mem[0xfffff] == 0xaa && mem[0x100040] == 0xaa &&
	      mem[0x1fffff] == 0xaa && mem[0x201000] == 0xaa,
	      "load: nothing written around the segments");
	CHECK(vtx_image_load(&img, file, 0x14f, mem, sizeof(mem)) == -1,
	      "load: refuses a buffer shorter than the segments");

	len = mk_mb_aout();
	parse(len, NULL, &img);
	memset(mem, 0xaa, sizeof(mem));
	CHECK(!vtx_image_load(&img, file, len, mem, sizeof(mem)) &&
	      !memcmp(mem + 0x100000, file, MBA_LEN) &&
	      mem[0x100000 + MBA_LEN] == 0 && mem[0x10ffff] == 0 &&
	      mem[0x110000] == 0xaa, "load: Multiboot a.out with bss");
}

static void test_mbi(void)
{
	static uint8_t mem[0x10000];
	static char longcmd[0x1000];
	/* only the MBI page is written: a small buffer stands for 64 MiB */
	uint64_t size = 64ULL << 20;
	const uint8_t *mbi = mem + VTX_RUN_MBI_GPA;
	uint32_t gpa, mmap, mlen, cmd, i;
	bool in;

	memset(mem, 0xaa, sizeof(mem));
	gpa = vtx_multiboot_info(mem, size, "console=ttyS0 quiet");
	CHECK_EQ(gpa, VTX_RUN_MBI_GPA, "MBI: at VTX_RUN_MBI_GPA");
	CHECK_EQ(get32(mbi), 0x245, "MBI: flags mem, cmdline, mmap, name");
	CHECK_EQ(get32(mbi + 4), 640, "MBI: mem_lower 640 KiB");
	CHECK_EQ(get32(mbi + 8), (size - 0x100000) >> 10,
		 "MBI: mem_upper in KiB above 1 MiB");
	cmd = get32(mbi + 16);
	CHECK(cmd >= VTX_RUN_MBI_GPA &&
	      cmd + 20 <= VTX_RUN_MBI_GPA + VTX_RUN_MBI_SIZE &&
	      !strcmp((char *)mem + cmd, "console=ttyS0 quiet"),
	      "MBI: the command line");
	CHECK(get32(mbi + 20) == 0 && get32(mbi + 24) == 0,
	      "MBI: no modules");
	cmd = get32(mbi + 64);
	CHECK(cmd >= VTX_RUN_MBI_GPA && cmd < VTX_RUN_MBI_GPA + 0x1000 &&
	      !strcmp((char *)mem + cmd, "vtx-run"), "MBI: boot loader name");
	mlen = get32(mbi + 44);
	mmap = get32(mbi + 48);
	CHECK_EQ(mlen, 3 * 24, "MBI: three mmap entries");
	CHECK(mmap >= VTX_RUN_MBI_GPA + 88 &&
	      mmap + mlen <= VTX_RUN_MBI_GPA + VTX_RUN_MBI_SIZE,
	      "MBI: mmap inside the MBI area, after the structure");
	{
		static const uint64_t want[3][3] = {
			{ 0, 0xa0000, 1 },
			{ 0xa0000, 0x60000, 2 },
			{ 0x100000, (64ULL << 20) - 0x100000, 1 },
		};

		for (i = 0; i < 3; i++) {
			const uint8_t *e = mem + mmap + i * 24;

			CHECK(get32(e) == 20 && get64(e + 4) == want[i][0] &&
			      get64(e + 12) == want[i][1] &&
			      get32(e + 20) == want[i][2],
			      "MBI: mmap entry %u: size 20, base 0x%llx, "
			      "length 0x%llx, type %llu", i,
			      (unsigned long long)want[i][0],
			      (unsigned long long)want[i][1],
			      (unsigned long long)want[i][2]);
		}
	}
	for (in = true, i = 0; i < sizeof(mem); i++)
		if (i < VTX_RUN_MBI_GPA ||
		    i >= VTX_RUN_MBI_GPA + VTX_RUN_MBI_SIZE)
			in &= mem[i] == 0xaa;
	CHECK(in, "MBI: nothing written outside its 4 KiB");

	/* 5 GiB: mmap lengths above 32 bits */
	vtx_multiboot_info(mem, 5ULL << 30, NULL);
	CHECK(get32(mbi) == 0x241 && get32(mbi + 16) == 0,
	      "MBI: no command line, no bit 2");
	CHECK(get64(mem + get32(mbi + 48) + 2 * 24 + 12) ==
	      (5ULL << 30) - 0x100000, "MBI: a 64-bit mmap length");

	vtx_multiboot_info(mem, 512 << 10, "");
	CHECK(get32(mbi + 4) == 512 && get32(mbi + 8) == 0 &&
	      get32(mbi + 44) == 24 && get64(mem + get32(mbi + 48) + 12) ==
	      512 << 10, "MBI: 512 KiB of memory: one mmap entry");
	CHECK(vtx_multiboot_info(mem, 0x9fff, "") == 0,
	      "MBI: memory ending before the MBI area refused");

	memset(longcmd, 'x', sizeof(longcmd) - 1);
	memset(mem, 0xaa, sizeof(mem));
	CHECK(vtx_multiboot_info(mem, size, longcmd) == 0 &&
	      mem[VTX_RUN_MBI_GPA] == 0xaa,
	      "MBI: a 4095-byte command line does not fit, nothing written");
	longcmd[0xf00 - 1] = '\0';
	CHECK(vtx_multiboot_info(mem, size, longcmd) == VTX_RUN_MBI_GPA &&
	      strlen((char *)mem + get32(mbi + 16)) == 0xeff &&
	      get32(mbi + 16) + 0xf00 <= VTX_RUN_MBI_GPA + VTX_RUN_MBI_SIZE,
	      "MBI: the longest command line fits");
	longcmd[0xf00 - 1] = 'x';
	longcmd[0xf00] = '\0';
	CHECK(vtx_multiboot_info(mem, size, longcmd) == 0,
	      "MBI: one byte more does not");
}

static void test_size(void)
{
	static const struct {
		const char *s;
		int ret;
		uint64_t bytes;
	} t[] = {
		{ "64M", 0, 64ULL << 20 },
		{ "1G", 0, 1ULL << 30 },
		{ "512K", 0, 512ULL << 10 },
		{ "512k", 0, 512ULL << 10 },
		{ "4096", 0, 4096 },
		{ "16g", 0, 16ULL << 30 },
		{ "0", -1, 0 },
		{ "0M", -1, 0 },
		{ "", -1, 0 },
		{ "12Q", -1, 0 },
		{ "64MB", -1, 0 },
		{ "M", -1, 0 },
		{ " 64M", -1, 0 },
		{ "64 M", -1, 0 },
		{ "99999999999999999999G", -1, 0 },
		{ "18446744073709551615", 0, UINT64_MAX },
		{ "18446744073709551616", -1, 0 },
		{ "17179869184G", -1, 0 },	/* 2^34 GiB = 2^64 */
		{ "-1", -1, 0 },
		{ "+1", -1, 0 },
	};
	uint64_t b;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		b = 0x1234;
		CHECK(vtx_parse_size(t[i].s, &b) == t[i].ret &&
		      b == (t[i].ret ? 0x1234 : t[i].bytes),
		      "parse_size \"%s\" -> %d", t[i].s, t[i].ret);
	}
}

static void test_names(void)
{
	enum vtx_mode m = VTX_MODE_AUTO;

	CHECK(!vtx_mode_parse("real", &m) && m == VTX_MODE_REAL,
	      "mode_parse: real");
	CHECK(!vtx_mode_parse("prot32", &m) && m == VTX_MODE_PROT32,
	      "mode_parse: prot32");
	m = VTX_MODE_AUTO;
	CHECK(!vtx_mode_parse("protected", &m) && m == VTX_MODE_PROT32,
	      "mode_parse: protected");
	CHECK(!vtx_mode_parse("long64", &m) && m == VTX_MODE_LONG64,
	      "mode_parse: long64");
	m = VTX_MODE_AUTO;
	CHECK(!vtx_mode_parse("long", &m) && m == VTX_MODE_LONG64,
	      "mode_parse: long");
	CHECK(!vtx_mode_parse("auto", &m) && m == VTX_MODE_AUTO,
	      "mode_parse: auto");
	CHECK(vtx_mode_parse("Long", &m) == -1 &&
	      vtx_mode_parse("", &m) == -1 &&
	      vtx_mode_parse("real ", &m) == -1 && m == VTX_MODE_AUTO,
	      "mode_parse: unknown names refused, mode untouched");
	CHECK(!strcmp(vtx_mode_name(VTX_MODE_REAL), "real") &&
	      !strcmp(vtx_mode_name(VTX_MODE_PROT32), "prot32") &&
	      !strcmp(vtx_mode_name(VTX_MODE_LONG64), "long64") &&
	      !strcmp(vtx_mode_name(VTX_MODE_AUTO), "auto"), "mode names");
	CHECK(!strcmp(vtx_image_kind_name(VTX_IMAGE_FLAT), "flat") &&
	      !strcmp(vtx_image_kind_name(VTX_IMAGE_ELF32), "ELF32") &&
	      !strcmp(vtx_image_kind_name(VTX_IMAGE_ELF64), "ELF64") &&
	      !strcmp(vtx_image_kind_name(VTX_IMAGE_MULTIBOOT), "Multiboot"),
	      "kind names");
}

int main(void)
{
	printf("TAP version 13\n");
	test_elf32();
	test_elf64();
	test_multiboot();
	test_flat();
	/* ELF: any cut below the end of the program headers is refused */
	test_truncation("ELF32", mk_elf32, 52 + 4 * 32, ELF32_LEN);
	test_truncation("ELF64", mk_elf64, 64 + 56, ELF64_LEN);
	test_truncation("Multiboot ELF", mk_mb_elf, 52 + 4 * 32, ELF32_LEN);
	/* a.out: loaded to the end of the file, so shorter files may run */
	test_truncation("Multiboot a.out", mk_mb_aout, 0, MBA_LEN);
	test_elf_bad();
	test_mb_bad();
	test_load();
	test_mbi();
	test_size();
	test_names();
	return unit_done();
}

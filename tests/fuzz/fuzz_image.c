// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for user/lib/image.c, vtx-run's image parser.
 * The first input byte picks the options, the rest is the file.  Whatever
 * the parser accepts must hold the promises of image.h, and must load.
 *   make -C tests/fuzz run FUZZ_SECONDS=60
 */
#include <stdlib.h>
#include <string.h>

#include "user/lib/image.h"

#define MEM_SIZE	(16u << 20)
#define GIB4		0x100000000ULL

#define ASSERT(cond)	do { if (!(cond)) abort(); } while (0)

static uint8_t *mem;

static bool overlaps(uint64_t a, uint64_t a_end, uint64_t b, uint64_t b_end)
{
	return a < b_end && b < a_end;
}

static void check_err(const char *err, size_t n)
{
	size_t l = strnlen(err, n);

	ASSERT(l > 0 && l < n);
	ASSERT(!memchr(err, '\n', l));
}

static void check(const uint8_t *buf, size_t len,
		  const struct vtx_image_opts *o)
{
	struct vtx_image img;
	char err[256];
	uint64_t end = 0;
	bool entry = false, real;
	unsigned int i, j;

	memset(err, 'X', sizeof(err));
	if (vtx_image_parse(buf, len, o, &img, err, sizeof(err))) {
		check_err(err, sizeof(err));
		return;
	}
	ASSERT(err[0] == '\0');
	ASSERT(img.mode != VTX_MODE_AUTO && img.mode <= VTX_MODE_LONG64);
	ASSERT(img.kind <= VTX_IMAGE_MULTIBOOT);
	ASSERT(o->mode == VTX_MODE_AUTO || img.mode == o->mode);
	ASSERT(img.kind != VTX_IMAGE_MULTIBOOT || img.mode == VTX_MODE_PROT32);
	ASSERT(!o->flat || img.kind == VTX_IMAGE_FLAT);
	ASSERT(!o->have_entry || img.entry == o->entry);
	ASSERT(img.nr_segments >= 1 &&
	       img.nr_segments <= VTX_IMAGE_MAX_SEGMENTS);
	real = img.mode == VTX_MODE_REAL;
	for (i = 0; i < img.nr_segments; i++) {
		const struct vtx_segment *s = &img.segments[i];
		uint64_t s_end = s->gpa + s->mem_size;

		ASSERT(s->file_offset <= len &&
		       s->file_size <= len - s->file_offset);
		ASSERT(s->file_size <= s->mem_size && s->mem_size);
		ASSERT(s->gpa < GIB4 && s->mem_size <= GIB4 - s->gpa);
		if (real) {
			ASSERT(s->gpa >= 0x500 && s_end <= 0x100000);
		} else {
			ASSERT(!overlaps(s->gpa, s_end, VTX_RUN_RESERVED_LO,
					 VTX_RUN_RESERVED_HI));
			ASSERT(!overlaps(s->gpa, s_end, VTX_RUN_STACKS_LO,
					 VTX_RUN_STACK_TOP));
		}
		for (j = 0; j < i; j++)
			ASSERT(!overlaps(s->gpa, s_end, img.segments[j].gpa,
					 img.segments[j].gpa +
					 img.segments[j].mem_size));
		if (img.entry >= s->gpa && img.entry < s_end)
			entry = true;
		if (s_end > end)
			end = s_end;
	}
	ASSERT(entry);
	ASSERT(img.end == end);

	ASSERT(!vtx_image_fits(&img, end, err, sizeof(err)));
	ASSERT(vtx_image_fits(&img, end - 1, err, sizeof(err)) == -1);
	check_err(err, sizeof(err));
	if (end > MEM_SIZE) {
		ASSERT(vtx_image_load(&img, buf, len, mem, MEM_SIZE) == -1);
		return;
	}
	ASSERT(!vtx_image_fits(&img, MEM_SIZE, err, sizeof(err)));
	ASSERT(!vtx_image_load(&img, buf, len, mem, MEM_SIZE));
	for (i = 0; i < img.nr_segments; i++) {
		const struct vtx_segment *s = &img.segments[i];
		uint64_t k;

		ASSERT(!memcmp(mem + s->gpa, buf + s->file_offset,
			       s->file_size));
		for (k = s->file_size; k < s->mem_size; k++)
			ASSERT(mem[s->gpa + k] == 0);
		/* leave a mark, so the next load must really write */
		memset(mem + s->gpa, 0xa5, s->mem_size);
	}
}

/* The string helpers, on the input as a C string. */
static void check_strings(const uint8_t *data, size_t size)
{
	char s[64];
	uint64_t bytes;
	enum vtx_mode mode;
	size_t n = size < sizeof(s) - 1 ? size : sizeof(s) - 1;

	memcpy(s, data, n);
	s[n] = '\0';
	if (!vtx_parse_size(s, &bytes))
		ASSERT(bytes);
	if (!vtx_mode_parse(s, &mode))
		ASSERT(!strcmp(vtx_mode_name(mode), s) ||
		       mode != VTX_MODE_AUTO);
}

static void check_mbi(const uint8_t *data, size_t size)
{
	static char cmd[VTX_RUN_MBI_SIZE + 16];
	size_t n = size < sizeof(cmd) - 1 ? size : sizeof(cmd) - 1;
	uint32_t gpa;

	memcpy(cmd, data, n);
	cmd[n] = '\0';
	gpa = vtx_multiboot_info(mem, MEM_SIZE, cmd);
	ASSERT(gpa == 0 || gpa == VTX_RUN_MBI_GPA);
	if (strlen(cmd) < 0x100)
		ASSERT(gpa == VTX_RUN_MBI_GPA);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vtx_image_opts o = { 0 };
	uint8_t sel;

	if (!mem) {
		mem = malloc(MEM_SIZE);
		ASSERT(mem);
	}
	if (!size)
		return 0;
	sel = data[0];
	data++;
	size--;

	/* what the launcher does without options */
	check(data, size, &o);

	/* and one variant: bits 0-1 mode, 2 flat, 3 load, 4 entry */
	o.mode = (enum vtx_mode)(sel & 3);
	o.flat = sel & 4;
	o.have_load = sel & 8;
	o.load = o.mode == VTX_MODE_REAL ? 0x1000 : 0x200000;
	o.have_entry = sel & 16;
	o.entry = (o.have_load ? o.load : o.mode == VTX_MODE_REAL ?
		   VTX_FLAT_REAL_LOAD : VTX_FLAT_LOAD) + (sel >> 5) * 0x40;
	check(data, size, &o);

	check_strings(data, size);
	if (sel == 0xff)
		check_mbi(data, size);
	return 0;
}

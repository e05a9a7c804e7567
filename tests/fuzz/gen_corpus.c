// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the seed corpus of fuzz_image into the directory named by argv[1]:
 * a tiny ELF32, ELF64, Multiboot a.out kludge, Multiboot ELF and flat
 * binary, each after the option byte fuzz_image reads first.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint8_t b[0x200];

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

/* A static executable: one PT_LOAD of 0x80 file bytes, 0x1000 in memory. */
static void elf(int class, uint16_t machine, uint32_t paddr)
{
	uint8_t *p;

	memset(b, 0x90, sizeof(b));
	memset(b, 0, 0x100);
	memcpy(b, "\x7f" "ELF", 4);
	b[4] = class == 32 ? 1 : 2;
	b[5] = 1;
	b[6] = 1;
	put16(b + 16, 2);
	put16(b + 18, machine);
	put32(b + 20, 1);
	if (class == 32) {
		put32(b + 24, paddr);
		put32(b + 28, 52);
		put16(b + 40, 52);
		put16(b + 42, 32);
		put16(b + 44, 1);
		p = b + 52;
		put32(p, 1);
		put32(p + 4, 0x100);
		put32(p + 8, paddr);
		put32(p + 12, paddr);
		put32(p + 16, 0x80);
		put32(p + 20, 0x1000);
	} else {
		put64(b + 24, paddr);
		put64(b + 32, 64);
		put16(b + 52, 64);
		put16(b + 54, 56);
		put16(b + 56, 1);
		p = b + 64;
		put32(p, 1);
		put64(p + 8, 0x100);
		put64(p + 16, paddr);
		put64(p + 24, paddr);
		put64(p + 32, 0x80);
		put64(p + 40, 0x1000);
	}
}

static void mb(size_t off, uint32_t flags, uint32_t header, uint32_t load,
	       uint32_t load_end, uint32_t bss_end, uint32_t entry)
{
	put32(b + off, 0x1badb002);
	put32(b + off + 4, flags);
	put32(b + off + 8, -(0x1badb002u + flags));
	if (flags & (1u << 16)) {
		put32(b + off + 12, header);
		put32(b + off + 16, load);
		put32(b + off + 20, load_end);
		put32(b + off + 24, bss_end);
		put32(b + off + 28, entry);
	}
}

static int out(const char *dir, const char *name, uint8_t sel, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fputc(sel, f) == EOF || fwrite(b, 1, len, f) != len ||
	    fclose(f)) {
		perror(path);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	elf(32, 3, 0x100000);
	rc |= out(argv[1], "elf32", 0, 0x180);
	elf(32, 3, 0x10000);
	rc |= out(argv[1], "elf32-real", 1, 0x180);
	elf(64, 62, 0x100000);
	rc |= out(argv[1], "elf64", 0, 0x180);
	elf(32, 3, 0x100000);
	mb(0x100, 0x3, 0, 0, 0, 0, 0);
	rc |= out(argv[1], "multiboot-elf", 0, 0x180);
	memset(b, 0xf4, sizeof(b));
	mb(0x10, 0x10007, 0x100010, 0x100000, 0, 0x110000, 0x100030);
	rc |= out(argv[1], "multiboot-aout", 0xff, 0x100);
	memset(b, 0xf4, sizeof(b));
	b[0] = 0xeb;
	b[1] = 0xfe;
	rc |= out(argv[1], "flat", 0, 0x200);
	rc |= out(argv[1], "flat-prot32", 0x12, 0x40);
	return rc;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * --dump-vmcs, --dump-ept and --ept-graph: what vtx tells the hardware,
 * for people studying VMX and EPT.  Every name here (VMCS fields, control
 * bits) comes from the kernel through the vtx-only ioctls of <vtx.h>;
 * vtx-run only lays the answers out.  Dumps go to stderr: stdout is the
 * guest's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vtx.h>

#include "vm.h"

/* Dumps of several vCPUs must not interleave their lines. */
static pthread_mutex_t vtx_dump_lock = PTHREAD_MUTEX_INITIALIZER;

#define VTX_DUMP_HIDDEN_TEXT	"(hidden without CAP_SYS_ADMIN)"

/*
 * Does the device have the dump @what at all?  Says so once per kind when
 * it does not: KVM answers vtx's ioctls with ENOTTY (EINVAL on a vCPU fd),
 * and an older vtx with ENOTTY.
 */
static bool vtx_dump_missing(struct vtx_run_vm *vm, int err, const char *what,
			     const char *ioctl_name, bool *said)
{
	if (vm->is_vtx && err != ENOTTY)
		return false;
	if (!*said)
		fprintf(stderr, "vtx-run: %s has no %s (%s: %s); going on "
			"without it\n", vm->device, what, ioctl_name,
			vm->is_vtx ? strerror(err) : "not a vtx device");
	*said = true;
	return true;
}

/*
 * The dump ioctls' convention (include/uapi/vtx.h): a header whose first
 * word is the count of entries the caller made room for; E2BIG says how
 * many are needed.  Returns the buffer with the count in its first word,
 * or NULL with errno set.
 */
static void *vtx_dump_fetch(int fd, unsigned long req, size_t hdr, size_t elem,
			    uint32_t guess)
{
	uint32_t nr = guess;
	int tries;

	for (tries = 0; tries < 8; tries++) {
		void *buf = calloc(1, hdr + (size_t)nr * elem);

		if (!buf)
			return NULL;
		memcpy(buf, &nr, sizeof(nr));
		if (!ioctl(fd, req, buf))
			return buf;
		if (errno != E2BIG) {
			int e = errno;

			free(buf);
			errno = e;
			return NULL;
		}
		/* Out: the entries needed; they may grow while we ask. */
		memcpy(&nr, buf, sizeof(nr));
		free(buf);
		if (nr > (1u << 24)) {
			errno = EOVERFLOW;
			return NULL;
		}
		nr += 16;
	}
	errno = E2BIG;
	return NULL;
}

/* --- the VMCS -------------------------------------------------------------- */

/* SDM Appendix B's headings, from the encoding (bits 14:13, 11:10). */
static const char *const vtx_width_heading[] = {
	"16-bit", "64-bit", "32-bit", "natural-width",
};
static const char *const vtx_type_heading[] = {
	"control", "read-only data", "guest-state", "host-state",
};

/* The names of a control word's bits set, under its name, wrapped. */
static void vtx_print_bits(const char *bits)
{
	const int indent = 46, width = 100;
	const char *p = bits, *end = bits + strnlen(bits, VTX_VMCS_BITS_LEN);
	int col = fprintf(stderr, "%*s bits set:", indent, "");

	while (p < end) {
		const char *comma = memchr(p, ',', end - p);
		int n = comma ? comma - p + 1 : end - p;

		if (col + 1 + n > width && col > indent + 10)
			col = fprintf(stderr, "\n%*s          ", indent, "") - 1;
		col += fprintf(stderr, " %.*s", n, p);
		p += n;
		while (p < end && *p == ' ')
			p++;
	}
	fputc('\n', stderr);
}

static void vtx_print_vmcs_field(const struct vtx_vmcs_field *f)
{
	char value[40];

	if (f->flags & VTX_DUMP_HIDDEN)
		snprintf(value, sizeof(value), "%s", VTX_DUMP_HIDDEN_TEXT);
	else if (f->flags & VTX_DUMP_UNSUPPORTED)
		snprintf(value, sizeof(value), "(not on this CPU)");
	else if (f->width == 16)
		snprintf(value, sizeof(value), "0x%04llx",
			 (unsigned long long)f->value);
	else if (f->width == 32)
		snprintf(value, sizeof(value), "0x%08llx",
			 (unsigned long long)f->value);
	else
		snprintf(value, sizeof(value), "0x%016llx",
			 (unsigned long long)f->value);
	fprintf(stderr, "  0x%04x %2u  %-30s  %.*s\n", f->encoding, f->width,
		value, VTX_VMCS_NAME_LEN, f->name);
	if (f->bits[0])
		vtx_print_bits(f->bits);
}

void vtx_dump_vmcs(struct vtx_run_vm *vm, struct vtx_run_vcpu *v,
		   const char *when)
{
	static bool said;
	struct vtx_vmcs_dump *d;
	unsigned int i, group = ~0u;

	if (!vm->is_vtx) {
		vtx_dump_missing(vm, ENOTTY, "VMCS dump", "VTX_GET_VMCS", &said);
		return;
	}
	d = vtx_dump_fetch(v->fd, VTX_GET_VMCS, sizeof(*d),
			   sizeof(d->fields[0]), 256);
	if (!d) {
		if (!vtx_dump_missing(vm, errno, "VMCS dump", "VTX_GET_VMCS",
				      &said))
			fprintf(stderr, "vtx-run: VTX_GET_VMCS on vCPU %u: %s\n",
				v->index, strerror(errno));
		return;
	}
	pthread_mutex_lock(&vtx_dump_lock);
	fprintf(stderr, "vtx-run: VMCS of vCPU %u %s: %u fields\n", v->index,
		when, d->nr);
	fprintf(stderr, "  %-6s %2s  %-30s  %s\n", "field", "w", "value",
		"SDM name");
	for (i = 0; i < d->nr; i++) {
		const struct vtx_vmcs_field *f = &d->fields[i];
		unsigned int g = (f->encoding >> 10) & 0xf;

		if (g != group) {
			fprintf(stderr, " %s %s fields\n",
				vtx_width_heading[(f->encoding >> 13) & 3],
				vtx_type_heading[(f->encoding >> 10) & 3]);
			group = g;
		}
		vtx_print_vmcs_field(f);
	}
	fprintf(stderr, "vtx-run: end of the VMCS of vCPU %u\n", v->index);
	pthread_mutex_unlock(&vtx_dump_lock);
	free(d);
}

/* --- EPT ------------------------------------------------------------------- */

struct vtx_ept_dump {
	struct vtx_ept_mappings *maps;
	struct vtx_ept_tree *tree;
};

/* Both views of the EPT of @vm; false (said why) when there are none. */
static bool vtx_ept_fetch(struct vtx_run_vm *vm, struct vtx_ept_dump *e,
			  bool want_tree)
{
	static bool said;

	memset(e, 0, sizeof(*e));
	if (!vm->is_vtx) {
		vtx_dump_missing(vm, ENOTTY, "EPT dump", "VTX_GET_EPT_MAPPINGS",
				 &said);
		return false;
	}
	e->maps = vtx_dump_fetch(vm->vm_fd, VTX_GET_EPT_MAPPINGS,
				 sizeof(*e->maps), sizeof(e->maps->mappings[0]),
				 64);
	if (!e->maps) {
		if (!vtx_dump_missing(vm, errno, "EPT dump",
				      "VTX_GET_EPT_MAPPINGS", &said))
			fprintf(stderr, "vtx-run: VTX_GET_EPT_MAPPINGS: %s\n",
				strerror(errno));
		return false;
	}
	if (!want_tree)
		return true;
	e->tree = vtx_dump_fetch(vm->vm_fd, VTX_GET_EPT_TREE, sizeof(*e->tree),
				 sizeof(e->tree->entries[0]), 256);
	if (!e->tree) {
		fprintf(stderr, "vtx-run: VTX_GET_EPT_TREE: %s\n",
			strerror(errno));
		free(e->maps);
		return false;
	}
	return true;
}

static void vtx_ept_free(struct vtx_ept_dump *e)
{
	free(e->maps);
	free(e->tree);
}

static void vtx_perms_str(uint32_t perms, char out[4])
{
	out[0] = perms & VTX_EPT_PERM_READ ? 'R' : '-';
	out[1] = perms & VTX_EPT_PERM_WRITE ? 'W' : '-';
	out[2] = perms & VTX_EPT_PERM_EXEC ? 'X' : '-';
	out[3] = '\0';
}

/* The x86 memory types (SDM Vol. 3A 12.3); the rest are reserved. */
static const char *vtx_memtype_name(uint32_t t)
{
	static const char *const names[8] = {
		[0] = "UC", [1] = "WC", [4] = "WT", [5] = "WP", [6] = "WB",
	};

	return t < 8 && names[t] ? names[t] : "type?";
}

static void vtx_size_str(uint64_t size, char *out, size_t len)
{
	if (size && !(size & ((1ULL << 30) - 1)))
		snprintf(out, len, "%lluG", (unsigned long long)(size >> 30));
	else if (size && !(size & ((1ULL << 20) - 1)))
		snprintf(out, len, "%lluM", (unsigned long long)(size >> 20));
	else if (size && !(size & ((1ULL << 10) - 1)))
		snprintf(out, len, "%lluK", (unsigned long long)(size >> 10));
	else
		snprintf(out, len, "%llu", (unsigned long long)size);
}

static const struct vtx_ept_mapping *
vtx_mapping_of(const struct vtx_ept_mappings *m, uint64_t gpa)
{
	uint32_t i;

	for (i = 0; i < m->nr; i++)
		if (gpa >= m->mappings[i].gpa &&
		    gpa - m->mappings[i].gpa < m->mappings[i].size)
			return &m->mappings[i];
	return NULL;
}

/* "RWX WB 2M" of the leaf at @gpa, from the mapping that holds it. */
static void vtx_leaf_str(const struct vtx_ept_mappings *m, uint64_t gpa,
			 char *out, size_t len)
{
	const struct vtx_ept_mapping *map = vtx_mapping_of(m, gpa);
	char perms[4], ps[24];

	if (!map) {
		snprintf(out, len, "leaf");
		return;
	}
	vtx_perms_str(map->perms, perms);
	vtx_size_str(map->page_size, ps, sizeof(ps));
	snprintf(out, len, "%s %s %s", perms, vtx_memtype_name(map->memtype),
		 ps);
}

/* The paging-structure names of SDM 29.3.2, by level. */
static const char *vtx_level_name(uint32_t level)
{
	static const char *const names[] = { "?", "PT", "PD", "PDPT", "PML4" };

	return level < 5 ? names[level] : "?";
}

static void vtx_print_mappings(const struct vtx_ept_mappings *m)
{
	uint64_t total = 0;
	uint32_t i;

	fprintf(stderr, "vtx-run: EPT mappings: %u\n", m->nr);
	for (i = 0; i < m->nr; i++) {
		const struct vtx_ept_mapping *map = &m->mappings[i];
		char perms[4], ps[24], hpa[40];

		vtx_perms_str(map->perms, perms);
		vtx_size_str(map->page_size, ps, sizeof(ps));
		if (map->flags & VTX_DUMP_HIDDEN)
			snprintf(hpa, sizeof(hpa), "%s", VTX_DUMP_HIDDEN_TEXT);
		else
			snprintf(hpa, sizeof(hpa), "0x%016llx",
				 (unsigned long long)map->hpa);
		fprintf(stderr, "  GPA 0x%016llx-0x%016llx -> HPA %s %s %s %s",
			(unsigned long long)map->gpa,
			(unsigned long long)(map->gpa + map->size - 1), hpa,
			perms, vtx_memtype_name(map->memtype), ps);
		if (map->page_size && map->size / map->page_size > 1)
			fprintf(stderr, " x %llu",
				(unsigned long long)(map->size / map->page_size));
		fputc('\n', stderr);
		total += map->size;
	}
	fprintf(stderr, "  total %llu KiB mapped\n",
		(unsigned long long)(total >> 10));
}

static void vtx_print_tree(const struct vtx_ept_tree *t,
			   const struct vtx_ept_mappings *m)
{
	uint32_t i;

	fprintf(stderr, "vtx-run: EPT paging structures: %u present entries "
		"(table 0 is the PML4 the EPT pointer names)\n", t->nr);
	for (i = 0; i < t->nr; i++) {
		const struct vtx_ept_entry *e = &t->entries[i];
		unsigned int indent = e->level <= 4 ? 2 * (4 - e->level) : 0;
		char what[64];

		if (e->next_table >= 0)
			snprintf(what, sizeof(what), "-> table %d",
				 e->next_table);
		else
			vtx_leaf_str(m, e->gpa, what, sizeof(what));
		fprintf(stderr, "  %*s%-4s table %u [%3u]  GPA 0x%016llx  "
			"0x%016llx%s  %s\n", indent, "",
			vtx_level_name(e->level), e->table, e->index,
			(unsigned long long)e->gpa,
			(unsigned long long)e->value,
			e->flags & VTX_DUMP_HIDDEN ? " (address hidden)" : "",
			what);
	}
}

void vtx_dump_ept(struct vtx_run_vm *vm)
{
	struct vtx_ept_dump e;

	if (!vtx_ept_fetch(vm, &e, true))
		return;
	pthread_mutex_lock(&vtx_dump_lock);
	vtx_print_mappings(e.maps);
	vtx_print_tree(e.tree, e.maps);
	pthread_mutex_unlock(&vtx_dump_lock);
	vtx_ept_free(&e);
}

/* --- the EPT as a graphviz graph ------------------------------------------- */

/* Child tables drawn per table; the rest are summarised in one node. */
#define VTX_GRAPH_MAX_CHILDREN	8

struct vtx_graph {
	FILE *f;
	const struct vtx_ept_tree *t;
	const struct vtx_ept_mappings *m;
	bool *drawn;		/* by table number: has a node */
	uint32_t nr_tables;
	unsigned int nr_notes;
};

static void vtx_graph_leaves(struct vtx_graph *g, uint32_t table,
			     const struct vtx_ept_entry *first,
			     const struct vtx_ept_entry *last)
{
	const struct vtx_ept_mapping *map = vtx_mapping_of(g->m, first->gpa);
	uint64_t ps = map ? map->page_size : 4096;
	char which[32], size[24], perms[4] = "?";

	if (first == last)
		snprintf(which, sizeof(which), "entry %u", first->index);
	else
		snprintf(which, sizeof(which), "entries %u-%u", first->index,
			 last->index);
	vtx_size_str(ps, size, sizeof(size));
	if (map)
		vtx_perms_str(map->perms, perms);
	fprintf(g->f, "  n%u [shape=note, label=\"%s: %s pages, %s %s\\n"
		"GPA 0x%llx-0x%llx\"];\n  t%u -> n%u;\n", g->nr_notes, which,
		size, perms, map ? vtx_memtype_name(map->memtype) : "?",
		(unsigned long long)first->gpa,
		(unsigned long long)(last->gpa + ps - 1), table, g->nr_notes);
	g->nr_notes++;
}

/*
 * One table's node and its edges: an edge per child table (up to
 * VTX_GRAPH_MAX_CHILDREN), one note per run of leaves that look the same
 * (consecutive indices, same permissions, memory type and page size).
 */
static void vtx_graph_table(struct vtx_graph *g, uint32_t table)
{
	const struct vtx_ept_entry *run = NULL, *prev = NULL;
	char run_what[64], what[64];
	unsigned int children = 0, skipped = 0, skip_first = 0, skip_last = 0;
	uint32_t i, level = 0;

	for (i = 0; i < g->t->nr; i++) {
		const struct vtx_ept_entry *e = &g->t->entries[i];

		if (e->table != table)
			continue;
		level = e->level;
		if (e->next_table >= 0) {
			if (run)
				vtx_graph_leaves(g, table, run, prev);
			run = NULL;
			if (children++ < VTX_GRAPH_MAX_CHILDREN) {
				fprintf(g->f, "  t%u -> t%d [label=\"[%u] GPA "
					"0x%llx\"];\n", table, e->next_table,
					e->index, (unsigned long long)e->gpa);
				if ((uint32_t)e->next_table < g->nr_tables)
					g->drawn[e->next_table] = true;
			} else {
				if (!skipped++)
					skip_first = e->index;
				skip_last = e->index;
			}
			prev = e;
			continue;
		}
		vtx_leaf_str(g->m, e->gpa, what, sizeof(what));
		if (run && prev && prev->next_table < 0 &&
		    e->index == prev->index + 1 && !strcmp(what, run_what)) {
			prev = e;
			continue;
		}
		if (run)
			vtx_graph_leaves(g, table, run, prev);
		run = prev = e;
		strcpy(run_what, what);
	}
	if (run)
		vtx_graph_leaves(g, table, run, prev);
	fprintf(g->f, "  t%u [label=\"%s (table %u)\\nlevel %u\"];\n", table,
		vtx_level_name(level), table, level);
	if (skipped) {
		fprintf(g->f, "  n%u [shape=note, style=dashed, label=\"entries "
			"%u-%u: %u more tables\\n(not drawn)\"];\n  t%u -> n%u;\n",
			g->nr_notes, skip_first, skip_last, skipped, table,
			g->nr_notes);
		g->nr_notes++;
	}
}

static int vtx_graph_write(const char *path, const struct vtx_ept_dump *e,
			   const char *title)
{
	struct vtx_graph g = { .t = e->tree, .m = e->maps };
	char label[256];
	uint32_t i, n = 0;

	/* The title is a dot string: no quotes or backslashes in it. */
	for (i = 0; title[i] && n < sizeof(label) - 1; i++)
		label[n++] = title[i] == '"' || title[i] == '\\' ? '_' : title[i];
	label[n] = '\0';

	for (i = 0; i < e->tree->nr; i++)
		if (e->tree->entries[i].table + 1 > g.nr_tables)
			g.nr_tables = e->tree->entries[i].table + 1;
	g.drawn = calloc(g.nr_tables + 1, sizeof(*g.drawn));
	g.f = fopen(path, "w");
	if (!g.drawn || !g.f) {
		fprintf(stderr, "vtx-run: --ept-graph: cannot write %s: %s\n",
			path, strerror(errno));
		free(g.drawn);
		if (g.f)
			fclose(g.f);
		return -1;
	}
	fprintf(g.f, "// The EPT of a vtx guest, from vtx-run --ept-graph.\n"
		"// Render: dot -Tsvg -o ept.svg %s\n"
		"digraph ept {\n  rankdir=LR;\n"
		"  labelloc=t;\n  label=\"%s\";\n"
		"  node [shape=box, fontname=\"monospace\", fontsize=10];\n"
		"  edge [fontname=\"monospace\", fontsize=9];\n"
		"  eptp [shape=plaintext, label=\"EPT pointer\"];\n"
		"  eptp -> t0;\n", path, label);
	if (g.nr_tables)
		g.drawn[0] = true;
	/* Parents come before their children in table order (depth first). */
	for (i = 0; i < g.nr_tables; i++)
		if (g.drawn[i])
			vtx_graph_table(&g, i);
	fprintf(g.f, "}\n");
	free(g.drawn);
	if (fclose(g.f)) {
		fprintf(stderr, "vtx-run: --ept-graph: writing %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* Is @prog an executable somewhere on PATH? */
static bool vtx_have_program(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (!path)
		path = "/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, prog);
		if (n && !access(buf, X_OK))
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

static int vtx_render_svg(const char *dot, const char *svg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execlp("dot", "dot", "-Tsvg", "-o", svg, dot, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

int vtx_ept_graph(struct vtx_run_vm *vm, const char *path, const char *title)
{
	struct vtx_ept_dump e;
	size_t len = strlen(path);
	char *dot, *svg;
	int r = -1;

	if (!vtx_ept_fetch(vm, &e, true))
		return -1;
	/* FILE.dot: the description only; else FILE's stem + .dot, rendered. */
	if (len > 4 && !strcmp(path + len - 4, ".dot")) {
		r = vtx_graph_write(path, &e, title);
		if (!r)
			fprintf(stderr, "vtx-run: --ept-graph: wrote %s (render "
				"it with: dot -Tsvg -o ept.svg %s)\n", path,
				path);
		vtx_ept_free(&e);
		return r;
	}
	if (len > 4 && !strcmp(path + len - 4, ".svg"))
		len -= 4;
	if (asprintf(&dot, "%.*s.dot", (int)len, path) < 0) {
		vtx_ept_free(&e);
		return -1;
	}
	svg = (char *)path;
	if (vtx_graph_write(dot, &e, title))
		goto out;
	if (!vtx_have_program("dot")) {
		fprintf(stderr, "vtx-run: --ept-graph: no 'dot' here (Debian: "
			"apt-get install graphviz): wrote %s; render it with: "
			"dot -Tsvg -o %s %s\n", dot, svg, dot);
		r = 0;
	} else if (vtx_render_svg(dot, svg)) {
		fprintf(stderr, "vtx-run: --ept-graph: dot -Tsvg -o %s %s "
			"failed; %s is kept\n", svg, dot, dot);
	} else {
		fprintf(stderr, "vtx-run: --ept-graph: wrote %s (from %s)\n",
			svg, dot);
		r = 0;
	}
out:
	free(dot);
	vtx_ept_free(&e);
	return r;
}

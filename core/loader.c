/* loader.c: the only file that includes <ltdl.h>.  See loader.h. */
#include "config.h"

#include <dirent.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ltdl.h>

#include <bones/plugin.h>

#include "buildtree.h"
#include "loader.h"
#include "util.h"

#define MAX_MODULES 128

struct module {
  char *module;  /* kv_sqlite */
  enum bones_module_kind kind;
  const void *symbol;
  char *path;    /* NULL for built-ins */
  lt_dlhandle handle;
};

static struct module modules[MAX_MODULES];
static size_t module_count;
static char *plugin_path_option;
static char *search_path;
static int ltdl_ready;

void bones_loader_set_plugin_path(const char *path) {
  free(plugin_path_option);
  plugin_path_option = path ? bones_xstrdup(path) : NULL;
  free(search_path);
  search_path = NULL;
}

const char *bones_loader_search_path(void) {
  if (search_path) return search_path;
  const char *env = getenv("BONES_PLUGIN_PATH");
  const char *tree = bones_build_tree_module_path(); /* NULL unless run from the build tree */
  search_path = bones_xasprintf("%s%s%s%s%s%s%s", plugin_path_option ? plugin_path_option : "",
                                plugin_path_option && *plugin_path_option ? ":" : "",
                                env ? env : "", env && *env ? ":" : "", tree ? tree : "", tree ? ":" : "",
                                BONES_MODULEDIR);
  return search_path;
}

static const char *kind_prefix(enum bones_module_kind kind) {
  switch (kind) {
  case BONES_MODULE_KV: return "kv_";
  case BONES_MODULE_REPO: return "repo_";
  default: return "verb_";
  }
}

static const char *kind_symbol(enum bones_module_kind kind) {
  switch (kind) {
  case BONES_MODULE_KV: return BONES_KV_BACKEND_SYMBOL;
  case BONES_MODULE_REPO: return BONES_REPO_BACKEND_SYMBOL;
  default: return BONES_VERB_SYMBOL;
  }
}

static int kind_of(const char *module, enum bones_module_kind *kind) {
  if (strncmp(module, "kv_", 3) == 0) *kind = BONES_MODULE_KV;
  else if (strncmp(module, "repo_", 5) == 0) *kind = BONES_MODULE_REPO;
  else if (strncmp(module, "verb_", 5) == 0) *kind = BONES_MODULE_VERB;
  else return 0;
  return 1;
}

#define COVERS(size, type, member) \
  ((size) >= offsetof(type, member) + sizeof(((type *)0)->member))

/* Checks the header fields and mandatory pointers of a module's struct. */
static int validate(const char *module, enum bones_module_kind kind, const void *symbol,
                    struct bones_error *err) {
  const char *want = module + strlen(kind_prefix(kind));
  if (kind == BONES_MODULE_KV) {
    const struct bones_kv_backend_v1 *b = symbol;
    if (b->abi != BONES_KV_ABI)
      return bones_error_set(err, BONES_E_INTERNAL,
                             "module %s: KV ABI %u, this bones speaks KV ABI %u", module,
                             (unsigned)b->abi, (unsigned)BONES_KV_ABI);
    if (!COVERS(b->size, struct bones_kv_backend_v1, list))
      return bones_error_set(err, BONES_E_INTERNAL,
                             "module %s: struct size %u is too small for KV ABI %u", module,
                             (unsigned)b->size, (unsigned)BONES_KV_ABI);
    if (b->name == NULL || strcmp(b->name, want) != 0)
      return bones_error_set(err, BONES_E_INTERNAL,
                             "module %s: calls itself '%s', expected '%s'", module,
                             b->name ? b->name : "(null)", want);
    const char *missing = !b->connect ? "connect" : !b->disconnect ? "disconnect"
                          : !b->ping ? "ping" : !b->bucket_open ? "bucket_open"
                          : !b->bucket_close ? "bucket_close" : !b->buckets ? "buckets"
                          : !b->get ? "get" : !b->put ? "put" : !b->create ? "create"
                          : !b->update ? "update" : !b->remove ? "remove"
                          : !b->list ? "list" : !b->schemes ? "schemes" : NULL;
    if (missing)
      return bones_error_set(err, BONES_E_INTERNAL, "module %s: mandatory function '%s' is NULL",
                             module, missing);
    if ((b->caps & BONES_KV_CAP_WATCH) &&
        (!COVERS(b->size, struct bones_kv_backend_v1, watch) || b->watch == NULL))
      return bones_error_set(err, BONES_E_INTERNAL,
                             "module %s: claims the watch capability but has no watch()", module);
  } else if (kind == BONES_MODULE_REPO) {
    const struct bones_repo_backend_v1 *b = symbol;
    if (b->abi != BONES_REPO_ABI)
      return bones_error_set(err, BONES_E_INTERNAL,
                             "module %s: repo ABI %u, this bones speaks repo ABI %u", module,
                             (unsigned)b->abi, (unsigned)BONES_REPO_ABI);
    if (!COVERS(b->size, struct bones_repo_backend_v1, export_files))
      return bones_error_set(err, BONES_E_INTERNAL,
                             "module %s: struct size %u is too small for repo ABI %u", module,
                             (unsigned)b->size, (unsigned)BONES_REPO_ABI);
    if (b->name == NULL || strcmp(b->name, want) != 0)
      return bones_error_set(err, BONES_E_INTERNAL,
                             "module %s: calls itself '%s', expected '%s'", module,
                             b->name ? b->name : "(null)", want);
    if (!b->open || !b->close || !b->probe)
      return bones_error_set(err, BONES_E_INTERNAL,
                             "module %s: mandatory function open/close/probe is NULL", module);
  } else {
    const struct bones_verb_v1 *v = symbol;
    if (v->abi != BONES_VERB_ABI)
      return bones_error_set(err, BONES_E_INTERNAL,
                             "module %s: verb ABI %u, this bones speaks verb ABI %u", module,
                             (unsigned)v->abi, (unsigned)BONES_VERB_ABI);
    if (!COVERS(v->size, struct bones_verb_v1, subverbs))
      return bones_error_set(err, BONES_E_INTERNAL,
                             "module %s: struct size %u is too small for verb ABI %u", module,
                             (unsigned)v->size, (unsigned)BONES_VERB_ABI);
    if (v->name == NULL || strcmp(v->name, want) != 0)
      return bones_error_set(err, BONES_E_INTERNAL,
                             "module %s: calls itself '%s', expected '%s'", module,
                             v->name ? v->name : "(null)", want);
    if (v->run == NULL && v->subverbs == NULL)
      return bones_error_set(err, BONES_E_INTERNAL,
                             "module %s: has neither a run function nor sub-verbs", module);
  }
  return BONES_OK;
}

static struct module *find_registered(const char *module) {
  for (size_t i = 0; i < module_count; i++)
    if (strcmp(modules[i].module, module) == 0) return &modules[i];
  return NULL;
}

int bones_loader_add_builtin(const char *module, const void *symbol, struct bones_error *err) {
  enum bones_module_kind kind;
  if (!kind_of(module, &kind))
    return bones_error_set(err, BONES_E_INTERNAL, "built-in module %s: name has no kv_/repo_/verb_ prefix", module);
  if (find_registered(module)) return BONES_OK;
  int rc = validate(module, kind, symbol, err);
  if (rc != BONES_OK) return rc;
  if (module_count == MAX_MODULES)
    return bones_error_set(err, BONES_E_INTERNAL, "too many modules (%d)", MAX_MODULES);
  modules[module_count++] = (struct module){bones_xstrdup(module), kind, symbol, NULL, NULL};
  return BONES_OK;
}

static int ltdl_init(struct bones_error *err) {
  if (ltdl_ready) return BONES_OK;
  if (lt_dlinit() != 0) {
    const char *e = lt_dlerror();
    return bones_error_set(err, BONES_E_INTERNAL, "libltdl: cannot initialise: %s", e ? e : "unknown error");
  }
  ltdl_ready = 1;
  return BONES_OK;
}

/* Opens dir/module (any libtool extension) and validates it.  On success
 * *handle and *symbol are set; the caller owns the handle. */
static int open_file(const char *dir, const char *module, enum bones_module_kind kind,
                     lt_dlhandle *handle, const void **symbol, char **path,
                     struct bones_error *err) {
  int rc = ltdl_init(err);
  if (rc != BONES_OK) return rc;
  char *base = bones_xasprintf("%s/%s", dir, module);
  lt_dladvise advise;
  lt_dlhandle h = NULL;
  if (lt_dladvise_init(&advise) == 0) {
    lt_dladvise_ext(&advise);
    lt_dladvise_local(&advise);
    h = lt_dlopenadvise(base, advise);
    lt_dladvise_destroy(&advise);
  }
  if (h == NULL) {
    const char *e = lt_dlerror();
    rc = bones_error_set(err, BONES_E_INTERNAL, "module %s: cannot load %s: %s", module, base,
                         e ? e : "unknown error");
    bones_error_hint(err, "a missing shared library is the most common cause: check with ldd");
    free(base);
    return rc;
  }
  const void *sym = lt_dlsym(h, kind_symbol(kind));
  if (sym == NULL) {
    const char *e = lt_dlerror();
    rc = bones_error_set(err, BONES_E_INTERNAL, "module %s (%s): no symbol %s_LTX_%s: %s", module, base,
                         module, kind_symbol(kind), e ? e : "not exported");
    lt_dlclose(h);
    free(base);
    return rc;
  }
  rc = validate(module, kind, sym, err);
  if (rc != BONES_OK) {
    bones_error_prefix(err, "%s", base);
    lt_dlclose(h);
    free(base);
    return rc;
  }
  const lt_dlinfo *info = lt_dlgetinfo(h);
  *path = bones_xstrdup(info && info->filename ? info->filename : base);
  free(base);
  *handle = h;
  *symbol = sym;
  return BONES_OK;
}

/* 1 if dir holds a file module.la or module.so. */
static int dir_has_module(const char *dir, const char *module) {
  static const char *const exts[] = {".la", ".so", NULL};
  for (int i = 0; exts[i]; i++) {
    char *p = bones_xasprintf("%s/%s%s", dir, module, exts[i]);
    int found = bones_path_exists(p);
    free(p);
    if (found) return 1;
  }
  return 0;
}

/* Finds module (built-in first, then the search path) and returns its struct. */
static int lookup(const char *module, enum bones_module_kind kind, const void **symbol,
                  struct bones_error *err) {
  struct module *m = find_registered(module);
  if (m) {
    *symbol = m->symbol;
    return BONES_OK;
  }
  const char *spath = bones_loader_search_path();
  char *copy = bones_xstrdup(spath);
  int rc = BONES_E_NOTFOUND;
  struct bones_error first;
  bones_error_clear(&first);
  for (char *save = NULL, *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
    if (!*dir || !dir_has_module(dir, module)) continue;
    lt_dlhandle h = NULL;
    const void *sym = NULL;
    char *path = NULL;
    struct bones_error e;
    bones_error_clear(&e);
    rc = open_file(dir, module, kind, &h, &sym, &path, &e);
    if (rc == BONES_OK) {
      if (module_count == MAX_MODULES) {
        lt_dlclose(h);
        free(path);
        free(copy);
        return bones_error_set(err, BONES_E_INTERNAL, "too many modules (%d)", MAX_MODULES);
      }
      modules[module_count++] = (struct module){bones_xstrdup(module), kind, sym, path, h};
      *symbol = sym;
      free(copy);
      return BONES_OK;
    }
    if (first.code == BONES_OK) first = e; /* report the first broken candidate */
  }
  free(copy);
  if (first.code != BONES_OK) {
    if (err) *err = first;
    return first.code;
  }
  bones_error_set(err, BONES_E_NOTFOUND, "no module %s in the built-ins or on the plugin path %s", module, spath);
  return BONES_E_NOTFOUND;
}

static int valid_module_suffix(const char *name) {
  if (name == NULL || !*name || strlen(name) > 64) return 0;
  for (const char *p = name; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) return 0;
  return 1;
}

int bones_loader_kv_backend(const char *name, const struct bones_kv_backend_v1 **out,
                            struct bones_error *err) {
  if (!valid_module_suffix(name))
    return bones_error_set(err, BONES_E_USAGE, "'%s' is not a valid backend name", name ? name : "");
  char *module = bones_xasprintf("kv_%s", name);
  const void *sym = NULL;
  int rc = lookup(module, BONES_MODULE_KV, &sym, err);
  if (rc == BONES_E_NOTFOUND) {
    bones_error_set(err, BONES_E_USAGE, "no KV backend named '%s' (module %s not found on %s)", name,
                    module, bones_loader_search_path());
    bones_error_hint(err,
                     "install %s with bones (`make install`), or set BONES_PLUGIN_PATH to the directory "
                     "holding %s.la or %s.so; `bones plugins` lists the backends this bones can load",
                     module, module, module);
    rc = BONES_E_USAGE;
  }
  free(module);
  if (rc == BONES_OK) *out = sym;
  return rc;
}

int bones_loader_repo_backend(const char *name, const struct bones_repo_backend_v1 **out,
                              struct bones_error *err) {
  if (!valid_module_suffix(name))
    return bones_error_set(err, BONES_E_USAGE, "'%s' is not a valid repo backend name", name ? name : "");
  char *module = bones_xasprintf("repo_%s", name);
  const void *sym = NULL;
  int rc = lookup(module, BONES_MODULE_REPO, &sym, err);
  free(module);
  if (rc == BONES_OK) *out = sym;
  return rc;
}

int bones_loader_verb(const char *name, const struct bones_verb_v1 **out, struct bones_error *err) {
  char *module = NULL;
  /* verb names may hold '-', module names map it to '_' (libtool's rule) */
  char *mapped = bones_xstrdup(name ? name : "");
  for (char *p = mapped; *p; p++)
    if (*p == '-') *p = '_';
  if (!valid_module_suffix(mapped)) {
    free(mapped);
    return bones_error_set(err, BONES_E_NOTFOUND, "'%s' is not a bones verb", name ? name : "");
  }
  module = bones_xasprintf("verb_%s", mapped);
  free(mapped);
  const void *sym = NULL;
  int rc = lookup(module, BONES_MODULE_VERB, &sym, err);
  free(module);
  if (rc == BONES_OK) *out = sym;
  return rc;
}

void bones_loader_each_builtin_verb(void (*fn)(void *arg, const struct bones_verb_v1 *v), void *arg) {
  for (size_t i = 0; i < module_count; i++)
    if (modules[i].kind == BONES_MODULE_VERB && modules[i].path == NULL) fn(arg, modules[i].symbol);
}

static void info_from_symbol(struct bones_module_info *info, enum bones_module_kind kind, const void *sym) {
  if (kind == BONES_MODULE_KV) {
    const struct bones_kv_backend_v1 *b = sym;
    info->name = b->name, info->description = b->description, info->abi = b->abi, info->caps = b->caps;
  } else if (kind == BONES_MODULE_REPO) {
    const struct bones_repo_backend_v1 *b = sym;
    info->name = b->name, info->description = b->description, info->abi = b->abi, info->caps = b->caps;
  } else {
    const struct bones_verb_v1 *v = sym;
    info->name = v->name, info->description = v->description, info->abi = v->abi, info->caps = v->flags;
  }
}

struct scan_state {
  const char *dir;
  char **seen;
  size_t nseen, cap;
};

static int collect_name(const char *filename, void *data) {
  struct scan_state *st = data;
  const char *base = strrchr(filename, '/');
  base = base ? base + 1 : filename;
  enum bones_module_kind kind;
  if (!kind_of(base, &kind) || !valid_module_suffix(base) || !dir_has_module(st->dir, base))
    return 0;
  for (size_t i = 0; i < st->nseen; i++)
    if (strcmp(st->seen[i], base) == 0) return 0;
  if (st->nseen == st->cap) {
    st->cap = st->cap ? st->cap * 2 : 16;
    st->seen = bones_xrealloc(st->seen, st->cap * sizeof *st->seen);
  }
  st->seen[st->nseen++] = bones_xstrdup(base);
  return 0;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int bones_loader_scan(void (*fn)(void *arg, const struct bones_module_info *info), void *arg,
                      struct bones_error *err) {
  /* built-ins first */
  size_t builtin_count = module_count;
  for (size_t i = 0; i < builtin_count; i++) {
    if (modules[i].path) continue;
    struct bones_module_info info = {0};
    info.module = modules[i].module;
    info.kind = modules[i].kind;
    info.path = "built-in";
    info_from_symbol(&info, modules[i].kind, modules[i].symbol);
    fn(arg, &info);
  }
  int rc = ltdl_init(err);
  if (rc != BONES_OK) return rc;
  char *copy = bones_xstrdup(bones_loader_search_path());
  for (char *save = NULL, *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
    if (!*dir || !bones_path_is_dir(dir)) continue;
    struct scan_state st = {dir, NULL, 0, 0};
    lt_dlforeachfile(dir, collect_name, &st);
    if (st.nseen) qsort(st.seen, st.nseen, sizeof *st.seen, cmp_str);
    for (size_t i = 0; i < st.nseen; i++) {
      struct bones_module_info info = {0};
      enum bones_module_kind kind;
      kind_of(st.seen[i], &kind);
      info.module = st.seen[i];
      info.kind = kind;
      struct module *m = find_registered(st.seen[i]);
      char *shown_path = NULL;
      if (m && m->path == NULL) {
        info.shadowed = 1;
        shown_path = bones_xasprintf("%s/%s", dir, st.seen[i]);
        info.path = shown_path;
        info.error = "shadowed by the built-in module of the same name";
        info_from_symbol(&info, kind, m->symbol);
        fn(arg, &info);
        free(shown_path);
        continue;
      }
      lt_dlhandle h = NULL;
      const void *sym = NULL;
      char *path = NULL;
      struct bones_error e;
      bones_error_clear(&e);
      if (open_file(dir, st.seen[i], kind, &h, &sym, &path, &e) == BONES_OK) {
        info.path = path;
        info_from_symbol(&info, kind, sym);
        if (m && m->path && strcmp(m->path, path) != 0) {
          info.shadowed = 1;
          info.error = "shadowed by a module of the same name earlier on the path";
        }
        fn(arg, &info);
        lt_dlclose(h);
        free(path);
      } else {
        shown_path = bones_xasprintf("%s/%s", dir, st.seen[i]);
        info.path = shown_path;
        info.error = e.message;
        fn(arg, &info);
        free(shown_path);
      }
    }
    for (size_t i = 0; i < st.nseen; i++) free(st.seen[i]);
    free(st.seen);
  }
  free(copy);
  return BONES_OK;
}

void bones_loader_shutdown(void) {
  for (size_t i = 0; i < module_count; i++) {
    if (modules[i].handle) lt_dlclose(modules[i].handle);
    free(modules[i].module);
    free(modules[i].path);
  }
  module_count = 0;
  if (ltdl_ready) lt_dlexit();
  ltdl_ready = 0;
  free(plugin_path_option);
  plugin_path_option = NULL;
  free(search_path);
  search_path = NULL;
}

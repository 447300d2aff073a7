/* buildtree.h (internal): the modules of the build tree, for a bones run
 * uninstalled from the tree it was built in.
 *
 * `make` compiles the build tree's directory (BONES_BUILD_DIR) and its
 * module directories (BONES_BUILD_TREE_MODULE_PATH) into libbones.  They
 * are searched only when the running executable is that tree's bones
 * program, so an installed bones never looks into a build directory. */
#ifndef BONES_BUILDTREE_H
#define BONES_BUILDTREE_H

/* The build tree's module directories (':'-separated; static, never freed)
 * when the running executable is <builddir>/bones or libtool's real
 * program <builddir>/.libs/bones (or lt-bones) of the tree this library
 * was built in, and $BONES_NO_BUILD_TREE_MODULES is unset or empty
 * (the tests set it to see an uninstalled bones without its modules).
 * NULL otherwise.  Computed once per process. */
const char *bones_build_tree_module_path(void);

/* 1 if exe (a resolved path) is the bones program of the build tree dir
 * (resolved): dir/bones, dir/.libs/bones or dir/.libs/lt-bones. */
int bones_build_tree_owns_exe(const char *dir, const char *exe);

#endif /* BONES_BUILDTREE_H */

dnl bones_backend.m4: the backend switch, after collectd's AC_PLUGIN.
dnl
dnl BONES_ARG_BACKEND(name, VARPREFIX, pkg-config-spec, help)
dnl   --with-NAME=auto|yes|no (default auto).
dnl   auto: built when the pkg-config module is found.
dnl   yes:  built; a missing dependency is recorded and configure fails
dnl         after printing its summary (BONES_BACKEND_ERRORS).
dnl   no:   not built.
dnl Sets bones_with_NAME (yes|no), bones_reason_NAME, VARPREFIX_CFLAGS/LIBS,
dnl and AM_CONDITIONAL BUILD_KV_<NAME>.
AC_DEFUN([BONES_ARG_BACKEND], [
  AC_ARG_WITH([$1],
    [AS_HELP_STRING([--with-$1=auto|yes|no], [$4 (default: auto)])],
    [], [with_$1=auto])
  bones_with_$1=no
  bones_reason_$1=""
  AS_CASE([$with_$1],
    [no], [bones_reason_$1="(disabled by --with-$1=no)"],
    [yes|auto], [
      PKG_CHECK_MODULES([$2], [$3],
        [bones_with_$1=yes],
        [AS_IF([test "x$with_$1" = xyes],
               [bones_reason_$1="(dependency error: $3 not found)"
                bones_dep_errors="$bones_dep_errors $1"],
               [bones_reason_$1="(auto: $3 not found)"])])],
    [AC_MSG_ERROR([--with-$1 takes auto, yes or no, not '$with_$1'])])
  AM_CONDITIONAL(m4_toupper([BUILD_KV_$1]), [test "x$bones_with_$1" = xyes])
  AC_SUBST(m4_toupper([BUILD_KV_$1]), [$bones_with_$1])
])

dnl BONES_BACKEND_ERRORS: fail when a --with-X=yes backend lacks its dependency.
AC_DEFUN([BONES_BACKEND_ERRORS], [
  AS_IF([test -n "$bones_dep_errors"],
        [AC_MSG_ERROR([backends asked for with --with-X=yes cannot be built:$bones_dep_errors (see the summary above)])])
])

# petrel.m4 - small configure helpers of Petrel's own.

# PETREL_CHECK_CFLAG(FLAG, ACTION-IF-OK, ACTION-IF-NOT)
# Compiles and links an empty program with FLAG (plus -Werror so that
# unknown warning options are refused rather than ignored).
AC_DEFUN([PETREL_CHECK_CFLAG], [
  AS_VAR_PUSHDEF([petrel_var], [petrel_cv_cflag_$1])
  AC_CACHE_CHECK([whether $CC accepts $1], [petrel_var], [
    petrel_save_CFLAGS=$CFLAGS
    petrel_save_LDFLAGS=$LDFLAGS
    CFLAGS="$CFLAGS -Werror $1"
    LDFLAGS="$LDFLAGS $1"
    AC_LINK_IFELSE([AC_LANG_PROGRAM([], [])],
      [AS_VAR_SET([petrel_var], [yes])], [AS_VAR_SET([petrel_var], [no])])
    CFLAGS=$petrel_save_CFLAGS
    LDFLAGS=$petrel_save_LDFLAGS])
  AS_VAR_IF([petrel_var], [yes], [$2], [$3])
  AS_VAR_POPDEF([petrel_var])
])

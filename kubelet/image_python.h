/* image_python.h - the function runtime images, built from the host.
 *
 *   fnrt-sh   busybox + mk-fnrt (and the shared libraries it needs)
 *   python3   fnrt-sh + Debian's python3.11 interpreter and standard library
 *             (dpkg -L python3.11-minimal libpython3.11-minimal
 *             libpython3.11-stdlib) and their shared libraries (ldd)
 *
 * mk-fnrt lands at /usr/local/bin/mk-fnrt in both. No registry is needed.
 */
#ifndef MK_KUBELET_IMAGE_PYTHON_H
#define MK_KUBELET_IMAGE_PYTHON_H

#include "store/error.h"

/* Build both images into the store at root. fnrt: the mk-fnrt binary;
 * busybox: the host's static busybox (NULL: /bin/busybox). */
int image_build_function_runtimes(const char *root, const char *fnrt, const char *busybox,
                                  mk_err *err);

#endif

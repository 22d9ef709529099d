/* image.h - the node-local image store.
 *
 *   ROOT/NAME/rootfs        the unpacked root filesystem (never written by
 *                           containers: each gets its own overlay upper)
 *   ROOT/NAME/config.json   {"args":[...],"env":[...],"cwd":"/"}: the image's
 *                           defaults, used when a container names no command
 *
 * ROOT defaults to /var/lib/minik8s/images. NAME is a DNS-1123 label,
 * optionally with ":TAG" which is accepted and ignored ("busybox:1.36" and
 * "busybox" are one image). Writers build into ROOT/.tmp-* and rename, so a
 * reader never sees a half-built image.
 */
#ifndef MK_KUBELET_IMAGE_H
#define MK_KUBELET_IMAGE_H

#include <json-c/json.h>

#include "store/error.h"

#define IMAGE_ROOT_DEFAULT "/var/lib/minik8s/images"

/* The image name a pod's "image" field refers to: strips a registry prefix
 * ("docker.io/library/"), and a ":tag" or "@digest". Caller frees. EINVAL if
 * what remains is not a DNS-1123 label. */
int image_normalize(const char *ref, char **name, mk_err *err);

/* The rootfs of image ref (caller frees). ENOENT "image X not found in ROOT"
 * when it is not in the store. */
int image_rootfs(const char *root, const char *ref, char **rootfs, mk_err *err);

/* The image's default process (may be NULL when it has none; caller puts). */
json_object *image_config(const char *root, const char *ref);

/* Build the busybox image from the host's static busybox (Debian's
 * busybox-static): /bin/busybox, a symlink per applet, /etc/passwd, /etc/group,
 * /tmp. Replaces an existing busybox image. */
int image_build_busybox(const char *root, const char *busybox_path, mk_err *err);

/* Import a rootfs tarball (any compression tar understands) or an OCI image
 * layout (a directory, or "DIR:TAG", unpacked with umoci) as NAME. */
int image_import(const char *root, const char *name, const char *file, mk_err *err);

/* Copy an image with skopeo (REF: "docker://busybox:1.36", "oci:DIR:TAG", any
 * skopeo transport; no transport means docker://) into a scratch OCI layout,
 * then import it as name (NULL: the name ref normalizes to). */
int image_pull(const char *root, const char *ref, const char *name, mk_err *err);

/* The names in the store, sorted, as a JSON array of strings (caller puts). */
int image_list(const char *root, json_object **names, mk_err *err);

/* Remove an image. */
int image_remove(const char *root, const char *name, mk_err *err);

#endif

/* target.h - the HPC login a GpuJob names, read from its Secret.
 *
 * The Secret's data is base64 as in Kubernetes, with keys host, port
 * (optional, default 22), user, privateKey and knownHosts. The decoded key
 * lives only in this struct and is wiped when it is freed.
 */
#ifndef MK_GPU_TARGET_H
#define MK_GPU_TARGET_H

#include <json-c/json.h>
#include <stddef.h>

#include "gpu/hpc.h"
#include "store/error.h"

typedef struct gpu_target {
    char *host, *user, *private_key, *known_hosts;
    int port;
} gpu_target;

/* EINVAL naming the missing or undecodable key (never its value). */
int gpu_target_from_secret(json_object *secret, gpu_target *t, mk_err *err);
void gpu_target_free(gpu_target *t);
/* A view of t for hpc_connect/hpc_pool_get (borrows t's strings). */
hpc_target gpu_target_view(const gpu_target *t);

/* Decode standard base64 (whitespace ignored). *out is NUL-terminated,
 * caller frees. -1 on bad input. */
int gpu_b64_decode(const char *in, char **out, size_t *len);

#endif

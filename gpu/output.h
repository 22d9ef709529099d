/* output.h - a GpuJob's full output as the ConfigMap "<job>-output".
 *
 * data.stdout and data.stderr hold (the tail of) each stream, at most
 * GPU_OUTPUT_MAX bytes each, as valid UTF-8; annotations say when one was
 * cut. The ConfigMap has an ownerReference to its GpuJob (controller: true)
 * and the label minik8s.io/gpujob=<job>. mk-fs shows it at
 * /cluster/gpujobs/<job>/output.
 */
#ifndef MK_GPU_OUTPUT_H
#define MK_GPU_OUTPUT_H

#include <json-c/json.h>
#include <stdbool.h>

#include "store/client.h"
#include "store/error.h"

#define GPU_OUTPUT_MAX    (1024 * 1024)
#define GPU_OUTPUT_SUFFIX "-output"

/* Create or replace the ConfigMap for job (its metadata is read). out and
 * errtext are sanitized copies; the caller keeps them. */
int gpu_output_save(mk_client *c, json_object *job, const char *out, bool out_truncated,
                    const char *errtext, bool err_truncated, mk_err *err);

/* Delete the job's ConfigMap if it belongs to the job with this uid.
 * A missing ConfigMap is not an error. */
int gpu_output_delete(mk_client *c, const char *ns, const char *job, const char *uid,
                      mk_err *err);

#endif

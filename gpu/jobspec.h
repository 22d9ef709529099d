/* jobspec.h - a GpuJob's spec, read from its JSON object into C.
 *
 *   spec:
 *     sources: [{name: matmul.cu, content: "..."}]
 *     sourcesFrom: {configMapRef: {name: matmul-src}}   every data key a file
 *     build: ["nvcc -O2 -o matmul matmul.cu"]
 *     run: ["./matmul"]                                  required
 *     slurm: {partition, nodes, ntasksPerNode, cpusPerTask, gres, timeLimit, memory}
 *     backoffLimit: 0
 *     hpc: {secretRef: {name: hpc}}
 *
 * Everything that reaches the generated Slurm script or a remote path is
 * checked here again (store/validate.c checks it at the API too): file names
 * are plain, Slurm values are from a safe alphabet. Build and run commands
 * are shell by design: they run as the job's own HPC account.
 */
#ifndef MK_GPU_JOBSPEC_H
#define MK_GPU_JOBSPEC_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/error.h"

/* Names mk-gpu writes into the working directory; sources may not start so. */
#define GPUJOB_RESERVED_PREFIX "minik8s-"
#define GPUJOB_WORKROOT        "minik8s-gpujobs"

typedef struct gpujob_file {
    char *name;
    char *data;
    size_t len;
} gpujob_file;

typedef struct gpujob_slurm {
    char *partition, *gres, *time_limit, *memory;  /* NULL: not asked for */
    int64_t nodes, ntasks_per_node, cpus_per_task; /* 0: not asked for */
} gpujob_slurm;

typedef struct gpujob_spec {
    char *ns, *name, *uid;
    gpujob_file *files;
    size_t nfiles;
    char **build, **run;
    size_t nbuild, nrun;
    gpujob_slurm slurm;
    int64_t backoff_limit;
    char *secret_name;       /* spec.hpc.secretRef.name */
    char *sources_configmap; /* spec.sourcesFrom.configMapRef.name or NULL */
} gpujob_spec;

/* Read a GpuJob object. EINVAL naming the field on anything unusable. The
 * ConfigMap sources are not read here: see gpujob_spec_add_configmap. */
int gpujob_spec_parse(json_object *job, gpujob_spec *spec, mk_err *err);

/* Add every data key (and decoded binaryData key) of a ConfigMap as a file.
 * EINVAL on a bad key or a name that is already a file. */
int gpujob_spec_add_configmap(gpujob_spec *spec, json_object *cm, mk_err *err);

void gpujob_spec_free(gpujob_spec *spec);

/* The job's working directory relative to the HPC login directory:
 * "minik8s-gpujobs/<ns>-<name>-<uid8>". Caller frees. */
char *gpujob_workdir(const char *ns, const char *name, const char *uid);

/* A plain file name: no '/', not "." or "..", not reserved, printable. */
bool gpujob_file_name_ok(const char *name);

#endif

/* path.h - what a path under the mount names (pure: no cache, no I/O).
 *
 * Paths are relative to the mount's root, without a leading slash:
 * "" is the root, "pods/web/status", "namespaces/dev/pods/web/logs/app".
 * Parsing says which node of the tree a path would be if it existed; the
 * caller checks existence against the informer cache.
 */
#ifndef MK_FS_PATH_H
#define MK_FS_PATH_H

#include <stdbool.h>

#include "store/kinds.h"

typedef enum fs_node_type {
    FS_NODE_NONE, /* not part of the tree: maybe a scratch file */
    FS_NODE_ROOT,
    FS_NODE_ERRORS,    /* .errors */
    FS_NODE_WATCH,     /* .watch (kind NULL) or <kind>/.watch */
    FS_NODE_KIND,      /* a kind's folder, per namespace */
    FS_NODE_OBJECT,    /* an object's folder */
    FS_NODE_FILE,      /* manifest.yaml, status, labels, scale, output */
    FS_NODE_STREAMDIR, /* logs/ or exec/ of a pod */
    FS_NODE_STREAM,    /* logs/<container> or exec/<container> */
    FS_NODE_RUNS,      /* runs/ of a workflow: its recorded runs */
} fs_node_type;

typedef enum fs_file {
    FS_FILE_MANIFEST,
    FS_FILE_STATUS,
    FS_FILE_LABELS, /* nodes */
    FS_FILE_SCALE,  /* replicasets */
    FS_FILE_OUTPUT, /* gpujobs */
    FS_FILE_INVOKE, /* functions: write a call, read its reply (fs/invoke.h) */
    FS_FILE_RUN,    /* workflows: write the input, read the run's result */
    FS_FILE_RUNREC, /* workflows: runs/<id>, a recorded run (run.json) */
} fs_file;

typedef enum fs_stream { FS_STREAM_LOGS, FS_STREAM_EXEC } fs_stream;

#define FS_NAME_MAX 254

typedef struct fs_path {
    fs_node_type type;
    const mk_kind *kind;    /* NULL for ROOT, ERRORS and the top .watch */
    char ns[64];            /* namespaced kinds: "default" at the top */
    char name[FS_NAME_MAX]; /* OBJECT and below */
    fs_file file;           /* FILE */
    fs_stream stream;       /* STREAMDIR, STREAM */
    char container[64];     /* STREAM */
    char run[64];           /* FILE RUNREC: the run id, <hex> of <wf>-run-<hex> */
} fs_path;

/* Parse a path; never fails (type FS_NODE_NONE when the path names no node). */
void fs_path_parse(const char *path, fs_path *out);

/* The file names an object folder of kind k holds, in listing order, ending
 * with NULL; pods add the folders "logs" and "exec". */
const char *const *fs_path_object_entries(const mk_kind *k);
/* File name of an object file ("manifest.yaml"). */
const char *fs_file_name(fs_file f);
/* Is the file writable (manifest.yaml, labels, scale, invoke, run)? */
bool fs_file_writable(fs_file f);
/* Is the file a call (invoke, run): written, then read on one descriptor? */
bool fs_file_is_call(fs_file f);

/* The ConfigMap mk-router records run `run` of workflow wf in
 * ("<wf, at most 40 chars>-run-<run>"). Caller frees. */
char *fs_path_run_configmap(const char *wf, const char *run);
/* The run id of ConfigMap cm if it is named as a run of wf, else NULL
 * (a pointer into cm). */
const char *fs_path_run_id(const char *wf, const char *cm);

/* Names editors and tools use for temporary, swap and backup files
 * (".x.swp", "x~", "4913", "sedAb12Cd", "#x#", "x.tmp", "tmp.abc"): such
 * files live in the scratch area and are never committed by themselves. */
bool fs_path_is_temp_name(const char *name);

/* Split "a/b/c" into parent "a/b" and leaf "c" (parent "" for "c").
 * Returns false when path is the root. parent must hold strlen(path)+1. */
bool fs_path_split(const char *path, char *parent, const char **leaf);

/* Join parent and name into a new string; caller frees. */
char *fs_path_join(const char *parent, const char *name);

/* Paths of an object's folder, as seen from the top (default namespace or
 * cluster-scoped) and under namespaces/<ns>/. Caller frees *top and *nsd;
 * either may be NULL when that view does not exist. */
void fs_path_object_dirs(const mk_kind *k, const char *ns, const char *name, char **top,
                         char **nsd);

#endif

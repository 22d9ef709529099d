#include "gpu/jobspec.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "gpu/target.h"
#include "store/codec.h"
#include "store/util.h"

bool gpujob_file_name_ok(const char *name)
{
    if (!name || !*name || strlen(name) > 255 || strcmp(name, ".") == 0 ||
        strcmp(name, "..") == 0 ||
        strncmp(name, GPUJOB_RESERVED_PREFIX, strlen(GPUJOB_RESERVED_PREFIX)) == 0)
        return false;
    /* Names reach SFTP only, never a shell: refuse only what breaks a path. */
    for (const char *p = name; *p; p++)
        if (*p == '/' || iscntrl((unsigned char)*p))
            return false;
    return true;
}

/* Slurm values go into "#SBATCH --x=VALUE" lines: a small safe alphabet. */
static bool gpujob_slurm_value_ok(const char *v)
{
    if (!*v || strlen(v) > 128)
        return false;
    for (const char *p = v; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("-_.:,=+/", *p))
            return false;
    return true;
}

char *gpujob_workdir(const char *ns, const char *name, const char *uid)
{
    char uid8[9] = "nouid";
    if (uid) {
        size_t n = 0;
        for (const char *p = uid; *p && n < 8; p++)
            if (isxdigit((unsigned char)*p))
                uid8[n++] = (char)tolower((unsigned char)*p);
        uid8[n] = '\0';
    }
    return xasprintf(GPUJOB_WORKROOT "/%s-%s-%s", ns, name, uid8);
}

static void gpujob_add_file(gpujob_spec *s, const char *name, const char *data, size_t len)
{
    s->files = xrealloc(s->files, (s->nfiles + 1) * sizeof *s->files);
    char *copy = xmalloc(len + 1); /* binaryData may hold NUL bytes */
    memcpy(copy, data, len);
    copy[len] = '\0';
    s->files[s->nfiles++] = (gpujob_file){xstrdup(name), copy, len};
}

static int gpujob_check_new_file(const gpujob_spec *s, const char *field, const char *name,
                                 mk_err *err)
{
    if (!gpujob_file_name_ok(name))
        return mk_error(
            err, EINVAL,
            "%s: Invalid value: \"%s\": a plain file name (no '/', not . or .., not "
            "starting with " GPUJOB_RESERVED_PREFIX ")",
            field, name ? name : "");
    for (size_t i = 0; i < s->nfiles; i++)
        if (strcmp(s->files[i].name, name) == 0)
            return mk_error(err, EINVAL, "%s: Duplicate value: \"%s\"", field, name);
    return 0;
}

static int gpujob_strings(json_object *spec, const char *field, bool required, char ***out,
                          size_t *n, mk_err *err)
{
    json_object *a = mk_json_path(spec, field);
    if (!a) {
        *out = NULL;
        *n = 0;
        return required ? mk_error(err, EINVAL, "spec.%s: Required value", field) : 0;
    }
    if (!json_object_is_type(a, json_type_array))
        return mk_error(err, EINVAL, "spec.%s: must be a list of strings", field);
    size_t len = json_object_array_length(a);
    if (required && len == 0)
        return mk_error(err, EINVAL, "spec.%s: Required value", field);
    *out = xcalloc(len + 1, sizeof(char *));
    *n = len;
    for (size_t i = 0; i < len; i++) {
        json_object *e = json_object_array_get_idx(a, i);
        if (!json_object_is_type(e, json_type_string))
            return mk_error(err, EINVAL, "spec.%s[%zu]: must be a string", field, i);
        (*out)[i] = xstrdup(json_object_get_string(e));
    }
    return 0;
}

static int gpujob_sources(json_object *spec, gpujob_spec *s, mk_err *err)
{
    json_object *a = mk_json_path(spec, "sources");
    if (!a)
        return 0;
    if (!json_object_is_type(a, json_type_array))
        return mk_error(err, EINVAL, "spec.sources: must be a list");
    for (size_t i = 0; i < json_object_array_length(a); i++) {
        json_object *f = json_object_array_get_idx(a, i);
        const char *name = mk_json_str(f, "name");
        json_object *content = mk_json_path(f, "content");
        char field[64];
        snprintf(field, sizeof field, "spec.sources[%zu].name", i);
        int rc = gpujob_check_new_file(s, field, name, err);
        if (rc < 0)
            return rc;
        if (content && !json_object_is_type(content, json_type_string))
            return mk_error(err, EINVAL, "spec.sources[%zu].content: must be a string", i);
        const char *data = content ? json_object_get_string(content) : "";
        gpujob_add_file(s, name, data,
                        content ? (size_t)json_object_get_string_len(content) : 0);
    }
    return 0;
}

static int gpujob_slurm_str(json_object *spec, const char *key, char **out, mk_err *err)
{
    json_object *v = mk_json_path(spec, key);
    if (!v)
        return 0;
    /* timeLimit and memory may be integers (minutes, megabytes), as in Slurm. */
    const char *str = json_object_get_string(v);
    bool type_ok =
        json_object_is_type(v, json_type_string) || json_object_is_type(v, json_type_int);
    if (!type_ok || !gpujob_slurm_value_ok(str))
        return mk_error(err, EINVAL, "spec.%s: Invalid value: \"%s\"", key, str ? str : "");
    *out = xstrdup(str);
    return 0;
}

static int gpujob_slurm_int(json_object *spec, const char *key, int64_t *out, mk_err *err)
{
    json_object *v = mk_json_path(spec, key);
    if (!v)
        return 0;
    if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 1 ||
        json_object_get_int64(v) > 100000)
        return mk_error(err, EINVAL, "spec.%s: must be a positive integer", key);
    *out = json_object_get_int64(v);
    return 0;
}

static int gpujob_slurm_parse(json_object *spec, gpujob_slurm *sl, mk_err *err)
{
    int rc;
    if ((rc = gpujob_slurm_str(spec, "slurm.partition", &sl->partition, err)) < 0 ||
        (rc = gpujob_slurm_str(spec, "slurm.gres", &sl->gres, err)) < 0 ||
        (rc = gpujob_slurm_str(spec, "slurm.timeLimit", &sl->time_limit, err)) < 0 ||
        (rc = gpujob_slurm_str(spec, "slurm.memory", &sl->memory, err)) < 0 ||
        (rc = gpujob_slurm_int(spec, "slurm.nodes", &sl->nodes, err)) < 0 ||
        (rc = gpujob_slurm_int(spec, "slurm.ntasksPerNode", &sl->ntasks_per_node, err)) < 0 ||
        (rc = gpujob_slurm_int(spec, "slurm.cpusPerTask", &sl->cpus_per_task, err)) < 0)
        return rc;
    return 0;
}

static int gpujob_spec_parse_inner(json_object *job, gpujob_spec *s, mk_err *err)
{
    s->ns = xstrdup(mk_json_str(job, "metadata.namespace") ?: "default");
    const char *name = mk_json_str(job, "metadata.name");
    if (!name || !mk_is_dns1123_label(name) || !mk_is_dns1123_label(s->ns))
        return mk_error(err, EINVAL, "metadata.name: Invalid value");
    s->name = xstrdup(name);
    s->uid = xstrdup(mk_json_str(job, "metadata.uid") ?: "");
    json_object *spec = mk_json_path(job, "spec");
    if (!spec || !json_object_is_type(spec, json_type_object))
        return mk_error(err, EINVAL, "spec: Required value");
    int rc;
    if ((rc = gpujob_sources(spec, s, err)) < 0 ||
        (rc = gpujob_strings(spec, "build", false, &s->build, &s->nbuild, err)) < 0 ||
        (rc = gpujob_strings(spec, "run", true, &s->run, &s->nrun, err)) < 0 ||
        (rc = gpujob_slurm_parse(spec, &s->slurm, err)) < 0)
        return rc;
    s->backoff_limit = mk_json_int(spec, "backoffLimit", 0);
    if (s->backoff_limit < 0 || s->backoff_limit > INT32_MAX)
        return mk_error(err, EINVAL, "spec.backoffLimit: must be 0 or more");
    const char *secret = mk_json_str(spec, "hpc.secretRef.name");
    if (!secret || !mk_is_dns1123_subdomain(secret))
        return mk_error(err, EINVAL, "spec.hpc.secretRef.name: Required value");
    s->secret_name = xstrdup(secret);
    const char *cm = mk_json_str(spec, "sourcesFrom.configMapRef.name");
    if (cm && !mk_is_dns1123_subdomain(cm))
        return mk_error(err, EINVAL, "spec.sourcesFrom.configMapRef.name: Invalid value");
    s->sources_configmap = cm ? xstrdup(cm) : NULL;
    return 0;
}

int gpujob_spec_parse(json_object *job, gpujob_spec *spec, mk_err *err)
{
    memset(spec, 0, sizeof *spec);
    int rc = gpujob_spec_parse_inner(job, spec, err);
    if (rc < 0)
        gpujob_spec_free(spec);
    return rc;
}

/* Add every key of a ConfigMap's data (binary: binaryData) map as a file. */
static int gpujob_add_map(gpujob_spec *spec, const char *cm_name, json_object *map, bool binary,
                          mk_err *err)
{
    const char *field = binary ? "binaryData" : "data";
    if (!json_object_is_type(map, json_type_object))
        return mk_error(err, EINVAL, "configmap %s: %s: must be a map", cm_name, field);
    json_object_object_foreach(map, key, v)
    {
        if (gpujob_check_new_file(spec, field, key, err) < 0)
            return mk_error_wrap(err, "configmap %s", cm_name);
        const char *text = json_object_get_string(v);
        if (!binary) {
            gpujob_add_file(spec, key, text, (size_t)json_object_get_string_len(v));
            continue;
        }
        _cleanup_free_ char *data = NULL;
        size_t len;
        if (gpu_b64_decode(text, &data, &len) < 0)
            return mk_error(err, EINVAL, "configmap %s: binaryData.%s: not base64", cm_name,
                            key);
        gpujob_add_file(spec, key, data, len);
    }
    return 0;
}

int gpujob_spec_add_configmap(gpujob_spec *spec, json_object *cm, mk_err *err)
{
    const char *cm_name = mk_json_str(cm, "metadata.name") ?: "?";
    json_object *data = mk_json_path(cm, "data"), *bin = mk_json_path(cm, "binaryData");
    int rc = 0;
    if (data)
        rc = gpujob_add_map(spec, cm_name, data, false, err);
    if (rc == 0 && bin)
        rc = gpujob_add_map(spec, cm_name, bin, true, err);
    return rc;
}

static void gpujob_strv_free(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

void gpujob_spec_free(gpujob_spec *s)
{
    free(s->ns);
    free(s->name);
    free(s->uid);
    for (size_t i = 0; i < s->nfiles; i++) {
        free(s->files[i].name);
        free(s->files[i].data);
    }
    free(s->files);
    gpujob_strv_free(s->build, s->nbuild);
    gpujob_strv_free(s->run, s->nrun);
    free(s->slurm.partition);
    free(s->slurm.gres);
    free(s->slurm.time_limit);
    free(s->slurm.memory);
    free(s->secret_name);
    free(s->sources_configmap);
    memset(s, 0, sizeof *s);
}

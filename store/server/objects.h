/* objects.h - the REST verbs on stored objects (Kubernetes semantics).
 *
 * create (POST), get, update (PUT), patch (merge patch; strategic merge
 * patch is treated as one), delete; the status subresource; pods/binding.
 * (pods/log and pods/exec are proxy.h's.)
 * Every handler replies exactly once, with the object or a Status.
 */
#ifndef MK_SERVER_OBJECTS_H
#define MK_SERVER_OBJECTS_H

#include "store/server/apiserver.h"
#include "store/server/route.h"

enum MHD_Result objects_create(api_req *r, const api_route *rt);
/* Create obj (taken), as a POST of it to rt's collection would; rt may name
 * the object (an apply that makes it). */
enum MHD_Result objects_create_with(api_req *r, const api_route *rt, json_object *obj);
enum MHD_Result objects_get(api_req *r, const api_route *rt);
enum MHD_Result objects_update(api_req *r, const api_route *rt);
enum MHD_Result objects_patch(api_req *r, const api_route *rt);
enum MHD_Result objects_delete(api_req *r, const api_route *rt);
enum MHD_Result objects_bind(api_req *r, const api_route *rt);
/* pods/{name}/eviction (eviction.c): a delete that honours the
 * PodDisruptionBudget covering the pod (429 while it allows none). */
enum MHD_Result objects_evict(api_req *r, const api_route *rt);

/* Create the namespaces every cluster has (default, kube-system,
 * kube-public) when they are missing. */
int objects_bootstrap(api_server *srv, mk_err *err);

/* Shared by the handler files. */
/* "pods" or "replicasets.apps", as Kubernetes names a resource in messages. */
const char *objects_qualified(const mk_kind *k, char *buf, size_t n);
/* Decode r's body (YAML or JSON, a mapping). */
int objects_decode_body(api_req *r, json_object **out, mk_err *err);
/* Delete the object of rt as a DELETE with options (a DeleteOptions
 * object: gracePeriodSeconds, preconditions, propagationPolicy; NULL: none)
 * would; *out (may be NULL) receives its last state. */
int objects_delete_with(api_req *r, const api_route *rt, json_object *options,
                        json_object **out, mk_err *err);
/* A request's write to the store: backend_write, but with ?dryRun=All
 * only its preconditions are checked (exists, absent, revision) and
 * nothing is stored (*rev is the current revision; w->stored stays NULL). */
int objects_write(api_req *r, const mk_write *w, int64_t *rev, mk_err *err);
/* The object of the route, read at revision rev and changed into obj,
 * written back only if still at rev (-ESTALE otherwise). prev: the sink's
 * view of it as read (watch.h, hub_view_of), taken before the change. */
int objects_write_back(api_req *r, const api_route *rt, json_object *obj, json_object *prev,
                       int64_t rev, mk_err *err);
/* A dryRun value ("All", the only one) sets r->dry_run; any other is
 * refused (EBADMSG naming it). */
int objects_set_dry_run(api_req *r, const char *v, mk_err *err);
/* A DeleteOptions' dryRun (["All"]) sets r->dry_run, as ?dryRun=All does.
 * options may be NULL. */
int objects_dry_run_of(api_req *r, json_object *options, mk_err *err);
/* Read the current object: parsed value and its revision. ENOENT names it. */
int objects_load(api_server *srv, const mk_kind *k, const char *ns, const char *name,
                 json_object **obj, int64_t *rev, mk_err *err);
/* The current object (caller puts), or NULL when it is not there or cannot
 * be read: for callers to whom a missing object just means "no". */
json_object *objects_find(api_server *srv, const mk_kind *k, const char *ns, const char *name);
/* Call fn with every stored object of kind k in namespace ns, parsed (fn
 * borrows it); values that are not JSON are skipped. fn returns non-zero
 * to stop, and objects_each returns that; <0 with err on a store error. */
typedef int (*objects_fn)(void *ctx, json_object *obj);
int objects_each(api_server *srv, const mk_kind *k, const char *ns, objects_fn fn, void *ctx,
                 mk_err *err);
/* After validation filled r->warn: ?fieldValidation=Strict turns unknown
 * fields into EBADMSG, Ignore drops them, Warn (default) keeps them. */
int objects_check_fields(api_req *r, mk_err *err);
/* The decoded manifest is of the route's kind (EBADMSG otherwise). */
int objects_check_kind(const api_route *rt, json_object *obj, mk_err *err);
/* Create an object the server makes itself (bootstrap, a service
 * account's token Secret), with the fields a create sets, unless one of
 * its name is there already (then 0 too). */
int objects_put_new(api_server *srv, json_object *obj, mk_err *err);
/* Now, RFC 3339. */
void objects_now(char *buf, size_t n);
/* The route names another version of its kind (route.h's served): a
 * body decoded for it is converted to the stored version in place, after
 * checking it is of that version (EBADMSG) and converts (EINVAL, as a
 * validation error). A no-op on the kind's own version. */
int objects_convert_in(const api_route *rt, json_object *obj, mk_err *err);
/* A stored object as the route's version shows it, in place. */
void objects_convert_out(const api_route *rt, json_object *obj);
/* Reply with a stored object, at the route's version: JSON, or a one-row
 * Table. obj may be converted in place. */
enum MHD_Result objects_reply(api_req *r, unsigned status, const api_route *rt,
                              json_object *obj);
/* The same, sending stored (obj as the backend serialized it, see
 * mk_write.stored) when the client wants plain JSON of the stored
 * version; NULL: objects_reply. */
enum MHD_Result objects_reply_stored(api_req *r, unsigned status, const api_route *rt,
                                     json_object *obj, const char *stored, size_t len);
#endif

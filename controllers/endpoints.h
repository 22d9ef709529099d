/* endpoints.h - the endpoints controller: for every Service with a
 * selector, an Endpoints object of the same name listing the pods that
 * match it, as Kubernetes' endpoints controller writes them.
 *
 * A pod counts when it has a podIP, is not terminating and has not
 * finished; Ready=True puts it in subsets[].addresses, anything else in
 * notReadyAddresses. Each address carries ip, nodeName and a targetRef to
 * the pod. A Service port's targetPort is a number, or a container port
 * name resolved in each pod (a pod without that name leaves the port out);
 * pods that resolve to the same ports share a subset. A Service without a
 * selector is left alone (its Endpoints are the user's).
 */
#ifndef MK_CONTROLLERS_ENDPOINTS_H
#define MK_CONTROLLERS_ENDPOINTS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

/* The pure part, for tests. Feed each pod of the Service's namespace to
 * endpoints_builder_add (pods are only read); endpoints_builder_finish
 * returns the subsets array, sorted so equal inputs give equal output
 * (caller puts), and frees the builder. */
typedef struct endpoints_builder endpoints_builder;
endpoints_builder *endpoints_builder_new(json_object *svc);
void endpoints_builder_add(endpoints_builder *b, json_object *pod);
json_object *endpoints_builder_finish(endpoints_builder *b);

/* Does the Service's spec.selector (a plain map, non-empty) match these
 * labels? False for a Service without a selector. */
bool endpoints_selects(json_object *svc, json_object *labels);

#endif

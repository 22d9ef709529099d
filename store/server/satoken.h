/* satoken.h - service account tokens, as Kubernetes' token Secrets.
 *
 * A Secret of type kubernetes.io/service-account-token that names an
 * account (annotation kubernetes.io/service-account.name) gets a random
 * token when it is created (data.token, and data.namespace): made by the
 * API server rather than by a controller, so the create's reply has it. A
 * request bearing the token is the user system:serviceaccount:NS:NAME
 * with the rbac role (rbac.h), for as long as the Secret and an account of
 * that name exist. This is how a program outside the cluster (a CI job)
 * gets a kubeconfig of its own:
 *
 *     kubectl create serviceaccount ci
 *     kubectl apply -f secret-ci-token.yaml   # the type and annotation
 *     kubectl get secret ci-token -o jsonpath='{.data.token}' | base64 -d
 *
 * (`kubectl create token ci` gives an expiring one: tokenreq.h.)
 */
#ifndef MK_SERVER_SATOKEN_H
#define MK_SERVER_SATOKEN_H

#include <json-c/json.h>
#include <stddef.h>

#include "store/server/apiserver.h"

#define SATOKEN_MOUNT "/var/run/secrets/kubernetes.io/serviceaccount"

#define SATOKEN_TYPE       "kubernetes.io/service-account-token"
#define SATOKEN_ANNOTATION "kubernetes.io/service-account.name"

/* Give a token Secret being created its token, unless it brings one.
 * Other objects are left alone. */
void satoken_fill(json_object *secret);

/* What a pod's account token volume holds: a TokenRequest token of this
 * lifetime (Kubernetes' 3607 s; tokenreq.h extends a pod-bound one), the
 * cluster's CA from this ConfigMap (every namespace has it: mk-controller-
 * manager's root-ca-cert-publisher) and the namespace. */
#define SATOKEN_TTL     3607
#define SATOKEN_ROOT_CA "kube-root-ca.crt"

/* A pod being created on a server with tokens gets its service account's
 * token, as Kubernetes' ServiceAccount admission gives it: unless the pod
 * or the account turns automountServiceAccountToken off, or the account
 * (spec.serviceAccountName, "default") does not exist, the pod gets the
 * projected volume kube-api-access-<5 letters> (files token, ca.crt and
 * namespace; the kubelet asks for the token, bound to the pod), mounted
 * read-only at SATOKEN_MOUNT in each container that mounts nothing there. */
void satoken_admit_pod(api_req *r, json_object *pod);

/* The user that presents token: 0 with "system:serviceaccount:NS:NAME" in
 * user (n bytes); EPERM when no token Secret of an existing account holds
 * it, or, for a JWT, when tokenreq_identify does not take it. */
int satoken_identify(api_server *srv, const char *token, char *user, size_t n, mk_err *err);

#endif

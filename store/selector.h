/* selector.h - Kubernetes label and field selectors.
 *
 * Label selectors as in ?labelSelector=: "app=web,tier!=db",
 * "env in (prod,staging)", "env notin (dev)", "gpu", "!gpu", "a==b".
 * Field selectors as in ?fieldSelector=: "spec.nodeName=n1",
 * "metadata.name=web", "metadata.namespace!=kube-system", "status.phase=Running";
 * an empty value means the field is absent or empty ("spec.nodeName=").
 */
#ifndef MK_SELECTOR_H
#define MK_SELECTOR_H

#include <json-c/json.h>
#include <stdbool.h>

#include "store/error.h"

typedef struct mk_selector mk_selector;

/* Parse a label selector; NULL or "" gives a selector matching everything.
 * EBADMSG naming the bad term. Caller frees with selector_free. */
int selector_parse_labels(const char *text, mk_selector **out, mk_err *err);
/* Parse a field selector (only "=", "==", "!=" terms). EBADMSG on others. */
int selector_parse_fields(const char *text, mk_selector **out, mk_err *err);
/* Build a label selector from a LabelSelector object
 * ({matchLabels:{...}, matchExpressions:[{key,operator,values}]}).
 * An empty/NULL selector matches everything. EINVAL naming the field. */
int selector_from_object(json_object *sel, mk_selector **out, mk_err *err);

/* Does the selector object sel select labels? NULL (a PodDisruptionBudget
 * without one) and a selector that does not parse select nothing; {}
 * selects everything. For one match; parse once to match many. */
bool selector_object_selects(json_object *sel, json_object *labels);

/* Does a labels map (metadata.labels, may be NULL) satisfy the selector? */
bool selector_match_labels(const mk_selector *s, json_object *labels);
/* Does an object satisfy a field selector? */
bool selector_match_fields(const mk_selector *s, json_object *obj);
/* Field selector fast path for the API server: the value a selector
 * requires of one field ("spec.nodeName"), or NULL if it does not pin it. */
const char *selector_field_equals(const mk_selector *s, const char *field);
bool selector_is_empty(const mk_selector *s);
/* The selector as Kubernetes' Selector.String() writes it: requirements
 * sorted by key, joined by ','; "k=v", "k!=v", "k in (a,b)", "k notin
 * (a,b)" (values sorted), "k", "!k", "k>1", "k<1". "" for an empty one.
 * Caller frees. */
char *selector_text(const mk_selector *s);

void selector_free(mk_selector *s);

/* Label syntax, shared with validation: NULL when key is a valid label key
 * (an optional DNS-1123 subdomain prefix and '/', then a name of at most 63
 * characters of [A-Za-z0-9-_.] starting and ending alphanumeric) or value
 * (empty, or such a name); otherwise a static sentence saying why. */
const char *selector_label_key_error(const char *key);
const char *selector_label_value_error(const char *value);

#endif

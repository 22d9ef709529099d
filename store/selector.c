/* selector.c - label and field selectors, with Kubernetes' grammar.
 *
 * A selector is a list of requirements, all of which must hold. Label
 * selectors follow k8s.io/apimachinery/pkg/labels: a small lexer (identifiers
 * end at whitespace or one of ",=!()<>") and a recursive-descent parser.
 * Field selectors follow pkg/fields: terms split on unescaped ',', each
 * "key=value", "key==value" or "key!=value", with '\' escaping ',', '=' and
 * '\' in values.
 */
#include "store/selector.h"
#include "store/codec.h"
#include "store/util.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

typedef enum sel_op {
    SEL_EXISTS,
    SEL_NOT_EXISTS,
    SEL_EQ, /* "=", "==" and In with one value behave alike; kept apart for
               selector_field_equals */
    SEL_NEQ,
    SEL_IN,
    SEL_NOTIN,
    SEL_GT,
    SEL_LT,
} sel_op;

typedef struct sel_req {
    char *key;
    sel_op op;
    char **values;
    size_t nvalues;
} sel_req;

struct mk_selector {
    sel_req *reqs;
    size_t n;
};

static sel_req *add_req(mk_selector *s, const char *key, size_t keylen, sel_op op)
{
    s->reqs = xrealloc(s->reqs, (s->n + 1) * sizeof *s->reqs);
    sel_req *r = &s->reqs[s->n++];
    *r = (sel_req){.key = xstrndup(key, keylen), .op = op};
    return r;
}

static void req_add_value(sel_req *r, const char *v, size_t len)
{
    r->values = xrealloc(r->values, (r->nvalues + 1) * sizeof *r->values);
    r->values[r->nvalues++] = xstrndup(v, len);
}

void selector_free(mk_selector *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        for (size_t j = 0; j < s->reqs[i].nvalues; j++)
            free(s->reqs[i].values[j]);
        free(s->reqs[i].values);
        free(s->reqs[i].key);
    }
    free(s->reqs);
    free(s);
}

bool selector_is_empty(const mk_selector *s)
{
    return !s || s->n == 0;
}

/* ---- text ---- */

/* By key; where keys tie, in the order written (qsort is not stable, but
 * the requirements are one array, so their addresses keep that order). */
static int req_cmp(const void *a, const void *b)
{
    const sel_req *x = *(const sel_req *const *)a, *y = *(const sel_req *const *)b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x > y) - (x < y);
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "(a,b)": a set's values, sorted; the selector itself stays as written. */
static void put_value_set(mk_buf *b, const sel_req *r)
{
    _cleanup_free_ const char **v = xcalloc(r->nvalues, sizeof *v);
    memcpy(v, r->values, r->nvalues * sizeof *v);
    qsort(v, r->nvalues, sizeof *v, str_cmp);
    mk_buf_puts(b, "(");
    for (size_t i = 0; i < r->nvalues; i++)
        mk_buf_printf(b, "%s%s", i ? "," : "", v[i]);
    mk_buf_puts(b, ")");
}

char *selector_text(const mk_selector *s)
{
    static const char *const op_text[] = {
        [SEL_EQ] = "=",          [SEL_NEQ] = "!=", [SEL_IN] = " in ",
        [SEL_NOTIN] = " notin ", [SEL_GT] = ">",   [SEL_LT] = "<",
    };
    size_t n = s ? s->n : 0;
    _cleanup_free_ const sel_req **reqs = xcalloc(n, sizeof *reqs);
    for (size_t i = 0; i < n; i++)
        reqs[i] = &s->reqs[i];
    qsort(reqs, n, sizeof *reqs, req_cmp);
    mk_buf b = {0};
    for (size_t i = 0; i < n; i++) {
        const sel_req *r = reqs[i];
        mk_buf_printf(&b, "%s%s%s", i ? "," : "", r->op == SEL_NOT_EXISTS ? "!" : "", r->key);
        if (r->op == SEL_EXISTS || r->op == SEL_NOT_EXISTS)
            continue;
        mk_buf_puts(&b, op_text[r->op]);
        if (r->op == SEL_IN || r->op == SEL_NOTIN)
            put_value_set(&b, r);
        else
            mk_buf_puts(&b, r->values[0]);
    }
    return mk_buf_steal(&b);
}

/* ---- label syntax ---- */

#define LABEL_NAME_MAX 63

static bool is_alnum(char c)
{
    return isascii((unsigned char)c) && isalnum((unsigned char)c);
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9], at most 63 */
static const char *name_part_error(const char *s, size_t n)
{
    if (n == 0)
        return "name part must be non-empty";
    if (n > LABEL_NAME_MAX)
        return "name part must be no more than 63 characters";
    for (size_t i = 0; i < n; i++)
        if (!is_alnum(s[i]) && !strchr("-_.", s[i]))
            return "name part must consist of alphanumeric characters, '-', '_' or '.'";
    if (!is_alnum(s[0]) || !is_alnum(s[n - 1]))
        return "name part must start and end with an alphanumeric character";
    return NULL;
}

const char *selector_label_key_error(const char *key)
{
    if (!key)
        return "name part must be non-empty";
    const char *slash = strchr(key, '/');
    if (!slash)
        return name_part_error(key, strlen(key));
    if (slash == key)
        return "prefix part must be non-empty";
    _cleanup_free_ char *prefix = xstrndup(key, (size_t)(slash - key));
    if (!mk_is_dns1123_subdomain(prefix))
        return "prefix part must be a lowercase RFC 1123 subdomain of at most 253 characters";
    return name_part_error(slash + 1, strlen(slash + 1));
}

const char *selector_label_value_error(const char *value)
{
    if (!value)
        return "must be a string";
    size_t n = strlen(value);
    if (n == 0)
        return NULL;
    if (n > LABEL_NAME_MAX)
        return "must be no more than 63 characters";
    const char *why = name_part_error(value, n);
    if (why)
        return "a valid label must be an empty string or consist of alphanumeric characters, "
               "'-', '_' or '.', and must start and end with an alphanumeric character";
    return NULL;
}

/* ---- label selector lexer and parser ---- */

typedef enum tok_type {
    T_END,
    T_IDENT,
    T_COMMA,
    T_EQ,  /* = */
    T_DEQ, /* == */
    T_NEQ, /* != */
    T_NOT, /* ! */
    T_IN,
    T_NOTIN,
    T_LPAREN,
    T_RPAREN,
    T_GT,
    T_LT,
} tok_type;

typedef struct lexer {
    const char *text, *p;
    tok_type type;
    const char *tok; /* start and length of the current token */
    size_t len;
    const char *term; /* start of the term being parsed, for messages */
    mk_err *err;
} lexer;

static bool is_special(char c)
{
    return strchr(",=!()<>", c) != NULL || isspace((unsigned char)c);
}

static void lex(lexer *lx)
{
    while (isspace((unsigned char)*lx->p))
        lx->p++;
    lx->tok = lx->p;
    lx->len = 1;
    char c = *lx->p;
    if (!c) {
        lx->type = T_END;
        lx->len = 0;
        return;
    }
    if (c == '=' || c == '!') {
        bool two = lx->p[1] == '=';
        lx->type = c == '=' ? (two ? T_DEQ : T_EQ) : (two ? T_NEQ : T_NOT);
        lx->len = two ? 2 : 1;
    } else if (strchr(",()<>", c)) {
        lx->type = c == ','   ? T_COMMA
                   : c == '(' ? T_LPAREN
                   : c == ')' ? T_RPAREN
                   : c == '>' ? T_GT
                              : T_LT;
    } else {
        const char *q = lx->p;
        while (*q && !is_special(*q))
            q++;
        lx->len = (size_t)(q - lx->p);
        lx->type = T_IDENT;
        if (lx->len == 2 && !strncmp(lx->p, "in", 2))
            lx->type = T_IN;
        else if (lx->len == 5 && !strncmp(lx->p, "notin", 5))
            lx->type = T_NOTIN;
    }
    lx->p += lx->len;
}

static int bad_term(lexer *lx, const char *why)
{
    const char *start = lx->term ? lx->term : lx->text;
    size_t n = strcspn(start, ",");
    if (memchr(start, '(', n)) /* "a in (x,y)": the term runs to its ')' */
        n = strchr(start, ')') ? (size_t)(strchr(start, ')') - start + 1) : strlen(start);
    return mk_error(lx->err, EBADMSG, "label selector: term \"%.*s\": %s",
                    (int)(n > 200 ? 200 : n), start, why);
}

static int check_key(lexer *lx, const char *key, size_t len)
{
    _cleanup_free_ char *k = xstrndup(key, len);
    const char *why = selector_label_key_error(k);
    if (why) {
        char msg[300];
        snprintf(msg, sizeof msg, "invalid label key \"%.100s\": %s", k, why);
        return bad_term(lx, msg);
    }
    return 0;
}

static int check_value(lexer *lx, const char *v, size_t len)
{
    _cleanup_free_ char *s = xstrndup(v, len);
    const char *why = selector_label_value_error(s);
    if (why) {
        char msg[300];
        snprintf(msg, sizeof msg, "invalid label value \"%.100s\": %s", s, why);
        return bad_term(lx, msg);
    }
    return 0;
}

static bool is_word(tok_type t)
{
    return t == T_IDENT || t == T_IN || t == T_NOTIN;
}

/* "(" v1, v2, ... ")" — the opening paren is the current token. As in
 * Kubernetes, "()" is the set {""} and "(a,,b)" / "(a,)" hold an empty value. */
static int parse_set(lexer *lx, sel_req *r)
{
    if (lx->type != T_LPAREN)
        return bad_term(lx, "expected '(' after in/notin");
    lex(lx);
    if (lx->type == T_RPAREN) {
        req_add_value(r, "", 0);
        lex(lx);
        return 0;
    }
    for (;;) {
        if (is_word(lx->type)) {
            int e = check_value(lx, lx->tok, lx->len);
            if (e < 0)
                return e;
            req_add_value(r, lx->tok, lx->len);
            lex(lx);
        } else if (lx->type == T_COMMA || lx->type == T_RPAREN) {
            req_add_value(r, "", 0);
        } else {
            return bad_term(lx, "expected a value or ')'");
        }
        if (lx->type == T_RPAREN) {
            lex(lx);
            return 0;
        }
        if (lx->type != T_COMMA)
            return bad_term(lx, "expected ',' or ')' in the values set");
        lex(lx);
    }
}

static int parse_requirement(lexer *lx, mk_selector *s)
{
    lx->term = lx->tok;
    if (lx->type == T_NOT) {
        lex(lx);
        if (lx->type != T_IDENT)
            return bad_term(lx, "expected a label key after '!'");
        int e = check_key(lx, lx->tok, lx->len);
        if (e < 0)
            return e;
        add_req(s, lx->tok, lx->len, SEL_NOT_EXISTS);
        lex(lx);
        return 0;
    }
    if (lx->type != T_IDENT)
        return bad_term(lx, "expected a label key");
    const char *key = lx->tok;
    size_t keylen = lx->len;
    int e = check_key(lx, key, keylen);
    if (e < 0)
        return e;
    lex(lx);
    if (lx->type == T_END || lx->type == T_COMMA) {
        add_req(s, key, keylen, SEL_EXISTS);
        return 0;
    }
    sel_op op;
    switch (lx->type) {
    case T_EQ:
    case T_DEQ:
        op = SEL_EQ;
        break;
    case T_NEQ:
        op = SEL_NEQ;
        break;
    case T_IN:
        op = SEL_IN;
        break;
    case T_NOTIN:
        op = SEL_NOTIN;
        break;
    case T_GT:
        op = SEL_GT;
        break;
    case T_LT:
        op = SEL_LT;
        break;
    default:
        return bad_term(lx, "expected one of =, ==, !=, in, notin, <, >");
    }
    lex(lx);
    sel_req *r = add_req(s, key, keylen, op);
    if (op == SEL_IN || op == SEL_NOTIN)
        return parse_set(lx, r);
    /* A single value, possibly empty ("a=" matches a="" only). */
    if (lx->type == T_END || lx->type == T_COMMA) {
        if (op == SEL_GT || op == SEL_LT)
            return bad_term(lx, "expected an integer after < or >");
        req_add_value(r, "", 0);
        return 0;
    }
    if (!is_word(lx->type))
        return bad_term(lx, "expected a value");
    if (op == SEL_GT || op == SEL_LT) {
        char *end;
        _cleanup_free_ char *v = xstrndup(lx->tok, lx->len);
        errno = 0;
        (void)strtoll(v, &end, 10);
        if (*end || errno)
            return bad_term(lx, "expected an integer after < or >");
    } else if ((e = check_value(lx, lx->tok, lx->len)) < 0) {
        return e;
    }
    req_add_value(r, lx->tok, lx->len);
    lex(lx);
    return 0;
}

int selector_parse_labels(const char *text, mk_selector **out, mk_err *err)
{
    mk_selector *s = xcalloc(1, sizeof *s);
    lexer lx = {.text = text ? text : "", .p = text ? text : "", .err = err};
    lex(&lx);
    while (lx.type != T_END) {
        int e = parse_requirement(&lx, s);
        if (e == 0 && lx.type != T_END && lx.type != T_COMMA)
            e = bad_term(&lx, "expected ',' between requirements");
        if (e == 0 && lx.type == T_COMMA) {
            lex(&lx);
            if (lx.type == T_END)
                e = bad_term(&lx, "trailing ','");
        }
        if (e < 0) {
            selector_free(s);
            return e;
        }
    }
    *out = s;
    return 0;
}

/* ---- field selectors ---- */

/* Copy s[0..n) into a new string, undoing the '\' escapes. NULL on a bad one. */
static char *unescape(const char *s, size_t n)
{
    char *out = xmalloc(n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\') {
            if (i + 1 >= n || !strchr("\\,=", s[i + 1])) {
                free(out);
                return NULL;
            }
            i++;
        }
        *o++ = s[i];
    }
    *o = '\0';
    return out;
}

static int parse_field_term(mk_selector *s, const char *t, size_t n, mk_err *err)
{
    for (size_t i = 0; i < n; i++) {
        if (t[i] == '\\') {
            i++;
            continue;
        }
        size_t oplen = 0;
        sel_op op = SEL_EQ;
        if (t[i] == '!' && i + 1 < n && t[i + 1] == '=')
            oplen = 2, op = SEL_NEQ;
        else if (t[i] == '=' && i + 1 < n && t[i + 1] == '=')
            oplen = 2;
        else if (t[i] == '=')
            oplen = 1;
        if (!oplen)
            continue;
        if (i == 0)
            break;
        _cleanup_free_ char *key = unescape(t, i);
        char *value = unescape(t + i + oplen, n - i - oplen);
        if (!key || !value) {
            free(value);
            return mk_error(err, EBADMSG, "field selector: term \"%.*s\": invalid escape",
                            (int)n, t);
        }
        sel_req *r = add_req(s, key, strlen(key), op);
        r->values = xmalloc(sizeof *r->values);
        r->values[0] = value;
        r->nvalues = 1;
        return 0;
    }
    return mk_error(err, EBADMSG,
                    "field selector: term \"%.*s\": expected field=value, field==value or "
                    "field!=value",
                    (int)(n > 200 ? 200 : n), t);
}

int selector_parse_fields(const char *text, mk_selector **out, mk_err *err)
{
    mk_selector *s = xcalloc(1, sizeof *s);
    const char *p = text ? text : "";
    while (*p) {
        size_t n = 0;
        while (p[n] && p[n] != ',')
            n += p[n] == '\\' && p[n + 1] ? 2 : 1;
        int e = parse_field_term(s, p, n, err);
        if (e < 0) {
            selector_free(s);
            return e;
        }
        p += n;
        if (*p == ',' && !*++p) {
            selector_free(s);
            return mk_error(err, EBADMSG, "field selector: trailing ','");
        }
    }
    *out = s;
    return 0;
}

/* ---- selectors from LabelSelector objects ---- */

static int from_match_labels(mk_selector *s, json_object *ml, mk_err *err)
{
    if (!json_object_is_type(ml, json_type_object))
        return mk_error(err, EINVAL, "matchLabels: Invalid value: must be an object");
    json_object_object_foreach(ml, k, v)
    {
        const char *why = selector_label_key_error(k);
        if (why)
            return mk_error(err, EINVAL, "matchLabels: Invalid value: \"%s\": %s", k, why);
        if (!json_object_is_type(v, json_type_string))
            return mk_error(err, EINVAL, "matchLabels.%s: Invalid value: must be a string", k);
        if ((why = selector_label_value_error(json_object_get_string(v))))
            return mk_error(err, EINVAL, "matchLabels.%s: Invalid value: \"%s\": %s", k,
                            json_object_get_string(v), why);
        sel_req *r = add_req(s, k, strlen(k), SEL_EQ);
        req_add_value(r, json_object_get_string(v), strlen(json_object_get_string(v)));
    }
    return 0;
}

static int from_expression(mk_selector *s, json_object *e, size_t i, mk_err *err)
{
    static const struct {
        const char *name;
        sel_op op;
        bool values;
    } ops[] = {
        {"In", SEL_IN, true},
        {"NotIn", SEL_NOTIN, true},
        {"Exists", SEL_EXISTS, false},
        {"DoesNotExist", SEL_NOT_EXISTS, false},
    };
    if (!json_object_is_type(e, json_type_object))
        return mk_error(err, EINVAL, "matchExpressions[%zu]: Invalid value: must be an object",
                        i);
    const char *key = mk_json_str(e, "key");
    const char *opname = mk_json_str(e, "operator");
    json_object *values = mk_json_path(e, "values");
    if (!key)
        return mk_error(err, EINVAL, "matchExpressions[%zu].key: Required value", i);
    const char *why = selector_label_key_error(key);
    if (why)
        return mk_error(err, EINVAL, "matchExpressions[%zu].key: Invalid value: \"%s\": %s", i,
                        key, why);
    if (!opname)
        return mk_error(err, EINVAL, "matchExpressions[%zu].operator: Required value", i);
    size_t o = 0;
    while (o < ARRAY_SIZE(ops) && strcmp(ops[o].name, opname))
        o++;
    if (o == ARRAY_SIZE(ops))
        return mk_error(err, EINVAL,
                        "matchExpressions[%zu].operator: Unsupported value: \"%s\": supported "
                        "values: \"In\", \"NotIn\", \"Exists\", \"DoesNotExist\"",
                        i, opname);
    if (values && !json_object_is_type(values, json_type_array))
        return mk_error(err, EINVAL,
                        "matchExpressions[%zu].values: Invalid value: must be a list", i);
    size_t nv = values ? json_object_array_length(values) : 0;
    if (ops[o].values && nv == 0)
        return mk_error(err, EINVAL,
                        "matchExpressions[%zu].values: Required value: must be specified when "
                        "`operator` is 'In' or 'NotIn'",
                        i);
    if (!ops[o].values && nv > 0)
        return mk_error(err, EINVAL,
                        "matchExpressions[%zu].values: Forbidden: may not be specified when "
                        "`operator` is 'Exists' or 'DoesNotExist'",
                        i);
    sel_req *r = add_req(s, key, strlen(key), ops[o].op);
    for (size_t j = 0; j < nv; j++) {
        json_object *v = json_object_array_get_idx(values, j);
        if (!json_object_is_type(v, json_type_string))
            return mk_error(
                err, EINVAL,
                "matchExpressions[%zu].values[%zu]: Invalid value: must be a string", i, j);
        const char *sv = json_object_get_string(v);
        if ((why = selector_label_value_error(sv)))
            return mk_error(err, EINVAL,
                            "matchExpressions[%zu].values[%zu]: Invalid value: \"%s\": %s", i,
                            j, sv, why);
        req_add_value(r, sv, strlen(sv));
    }
    return 0;
}

int selector_from_object(json_object *sel, mk_selector **out, mk_err *err)
{
    mk_selector *s = xcalloc(1, sizeof *s);
    int e = 0;
    if (sel && !json_object_is_type(sel, json_type_object))
        e = mk_error(err, EINVAL, "Invalid value: a label selector must be an object");
    json_object *ml = mk_json_path(sel, "matchLabels");
    json_object *me = mk_json_path(sel, "matchExpressions");
    if (e == 0 && ml)
        e = from_match_labels(s, ml, err);
    if (e == 0 && me && !json_object_is_type(me, json_type_array))
        e = mk_error(err, EINVAL, "matchExpressions: Invalid value: must be a list");
    for (size_t i = 0; e == 0 && me && i < json_object_array_length(me); i++)
        e = from_expression(s, json_object_array_get_idx(me, i), i, err);
    if (e < 0) {
        selector_free(s);
        return e;
    }
    *out = s;
    return 0;
}

/* ---- matching ---- */

static bool in_values(const sel_req *r, const char *v)
{
    for (size_t i = 0; i < r->nvalues; i++)
        if (!strcmp(r->values[i], v))
            return true;
    return false;
}

/* One requirement against a value (NULL when the key is absent). */
static bool req_matches(const sel_req *r, const char *v)
{
    switch (r->op) {
    case SEL_EXISTS:
        return v != NULL;
    case SEL_NOT_EXISTS:
        return v == NULL;
    case SEL_EQ:
    case SEL_IN:
        return v && in_values(r, v);
    case SEL_NEQ:
    case SEL_NOTIN:
        return !v || !in_values(r, v);
    case SEL_GT:
    case SEL_LT: {
        if (!v)
            return false;
        char *end;
        errno = 0;
        long long a = strtoll(v, &end, 10);
        if (*end || errno || end == v)
            return false;
        long long b = strtoll(r->values[0], NULL, 10);
        return r->op == SEL_GT ? a > b : a < b;
    }
    }
    return false;
}

bool selector_match_labels(const mk_selector *s, json_object *labels)
{
    for (size_t i = 0; s && i < s->n; i++) {
        json_object *v = NULL;
        const char *str = NULL;
        if (json_object_is_type(labels, json_type_object) &&
            json_object_object_get_ex(labels, s->reqs[i].key, &v))
            str = v ? json_object_get_string(v) : "";
        if (!req_matches(&s->reqs[i], str))
            return false;
    }
    return true;
}

bool selector_match_fields(const mk_selector *s, json_object *obj)
{
    for (size_t i = 0; s && i < s->n; i++) {
        const sel_req *r = &s->reqs[i];
        json_object *v = mk_json_path(obj, r->key);
        /* An absent or null field reads as "", so "spec.nodeName=" selects
         * unscheduled pods, as in Kubernetes. */
        const char *str = "";
        if (json_object_is_type(v, json_type_string))
            str = json_object_get_string(v);
        else if (v)
            str = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
        if (!req_matches(r, str))
            return false;
    }
    return true;
}

const char *selector_field_equals(const mk_selector *s, const char *field)
{
    for (size_t i = 0; s && field && i < s->n; i++)
        if (s->reqs[i].op == SEL_EQ && !strcmp(s->reqs[i].key, field))
            return s->reqs[i].values[0];
    return NULL;
}

bool selector_object_selects(json_object *sel, json_object *labels)
{
    mk_selector *s = NULL;
    mk_err err = {0};
    bool match =
        sel && selector_from_object(sel, &s, &err) == 0 && selector_match_labels(s, labels);
    selector_free(s);
    return match;
}

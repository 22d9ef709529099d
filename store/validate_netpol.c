/* validate_netpol.c - networking.k8s.io/v1 NetworkPolicies, as Kubernetes'
 * ValidateNetworkPolicySpec checks them, in its words.
 *
 * One difference: an ipBlock is an IPv4 CIDR. minik8s pods have IPv4
 * addresses only, and mk-proxy writes the blocks into an nftables table of
 * the ip family, so a strict parse here also keeps that script well formed.
 */
#include <arpa/inet.h>
#include <string.h>

#include "store/util.h"
#include "store/validate_impl.h"

#define PORT_MAX 65535

/* Is there an IPv6 address before text's '/'? Only to say why a CIDR that
 * Kubernetes would take is refused. */
static bool looks_ipv6(const char *text)
{
    char a[INET6_ADDRSTRLEN];
    struct in6_addr in;
    size_t n = strcspn(text, "/");
    if (n >= sizeof a)
        return false;
    memcpy(a, text, n);
    a[n] = '\0';
    return inet_pton(AF_INET6, a, &in) == 1;
}

static int check_cidr(const char *path, const char *text, uint32_t *net, int *bits, mk_err *err)
{
    if (mk_parse_ipv4_cidr(text, net, bits) == 0)
        return 0;
    if (looks_ipv6(text))
        return field_invalid_str(err, path, text,
                                 "must be an IPv4 CIDR value: minik8s pods have IPv4 "
                                 "addresses only");
    return field_invalid_str(err, path, text,
                             "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)");
}

static int check_ip_block(json_object *block, const char *base, mk_err *err)
{
    vpath p;
    SUBPATH(p, "%s.cidr", base);
    const char *cidr = get_str(block, "cidr");
    uint32_t net, sub;
    int bits, sub_bits, r;
    if (empty_str(cidr))
        return field_required(err, p, NULL);
    if ((r = check_cidr(p, cidr, &net, &bits, err)) < 0)
        return r;
    json_object *except = get(block, "except");
    for (size_t i = 0; i < list_len(except); i++) {
        const char *e = json_object_get_string(list_at(except, i)) ?: "";
        SUBPATH(p, "%s.except[%zu]", base, i);
        if ((r = check_cidr(p, e, &sub, &sub_bits, err)) < 0)
            return r;
        if (sub_bits <= bits || ((sub ^ net) & mk_ipv4_mask(bits)))
            return field_invalid_str(err, p, e, "must be a strict subset of `cidr`");
    }
    return 0;
}

/* A rule's peer (base: "spec.ingress[0].from[1]"): pods by their labels
 * and their namespace's, or addresses, never both. */
static int check_peer(json_object *peer, const char *base, mk_err *err)
{
    json_object *pods = get(peer, "podSelector"), *nss = get(peer, "namespaceSelector");
    json_object *block = get(peer, "ipBlock");
    vpath p;
    int r;
    SUBPATH(p, "%s.podSelector", base);
    if ((r = check_label_selector(pods, p, err)) < 0)
        return r;
    SUBPATH(p, "%s.namespaceSelector", base);
    if ((r = check_label_selector(nss, p, err)) < 0)
        return r;
    SUBPATH(p, "%s.ipBlock", base);
    if (block && (r = check_ip_block(block, p, err)) < 0)
        return r;
    if (!pods && !nss && !block)
        return field_required(err, base, "must specify a peer");
    if (block && (pods || nss))
        return field_forbidden(err, base, "may not specify both ipBlock and another peer");
    return 0;
}

/* A rule's port: a number (with endPort, a range) or a named container
 * port; an absent protocol is TCP. */
static int check_port(json_object *port, const char *base, mk_err *err)
{
    json_object *num = get(port, "port"), *end = get(port, "endPort");
    vpath p;
    int r;
    if ((r = check_enum(port, "protocol", base, port_protocols, false, err)) < 0)
        return r;
    SUBPATH(p, "%s.endPort", base);
    if (end && !json_object_is_type(num, json_type_int))
        return field_invalid(err, p, end, "may not be specified when `port` is %s",
                             num ? "non-numeric" : "not specified");
    if ((r = check_int_or_name_port(port, "port", base, false, err)) < 0 || !end)
        return r;
    if (json_object_get_int64(end) < json_object_get_int64(num)) /* Kubernetes shows the port */
        return field_invalid(err, p, num, "must be greater than or equal to `port`");
    return check_range(port, "endPort", base, 1, PORT_MAX, err);
}

/* spec.ingress (peers in "from") or spec.egress (peers in "to"). */
static int check_rules(json_object *spec, const char *field, const char *peers, mk_err *err)
{
    json_object *rules = get(spec, field);
    int r;
    for (size_t i = 0; i < list_len(rules); i++) {
        json_object *rule = list_at(rules, i), *ports = get(rule, "ports");
        json_object *from = get(rule, peers);
        vpath p;
        for (size_t j = 0; j < list_len(ports); j++) {
            SUBPATH(p, "spec.%s[%zu].ports[%zu]", field, i, j);
            if ((r = check_port(list_at(ports, j), p, err)) < 0)
                return r;
        }
        for (size_t j = 0; j < list_len(from); j++) {
            SUBPATH(p, "spec.%s[%zu].%s[%zu]", field, i, peers, j);
            if ((r = check_peer(list_at(from, j), p, err)) < 0)
                return r;
        }
    }
    return 0;
}

static int check_policy_types(json_object *types, mk_err *err)
{
    static const char *const allowed[] = {"Ingress", "Egress", NULL};
    if (list_len(types) > 2)
        return field_invalid(err, "spec.policyTypes", types,
                             "may not specify more than two policyTypes");
    for (size_t i = 0; i < list_len(types); i++) {
        const char *t = json_object_get_string(list_at(types, i)) ?: "";
        vpath p;
        SUBPATH(p, "spec.policyTypes[%zu]", i);
        if (strcmp(t, allowed[0]) && strcmp(t, allowed[1]))
            return field_unsupported(err, p, t, allowed);
        /* Kubernetes takes [Ingress, Ingress]; a second of one type can
         * only be a mistake. With two at most, only [1] can repeat. */
        if (i == 1 && !strcmp(t, json_object_get_string(list_at(types, 0))))
            return field_duplicate(err, p, t);
    }
    return 0;
}

int validate_networkpolicy(json_object *obj, mk_err *err)
{
    json_object *spec = get(obj, "spec");
    int r;
    /* Kubernetes' type has no pointer here: an absent one reads as {},
     * every pod. Asked for, so that "every pod" is written down. */
    if (!has(spec, "podSelector"))
        return field_required(err, "spec.podSelector", NULL);
    if ((r = check_label_selector(get(spec, "podSelector"), "spec.podSelector", err)) < 0 ||
        (r = check_rules(spec, "ingress", "from", err)) < 0 ||
        (r = check_rules(spec, "egress", "to", err)) < 0)
        return r;
    return check_policy_types(get(spec, "policyTypes"), err);
}

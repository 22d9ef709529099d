/* apiservice.c - the `kubernetes` Service, through which pods reach the API
 * server (see apiservice.h). */
#include "store/server/apiservice.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "store/codec.h"
#include "store/kinds.h"
#include "store/log.h"
#include "store/server/objects.h"
#include "store/util.h"

#define API_SERVICE "kubernetes"
#define API_IP      "10.96.0.1" /* clusterip.c keeps it for this */

static json_object *object_new(const char *kind)
{
    json_object *o = mk_json_new_object("v1", kind, "default", API_SERVICE);
    json_object *md = mk_json_path(o, "metadata");
    json_object *labels = mk_json_ensure(md, "labels");
    json_object_object_add(labels, "component", json_object_new_string("apiserver"));
    json_object_object_add(labels, "provider", json_object_new_string("kubernetes"));
    return o;
}

static json_object *port_new(const char *name, int port, int target)
{
    json_object *p = json_object_new_object();
    json_object_object_add(p, "name", json_object_new_string(name));
    json_object_object_add(p, "port", json_object_new_int(port));
    json_object_object_add(p, "protocol", json_object_new_string("TCP"));
    if (target)
        json_object_object_add(p, "targetPort", json_object_new_int(target));
    return p;
}

static json_object *service_new(const char *name, int port)
{
    json_object *svc = object_new("Service");
    json_object *spec = mk_json_ensure(svc, "spec");
    json_object_object_add(spec, "type", json_object_new_string("ClusterIP"));
    json_object_object_add(spec, "clusterIP", json_object_new_string(API_IP));
    json_object *ips = json_object_new_array();
    json_object_array_add(ips, json_object_new_string(API_IP));
    json_object_object_add(spec, "clusterIPs", ips);
    json_object *ports = json_object_new_array();
    json_object_array_add(ports, port_new(name, strcmp(name, "https") ? 80 : 443, port));
    json_object_object_add(spec, "ports", ports);
    return svc;
}

static json_object *endpoints_new(const char *name, const char *ip, int port)
{
    json_object *ep = object_new("Endpoints");
    json_object *addr = json_object_new_object();
    json_object_object_add(addr, "ip", json_object_new_string(ip));
    json_object *addrs = json_object_new_array(), *ports = json_object_new_array();
    json_object_array_add(addrs, addr);
    json_object_array_add(ports, port_new(name, port, 0));
    json_object *subset = json_object_new_object();
    json_object_object_add(subset, "addresses", addrs);
    json_object_object_add(subset, "ports", ports);
    json_object *subsets = json_object_new_array();
    json_object_array_add(subsets, subset);
    json_object_object_add(ep, "subsets", subsets);
    return ep;
}

/* The Endpoints name where the server is now (its port may be new). */
static int put_endpoints(api_server *srv, json_object *ep, mk_err *err)
{
    const mk_kind *k = kind_by_kind("Endpoints");
    _cleanup_free_ char *key = kind_key(k, "default", API_SERVICE);
    json_object *old = NULL;
    int64_t rev;
    mk_err gerr = {0};
    if (objects_load(srv, k, "default", API_SERVICE, &old, &rev, &gerr) < 0)
        return objects_put_new(srv, ep, err);
    bool same = json_object_equal(mk_json_path(old, "subsets"), mk_json_path(ep, "subsets"));
    int rc = 0;
    if (!same) {
        json_object_object_add(ep, "metadata", json_object_get(mk_json_path(old, "metadata")));
        mk_write w = {
            .op = MK_WRITE_UPDATE, .key = key, .obj = ep, .prev = old, .expect_rev = rev};
        rc = backend_write(srv->be, &w, &rev, err);
    }
    json_object_put(old);
    return rc;
}

/* The address to advertise: the one given, else the listening one unless
 * it is loopback or any (pods reach neither). */
static bool advertised(const char *given, const char *listen, char *ip, size_t n)
{
    if (given) {
        snprintf(ip, n, "%s", given);
        return true;
    }
    const char *colon = strrchr(listen, ':');
    snprintf(ip, n, "%.*s", colon ? (int)(colon - listen) : 0, listen);
    struct in_addr a;
    return inet_pton(AF_INET, ip, &a) == 1 && (ntohl(a.s_addr) >> 24) != 127 && a.s_addr != 0;
}

int apiservice_publish(api_server *srv, const char *advertise, bool tls, mk_err *err)
{
    char ip[64];
    if (!advertised(advertise, srv->listen, ip, sizeof ip))
        return 0;
    const char *colon = strrchr(srv->listen, ':');
    int port = colon ? atoi(colon + 1) : 0;
    const char *name = tls ? "https" : "http";
    json_object *svc = service_new(name, port), *ep = endpoints_new(name, ip, port);
    int rc = objects_put_new(srv, svc, err);
    if (rc == 0)
        rc = put_endpoints(srv, ep, err);
    json_object_put(svc);
    json_object_put(ep);
    if (rc == 0)
        mk_log("the kubernetes Service (%s) leads to %s:%d", API_IP, ip, port);
    return rc;
}

/* The spec keys every network fault shares: which traffic ("peers",
 * "ports", "protocol") and where ("interface", "direction"). The u32
 * encoding of the selection is lib/net/tcfilter's; this is only the JSON. */
#include <stdio.h>
#include <string.h>

#include "jsonv.h"
#include "tc_engine.h"

int nf_parse_select(struct tcf_select *ret, const cJSON *json, const char *path, struct error *e)
{
        const cJSON *peers = NULL, *ports, *it;
        const char *proto = NULL;
        char p[JV_PATH_MAX], ip[JV_PATH_MAX];
        int r, i = 0;

        memset(ret, 0, sizeof(*ret));
        r = jv_string_array(json, path, "peers", 0, 0, &peers, e);
        if (r < 0)
                return r;
        jv_path(p, path, "peers");
        cJSON_ArrayForEach(it, peers) {
                jv_path_index(ip, p, i++);
                if (ret->n_peers >= TCF_MAX_PEERS)
                        return error_path(e, p, "at most %d peers", TCF_MAX_PEERS);
                if (tcf_parse_cidr(it->valuestring, &ret->peers[ret->n_peers]) < 0)
                        return error_path(e, ip,
                                          "\"%.64s\" is not an IPv4/IPv6 address or CIDR (host bits must be zero)",
                                          it->valuestring);
                ret->n_peers++;
        }
        jv_path(p, path, "ports");
        ports = cJSON_GetObjectItemCaseSensitive(json, "ports");
        if (ports) {
                if (!cJSON_IsArray(ports))
                        return error_path(e, p, "must be an array of port numbers");
                i = 0;
                cJSON_ArrayForEach(it, ports) {
                        jv_path_index(ip, p, i++);
                        /* Range first: casting an out-of-range double to
                         * int is undefined (found by fuzz_spec). */
                        if (!cJSON_IsNumber(it) || !(it->valuedouble >= 1 && it->valuedouble <= 65535) ||
                            it->valuedouble != (double)(int)it->valuedouble)
                                return error_path(e, ip, "must be a port number 1..65535");
                        if (ret->n_ports >= TCF_MAX_PORTS)
                                return error_path(e, p, "at most %d ports", TCF_MAX_PORTS);
                        ret->ports[ret->n_ports++] = (uint16_t)it->valueint;
                }
        }
        r = jv_string(json, path, "protocol", 0, &proto, e);
        if (r < 0)
                return r;
        if (proto) {
                jv_path(p, path, "protocol");
                if (strcmp(proto, "tcp") == 0)
                        ret->protocol = TCF_PROTO_TCP;
                else if (strcmp(proto, "udp") == 0)
                        ret->protocol = TCF_PROTO_UDP;
                else if (strcmp(proto, "icmp") == 0)
                        ret->protocol = TCF_PROTO_ICMP;
                else if (strcmp(proto, "all") == 0)
                        ret->protocol = TCF_PROTO_ALL;
                else
                        return error_path(e, p, "\"%.32s\" is not one of tcp, udp, icmp, all", proto);
                if (ret->protocol == TCF_PROTO_ICMP && ret->n_ports)
                        return error_path(e, p, "icmp has no ports");
        }
        return 0;
}

static int parse_ifaces(struct netfault *nf, const cJSON *json, const char *path, struct error *e)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(json, "interface"), *it;
        char jp[JV_PATH_MAX];

        jv_path(jp, path, "interface");
        if (!v)
                return 0;
        if (cJSON_IsString(v)) {
                if (!v->valuestring[0] || strlen(v->valuestring) >= IF_NAMESIZE || strchr(v->valuestring, '/'))
                        return error_path(e, jp, "\"%.32s\" is not an interface name", v->valuestring);
                snprintf(nf->ifnames[nf->n_ifnames++], IF_NAMESIZE, "%s", v->valuestring);
                return 0;
        }
        if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
                return error_path(e, jp, "must be an interface name or a non-empty array of them");
        cJSON_ArrayForEach(it, v) {
                if (!cJSON_IsString(it) || !it->valuestring[0] || strlen(it->valuestring) >= IF_NAMESIZE)
                        return error_path(e, jp, "every entry must be an interface name");
                if (nf->n_ifnames >= NF_MAX_IFACES)
                        return error_path(e, jp, "at most %d interfaces", NF_MAX_IFACES);
                snprintf(nf->ifnames[nf->n_ifnames++], IF_NAMESIZE, "%s", it->valuestring);
        }
        return 0;
}

int nf_parse_where(struct netfault *nf, const cJSON *json, const char *path, const char *default_dir, struct error *e)
{
        const char *dir = NULL;
        char jp[JV_PATH_MAX];
        int r;

        r = parse_ifaces(nf, json, path, e);
        if (r < 0)
                return r;
        r = jv_string(json, path, "direction", 0, &dir, e);
        if (r < 0)
                return r;
        if (!dir)
                dir = default_dir;
        jv_path(jp, path, "direction");
        if (strcmp(dir, "egress") == 0)
                nf->egress = 1;
        else if (strcmp(dir, "ingress") == 0)
                nf->ingress = 1;
        else if (strcmp(dir, "both") == 0)
                nf->egress = nf->ingress = 1;
        else
                return error_path(e, jp, "\"%.32s\" is not one of egress, ingress, both", dir);
        return 0;
}

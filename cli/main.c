/* chaosctl: global options, the verb table and the only place that prints
 * errors. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cli.h"
#include "curl_dl.h"
#include "format.h"
#include "remote.h"

static const struct verb verbs[] = {
        { "validate", verb_validate, "[--exec] FILE",
          "check a spec locally (FILE may be - for stdin; --exec: a spec for exec, without target)" },
        { "run", verb_run, "FILE [--wait] [--report F.json] [--junit F.xml] [-- CMD...]",
          "start an experiment; --wait follows it to its end" },
        { "ls", verb_ls, "[--json]", "list experiments, newest first" },
        { "get", verb_get, "ID [--json]", "show one experiment: state, time left, targets, faults" },
        { "stop", verb_stop, "ID [--json]", "stop an experiment and revert its faults" },
        { "halt", verb_halt, "[--json]", "stop every active experiment" },
        { "events", verb_events, "[--follow] [--json] [ID]", "show events (of one experiment); --follow streams" },
        { "exec", verb_exec, "--spec FILE -- CMD...", "run CMD as the target of a spec without target" },
        { "schedules", verb_schedules, "[ls | rm ID] [--json]", "list scheduled experiments, or delete one" },
};

volatile sig_atomic_t cli_interrupted;

static void on_signal(int sig)
{
        cli_interrupted = 1;
}

int cli_catch_signals(struct error *e)
{
        struct sigaction sa = { .sa_handler = on_signal };

        /* No SA_RESTART: a sleep between polls ends at once. */
        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0)
                return error_sys(e, errno, "sigaction");
        return 0;
}

int cli_getopt(struct cli *c, int argc, char **argv, const char *shortopts, const struct option *longopts,
               struct error *e)
{
        const char *rest = shortopts;
        const char *order = "";
        char all[64];

        if (*rest == '+') { /* stop at the first operand (exec -- CMD) */
                order = "+";
                rest++;
        }
        if (*rest == ':')
                rest++;
        /* -s is common to every verb, like --socket. */
        snprintf(all, sizeof(all), "%s:s:%s", order, rest);
        opterr = 0;
        for (;;) {
                int opt = getopt_long(argc, argv, all, longopts, NULL);

                switch (opt) {
                case 's':
                case CLI_OPT_SOCKET:
                        c->socket = optarg;
                        c->http.socket = optarg;
                        break;
                case CLI_OPT_JSON:
                        c->json = 1;
                        break;
                case ':':
                        return error_set(e, EINVAL, "%s: option '%s' needs an argument", argv[0], argv[optind - 1]);
                case '?':
                        if (optopt && optopt < 0x100)
                                return error_set(e, EINVAL, "%s: unknown option '-%c'", argv[0], optopt);
                        return error_set(e, EINVAL, "%s: unknown option '%s'", argv[0], argv[optind - 1]);
                default:
                        return opt;
                }
        }
}

static const struct verb *find_verb(const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
                if (strcmp(verbs[i].name, name) == 0)
                        return &verbs[i];
        return NULL;
}

int cli_usage_error(const char *verb, struct error *e)
{
        const struct verb *v = find_verb(verb);

        return error_set(e, EINVAL, "usage: chaosctl %s %s", verb, v ? v->args : "");
}

static void usage(FILE *f)
{
        fprintf(f, "Usage: chaosctl [--socket PATH | --host https://HOST:PORT | --hosts FILE]\n"
                   "                [--cert F --key F --cacert F] [--json] VERB [ARGS...]\n\n"
                   "The command-line client of chaosd, the chaos-engineering fault injector.\n\nVerbs:\n");
        for (size_t i = 0; i < ARRAY_SIZE(verbs); i++) {
                /* Long arguments push the summary to a line of its own. */
                if (strlen(verbs[i].args) > 36)
                        fprintf(f, "  %-9s %s\n  %-9s %-36s %s\n", verbs[i].name, verbs[i].args, "", "",
                                verbs[i].summary);
                else
                        fprintf(f, "  %-9s %-36s %s\n", verbs[i].name, verbs[i].args, verbs[i].summary);
        }
        fprintf(f,
                "\nOptions:\n"
                "  -s, --socket PATH  chaosd's socket (default $CHAOSD_SOCKET, else %s)\n"
                "      --json         print the daemon's JSON on read verbs\n"
                "      --host URL     a remote chaosd over mutual TLS (with --cert, --key, --cacert)\n"
                "      --hosts FILE   run the verb on every host listed (one URL per line)\n"
                "  -h, --help         this help; `chaosctl VERB --help` for one verb\n"
                "  -V, --version      print the version\n\n"
                "Exit status: 0 ok, 1 experiment failed or error, 2 usage or invalid spec,\n"
                "3 daemon unreachable. See chaosctl(1).\n",
                CHAOSD_DEFAULT_SOCKET);
}

/* `chaosctl VERB --help`: anywhere before a "--". */
static int wants_verb_help(int argc, char **argv)
{
        for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
                if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
                        return 1;
        return 0;
}

void cli_print_raw(const struct http_response *r)
{
        fwrite(r->body, 1, r->len, stdout);
        if (r->len == 0 || r->body[r->len - 1] != '\n')
                putchar('\n');
}

int cli_call(struct cli *c, const char *method, const char *path, const char *body, size_t body_len,
             struct http_response *ret, cJSON **ret_json, struct error *e)
{
        struct http_response local = { 0 };
        struct http_response *r = ret ? ret : &local;
        int rc;

        rc = cli_http_request(&c->http, method, path, body, body_len, r, e);
        if (rc >= 0)
                rc = cli_http_error(r, e);
        if (rc >= 0 && ret_json) {
                *ret_json = cJSON_ParseWithLength(r->body, r->len);
                if (!*ret_json)
                        rc = error_set(e, EPROTO, "chaosd answered %s %s with invalid JSON", method, path);
        }
        cli_http_response_free(&local);
        return rc;
}

int main(int argc, char **argv)
{
        static const struct option longopts[] = {
                { "socket", required_argument, NULL, 's' },
                { "json", no_argument, NULL, 'j' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                CLI_REMOTE_LONGOPTS,
                { NULL, 0, NULL, 0 },
        };
        struct cli c = { 0 };
        struct cli_remote remote = { 0 };
        struct error e = { 0 };
        const struct verb *v;
        const char *env = getenv("CHAOSD_SOCKET");
        int opt, r;

        c.socket = env && *env ? env : CHAOSD_DEFAULT_SOCKET;
        opterr = 0;
        /* '+': global options end at the verb; the verb parses the rest. */
        while ((opt = getopt_long(argc, argv, "+:s:hV", longopts, NULL)) != -1) {
                switch (opt) {
                case 's':
                        c.socket = optarg;
                        break;
                case 'j':
                        c.json = 1;
                        break;
                case 'h':
                        usage(stdout);
                        return EXIT_OK;
                case 'V':
                        printf("chaosctl %s\n", CHAOSD_VERSION);
                        return EXIT_OK;
                case CLI_OPT_HOST ... CLI_OPT_HOSTS:
                        (void)cli_remote_option(&remote, opt, optarg);
                        break;
                case ':':
                        fprintf(stderr, "chaosctl: option '%s' needs an argument\n", argv[optind - 1]);
                        return EXIT_USAGE;
                default:
                        fprintf(stderr, "chaosctl: unknown option '%s'; see chaosctl --help\n", argv[optind - 1]);
                        return EXIT_USAGE;
                }
        }
        if (optind >= argc) {
                fprintf(stderr, "chaosctl: missing verb\n\n");
                usage(stderr);
                return EXIT_USAGE;
        }
        v = find_verb(argv[optind]);
        if (!v) {
                fprintf(stderr, "chaosctl: unknown verb '%s'; see chaosctl --help\n", argv[optind]);
                return EXIT_USAGE;
        }
        argc -= optind;
        argv += optind;
        if (wants_verb_help(argc, argv)) {
                printf("Usage: chaosctl %s %s\n  %s\n", v->name, v->args, v->summary);
                return EXIT_OK;
        }
        c.http.socket = c.socket;
        if (cli_remote_check(&remote, &e) < 0) {
                fprintf(stderr, "chaosctl: %s\n", e.msg);
                return EXIT_USAGE;
        }
        if (remote.host || remote.hosts_file) {
                c.http.remote = &remote;
                c.http.transport = &cli_http_curl_transport;
                c.http.socket = remote.host ? remote.host : remote.hosts_file;
        }
        optind = 0; /* full re-initialisation of getopt for the verb */
        r = remote.hosts_file ? cli_remote_fanout(&c, v, argc, argv, &e) : v->run(&c, argc, argv, &e);
        cli_http_client_free(&c.http);
        cli_curl_unload(); /* loaded only by a remote request */
        if (fflush(stdout) != 0 && r >= 0)
                r = error_sys(&e, errno, "writing output");
        if (r < 0)
                fprintf(stderr, "chaosctl: %s\n", e.msg[0] ? e.msg : strerror(-r));
        return cli_exit_code(r);
}

/* mk-gpu - runs GpuJobs on an HPC cluster: SSH to a login host, Slurm there.
 *
 * Flags only; the work is in controller.c (informer + worker),
 * reconcile.c (a job's steps), hpc.c (SSH/SFTP) and slurm.c (the script).
 */
#include <getopt.h>
#include <libssh/libssh.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu/controller.h"
#include "store/client.h"
#include "store/daemon.h"
#include "store/log.h"
#include "store/util.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: mk-gpu --server URL [options]\n"
            "Runs GpuJobs (minik8s.io/v1) on the Slurm cluster each job's Secret names,\n"
            "over SSH: uploads sources and a batch script, sbatch, polls, and writes the\n"
            "output to the job's status and its <job>-output ConfigMap.\n"
            "\n"
            "  --server URL          the API server (http://127.0.0.1:6443)\n"
            "  --token-file F        bearer token file (first field of the first line)\n"
            "  --certificate-authority F  https: the API server's CA (default: the system's)\n"
            "  --poll-interval MS    longest wait between two polls of a Slurm job\n"
            "                        (polls start at 100 ms and back off; default 2000)\n"
            "  --help                this text\n");
}

int main(int argc, char **argv)
{
    mk_log_init("mk-gpu");
    static const struct option longopts[] = {
        {"server", required_argument, NULL, 's'},
        {"token-file", required_argument, NULL, 't'},
        {MK_CA_FLAG, required_argument, NULL, 'A'},
        {"poll-interval", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    const char *server = NULL, *token_file = NULL, *ca_file = NULL;
    long poll_ms = 2000;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 's':
            server = optarg;
            break;
        case 't':
            token_file = optarg;
            break;
        case 'A':
            ca_file = optarg;
            break;
        case 'p':
            poll_ms = strtol(optarg, &end, 10);
            if (*end || poll_ms < 100 || poll_ms > 3600000) {
                fprintf(stderr,
                        "mk-gpu: --poll-interval: a number of ms from 100 to 3600000\n");
                return 2;
            }
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!server || optind < argc) {
        fprintf(stderr, "mk-gpu: --server is required (see --help)\n");
        return 2;
    }

    mk_err err = {0};
    if (token_file) { /* fail early and clearly on an unreadable token */
        char *token = NULL;
        if (client_read_token(token_file, &token, &err) < 0) {
            fprintf(stderr, "mk-gpu: %s\n", err.msg);
            return 1;
        }
        free(token);
    }
    mk_client *client;
    mk_client_opts co = {.server = server, .token_file = token_file, .ca_file = ca_file};
    if (daemon_client_new("mk-gpu", &co, &client) < 0)
        return 1;
    int status;
    char *resp = NULL;
    size_t len;
    if (client_request(client, "GET", "/healthz", NULL, NULL, 0, &status, &resp, &len, NULL,
                       &err) < 0) {
        fprintf(stderr, "mk-gpu: cannot reach the API server at %s: %s\n", server, err.msg);
        free(resp);
        client_free(client);
        return 1;
    }
    free(resp);

    ssh_init();
    /* Only sigwait below sees SIGTERM/SIGINT; every thread inherits the mask. */
    sigset_t stop;
    daemon_block_signals(&stop);

    gpu_controller *g;
    gpu_controller_opts gopts = {.client = client, .poll_interval_ms = (int)poll_ms};
    if (gpu_controller_start(&gopts, &g, &err) < 0) {
        fprintf(stderr, "mk-gpu: %s\n", err.msg);
        client_free(client);
        return 1;
    }
    mk_log("watching GpuJobs on %s (poll interval %ld ms)", server, poll_ms);
    daemon_wait_stop(&stop);
    gpu_controller_stop(g);
    client_free(client);
    ssh_finalize();
    return 0;
}

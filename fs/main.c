/* mk-fs - mount a minik8s cluster as a filesystem (DESIGN.md, "The filesystem").
 *
 *   mk-fs --server URL [--token-file F] [-f] [-o allow_other,...] MOUNTPOINT
 *
 * Without -f it returns once the mount is ready (informers synced, mount
 * made) and keeps serving in the background; with -f it stays in front.
 * SIGTERM, SIGINT and `fusermount3 -u` unmount cleanly.
 */
#include "fs/cache.h"
#include "fs/errors.h"
#include "fs/inode.h"
#include "fs/ops.h"
#include "fs/scratch.h"
#include "store/client.h"
#include "store/log.h"
#include "store/util.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* A request fails within this (the issue: "never hang past a few seconds"). */
#define FS_REQUEST_TIMEOUT_MS 3000
#define FS_SYNC_TIMEOUT_MS    15000

static void usage(FILE *f)
{
    fprintf(f,
            "usage: mk-fs --server URL [--token-file FILE] [-f] [-o OPT[,OPT...]] MOUNTPOINT\n"
            "\n"
            "Mount the minik8s cluster served at URL on MOUNTPOINT.\n"
            "\n"
            "  --server URL        the API server (http://127.0.0.1:6443)\n"
            "  --token-file FILE   bearer token (first field of the first line)\n"
            "  --certificate-authority F  https: the API server's CA (default: the system's)\n"
            "  -f, --foreground    stay in the foreground (default: return once mounted)\n"
            "  -o OPTS             FUSE mount options: allow_other, ro, ...\n"
            "  --log-file FILE     where the log goes once in the background\n"
            "                      (default: nowhere; with -f: stderr)\n"
            "  -d, --debug         FUSE debug output (implies -f)\n"
            "  -h, --help          this text\n");
}

typedef struct fs_opts {
    const char *server, *token_file, *ca_file, *mountpoint, *log_file;
    char *fuse_opts;
    bool foreground, debug;
} fs_opts;

static int parse_args(int argc, char **argv, fs_opts *o)
{
    static const struct option longopts[] = {
        {"server", required_argument, NULL, 's'},
        {"token-file", required_argument, NULL, 't'},
        {MK_CA_FLAG, required_argument, NULL, 'A'},
        {"log-file", required_argument, NULL, 'l'},
        {"foreground", no_argument, NULL, 'f'},
        {"debug", no_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    mk_buf opts = {0};
    mk_buf_puts(&opts, "subtype=mk-fs,default_permissions");
    int c;
    while ((c = getopt_long(argc, argv, "fdho:", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            o->server = optarg;
            break;
        case 't':
            o->token_file = optarg;
            break;
        case 'A':
            o->ca_file = optarg;
            break;
        case 'l':
            o->log_file = optarg;
            break;
        case 'f':
            o->foreground = true;
            break;
        case 'd':
            o->debug = o->foreground = true;
            break;
        case 'o':
            mk_buf_printf(&opts, ",%s", optarg);
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return -1;
        }
    }
    if (optind != argc - 1 || !o->server) {
        fprintf(stderr, "mk-fs: %s\n",
                !o->server ? "--server URL is required" : "exactly one MOUNTPOINT is required");
        usage(stderr);
        mk_buf_free(&opts);
        return -1;
    }
    /* The mount's source is the server, as an NFS mount shows its host:
     * `findmnt -no SOURCE /cluster` is how rkubectl finds the API server
     * (exec -it talks to it directly). A comma would end the option. */
    if (!strstr(opts.data, "fsname=") && !strchr(o->server, ','))
        mk_buf_printf(&opts, ",fsname=%s", o->server);
    o->fuse_opts = mk_buf_steal(&opts);
    o->mountpoint = argv[optind];
    return 0;
}

/* Tell the waiting parent how the start went (background mode). */
static void report(int fd, const char *msg)
{
    if (fd < 0)
        return;
    if (write(fd, msg, strlen(msg)) < 0) {
        /* the parent is gone: nothing to tell */
    }
    close(fd);
}

/* Fork; the parent waits for the child's word and exits with it. Returns
 * the fd the child reports on. */
static int background(void)
{
    int p[2];
    if (pipe(p) < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid > 0) {
        close(p[1]);
        char msg[1024] = "";
        ssize_t n = read(p[0], msg, sizeof msg - 1);
        msg[n > 0 ? n : 0] = '\0';
        if (strcmp(msg, "ok") == 0)
            exit(0);
        fprintf(stderr, "mk-fs: %s\n", msg[0] ? msg : "failed to start");
        exit(1);
    }
    close(p[0]);
    setsid();
    return p[1];
}

/* In the background the caller's terminal is no place for the log. */
static void detach_stdio(const char *log_file)
{
    int fd = open("/dev/null", O_RDWR);
    int log = log_file ? open(log_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640) : -1;
    if (fd >= 0) {
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(log >= 0 ? log : fd, 2);
        if (fd > 2)
            close(fd);
    }
    if (log > 2)
        close(log);
    if (chdir("/") < 0) {
        /* stay where we are */
    }
}

int main(int argc, char **argv)
{
    mk_log_init("mk-fs");
    fs_opts o = {0};
    if (parse_args(argc, argv, &o) < 0)
        return 2;
    mk_err err = {0};
    char msg[1024];
    char *token = NULL;
    if (o.token_file && client_read_token(o.token_file, &token, &err) < 0) {
        fprintf(stderr, "mk-fs: %s\n", err.msg);
        return 1;
    }
    int report_fd = o.foreground ? -1 : background();

    mk_client *client = NULL;
    mk_client_opts copts = {.server = o.server,
                            .token_file = o.token_file,
                            .ca_file = o.ca_file,
                            .timeout_ms = FS_REQUEST_TIMEOUT_MS,
                            .user_agent = "mk-fs"};
    if (client_new(&copts, &client, &err) < 0 ||
        fs_cache_start(client, FS_SYNC_TIMEOUT_MS, &err) < 0) {
        snprintf(msg, sizeof msg, "cannot start: %s", err.msg);
        goto fail;
    }
    fs_ops_init(&(fs_ops_config){.client = client,
                                 .exec = {o.server, token, o.ca_file},
                                 .uid = getuid(),
                                 .gid = getgid()});

    char *fargv[] = {argv[0], "-o", o.fuse_opts, o.debug ? "-d" : NULL, NULL};
    struct fuse_args args = FUSE_ARGS_INIT(o.debug ? 4 : 3, fargv);
    struct fuse_session *se = fuse_session_new(&args, fs_ops(), sizeof *fs_ops(), NULL);
    fuse_opt_free_args(&args);
    if (!se) {
        snprintf(msg, sizeof msg, "cannot start: bad mount options \"%s\"", o.fuse_opts);
        goto fail;
    }
    if (fuse_set_signal_handlers(se) != 0 || fuse_session_mount(se, o.mountpoint) != 0) {
        snprintf(msg, sizeof msg, "cannot mount on %s", o.mountpoint);
        fuse_session_destroy(se);
        goto fail;
    }
    fs_cache_set_session(se);
    mk_log("mounted %s on %s", o.server, o.mountpoint);
    if (report_fd >= 0) {
        detach_stdio(o.log_file);
        report(report_fd, "ok");
    }

    struct fuse_loop_config *cfg = fuse_loop_cfg_create();
    fuse_loop_cfg_set_clone_fd(cfg, 0);
    fuse_loop_cfg_set_max_threads(cfg, 64);
    int r = fuse_session_loop_mt(se, cfg);
    fuse_loop_cfg_destroy(cfg);

    fs_cache_set_session(NULL);
    fuse_session_unmount(se);
    fuse_remove_signal_handlers(se);
    fuse_session_destroy(se);
    mk_log("unmounted %s", o.mountpoint);
    fs_cache_stop();
    client_free(client);
    fs_scratch_free_all();
    fs_inode_free_all();
    fs_errors_clear();
    free(token);
    free(o.fuse_opts);
    return r == 0 ? 0 : 1;

fail:
    if (report_fd >= 0)
        report(report_fd, msg);
    else
        fprintf(stderr, "mk-fs: %s\n", msg);
    fs_cache_stop();
    client_free(client);
    free(token);
    free(o.fuse_opts);
    return 1;
}

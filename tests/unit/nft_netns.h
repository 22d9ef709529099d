/* nft_netns.h - for mk-proxy's table tests: apply a rendered script for
 * real, in a private network namespace of a child process, then replace
 * it with itself and remove it (twice: removing what is gone works too).
 * Skips the test when not root or when no namespace can be made. */
#ifndef MK_TEST_NFT_NETNS_H
#define MK_TEST_NFT_NETNS_H

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proxy/nft.h"

static void apply_in_netns(char *(*render)(void), const char *delete_script)
{
    if (geteuid() != 0)
        skip();
    pid_t pid = fork();
    if (pid == 0) {
        if (unshare(CLONE_NEWNET) < 0)
            _exit(77);
        char *text = render();
        nft *n = nft_new();
        mk_err err = {0};
        const char *steps[] = {text, text, delete_script, delete_script};
        int rc = 0;
        for (size_t i = 0; i < 4 && rc == 0; i++)
            rc = nft_apply(n, steps[i], &err);
        if (rc < 0)
            fprintf(stderr, "%s\n", err.msg);
        nft_free(n);
        free(text);
        _exit(rc < 0 ? 1 : 0);
    }
    int status;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
        skip();
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

#endif

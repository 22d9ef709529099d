/* fs_probe - syscall-level checks the shell cannot make (tests/e2e/fs*.bats).
 *
 *   fs_probe poll FILE TIMEOUT_MS       open, poll(POLLIN) once: prints "ready" or
 *                                       "timeout"; when ready, reads and prints a line
 *   fs_probe write-after FILE TEXTFILE CMD...
 *                                       open FILE O_WRONLY|O_TRUNC, run CMD (a change
 *                                       made meanwhile), write TEXTFILE, close; prints
 *                                       "ok" or the errno name of the failing call
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *ename(int e)
{
    switch (e) {
    case EBUSY:
        return "EBUSY";
    case EINVAL:
        return "EINVAL";
    case EIO:
        return "EIO";
    case EACCES:
        return "EACCES";
    case EEXIST:
        return "EEXIST";
    default:
        return strerror(e);
    }
}

static int do_poll(const char *file, int timeout)
{
    int fd = open(file, O_RDONLY);
    if (fd < 0) {
        printf("open: %s\n", ename(errno));
        return 1;
    }
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r = poll(&p, 1, timeout);
    if (r == 0) {
        printf("timeout\n");
        return 0;
    }
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = '\0';
    printf("ready %s", buf);
    close(fd);
    return 0;
}

static int write_after(const char *file, const char *textfile, char **cmd)
{
    char text[65536];
    FILE *f = fopen(textfile, "r");
    size_t len = f ? fread(text, 1, sizeof text, f) : 0;
    if (f)
        fclose(f);
    int fd = open(file, O_WRONLY | O_TRUNC);
    if (fd < 0) {
        printf("open %s\n", ename(errno));
        return 0;
    }
    pid_t pid = fork();
    if (pid == 0) {
        execvp(cmd[0], cmd);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    if (write(fd, text, len) != (ssize_t)len) {
        printf("write %s\n", ename(errno));
        return 0;
    }
    if (close(fd) < 0) {
        printf("close %s\n", ename(errno));
        return 0;
    }
    printf("ok\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "poll") == 0)
        return do_poll(argv[2], atoi(argv[3]));
    if (argc >= 5 && strcmp(argv[1], "write-after") == 0)
        return write_after(argv[2], argv[3], argv + 4);
    fprintf(stderr, "usage: fs_probe poll FILE MS | write-after FILE TEXT CMD...\n");
    return 2;
}

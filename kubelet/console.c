#include "kubelet/console.h"
#include "store/execproto.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

static int set_size(int master, unsigned cols, unsigned rows, mk_err *err)
{
    struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
    if (ioctl(master, TIOCSWINSZ, &ws) < 0)
        return mk_error(err, errno, "terminal size: %s", strerror(errno));
    return 0;
}

int console_open(int *master, char *slave, size_t slave_size, mk_err *err)
{
    int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0 || grantpt(fd) < 0 || unlockpt(fd) < 0 ||
        ptsname_r(fd, slave, slave_size) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return mk_error(err, e, "pty: %s", strerror(e));
    }
    if (set_size(fd, 80, 24, err) < 0) {
        close(fd);
        return -err->code;
    }
    *master = fd;
    return 0;
}

int console_resize(int master, const char *text, size_t len, mk_err *err)
{
    unsigned cols, rows;
    if (execproto_size(text, len, &cols, &rows) < 0)
        return mk_error(err, EINVAL, "resize: \"COLS ROWS\" expected, got \"%.*s\"",
                        (int)(len < 32 ? len : 32), text);
    return set_size(master, cols, rows, err);
}

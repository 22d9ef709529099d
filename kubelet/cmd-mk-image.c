/* mk-image - manage the node-local image store the kubelet runs from. */
#include "kubelet/image.h"
#include "kubelet/image_python.h"
#include "store/error.h"
#include "store/util.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: mk-image [--root DIR] COMMAND\n"
        "  build-busybox [BUSYBOX]  build the busybox image from the host's static busybox\n"
        "  build-python3 [MK_FNRT]  build the function runtime images python3 and fnrt-sh\n"
        "  import NAME FILE         import a rootfs tarball or an OCI layout (DIR[:TAG])\n"
        "  list                     list the images\n"
        "  rm NAME                  remove an image\n"
        "  path NAME                print the image's rootfs\n"
        "--root DIR  the store (default %s)\n",
        IMAGE_ROOT_DEFAULT);
}

int main(int argc, char **argv)
{
    const char *root = IMAGE_ROOT_DEFAULT;
    static const struct option opts[] = {
        {"root", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "+r:h", opts, NULL)) != -1) {
        if (c == 'r')
            root = optarg;
        else if (c == 'h') {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[optind];
    int nargs = argc - optind - 1;
    char **args = argv + optind + 1;
    mk_err err = {0};
    int rc;
    if (strcmp(cmd, "build-busybox") == 0 && nargs <= 1) {
        rc = image_build_busybox(root, nargs ? args[0] : NULL, &err);
    } else if (strcmp(cmd, "build-python3") == 0 && nargs <= 1) {
        rc = image_build_function_runtimes(root, nargs ? args[0] : "bin/mk-fnrt", NULL, &err);
    } else if (strcmp(cmd, "import") == 0 && nargs == 2) {
        rc = image_import(root, args[0], args[1], &err);
    } else if (strcmp(cmd, "pull") == 0 && (nargs == 1 || nargs == 2)) {
        rc = image_pull(root, args[0], nargs == 2 ? args[1] : NULL, &err);
    } else if (strcmp(cmd, "rm") == 0 && nargs == 1) {
        rc = image_remove(root, args[0], &err);
    } else if (strcmp(cmd, "path") == 0 && nargs == 1) {
        _cleanup_free_ char *p = NULL;
        rc = image_rootfs(root, args[0], &p, &err);
        if (rc == 0)
            printf("%s\n", p);
    } else if (strcmp(cmd, "list") == 0 && nargs == 0) {
        json_object *names = NULL;
        rc = image_list(root, &names, &err);
        for (size_t i = 0; rc == 0 && i < json_object_array_length(names); i++)
            printf("%s\n", json_object_get_string(json_object_array_get_idx(names, i)));
        json_object_put(names);
    } else {
        usage(stderr);
        return 2;
    }
    if (rc < 0) {
        fprintf(stderr, "mk-image: %s\n", err.msg);
        return 1;
    }
    return 0;
}

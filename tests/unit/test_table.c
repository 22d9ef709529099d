/* The Table kubectl get asks for (store/server/table.c): the cells of kinds
 * whose text kubectl's printers compute. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "store/codec.h"
#include "store/server/table.h"

/* The cell of column title in kind's row for the object yaml. */
static void expect_cell(const char *kind, const char *yaml, const char *title, const char *want)
{
    const mk_kind *k = kind_by_kind(kind);
    assert_non_null(k);
    json_object *obj = NULL;
    mk_err err = {0};
    assert_int_equal(codec_decode(yaml, strlen(yaml), &obj, &err), 0);
    json_object *cols = table_columns(k), *row = table_row(k, obj, false);
    json_object *cells = json_object_object_get(row, "cells");
    size_t i = 0;
    while (i < json_object_array_length(cols) &&
           strcmp(json_object_get_string(
                      json_object_object_get(json_object_array_get_idx(cols, i), "name")),
                  title) != 0)
        i++;
    assert_true(i < json_object_array_length(cols));
    assert_string_equal(json_object_get_string(json_object_array_get_idx(cells, i)), want);
    json_object_put(cols);
    json_object_put(row);
    json_object_put(obj);
}

static void test_endpoints(void **state)
{
    (void)state;
    expect_cell("Endpoints", "metadata: {name: web}\n", "Endpoints", "<none>");
    expect_cell("Endpoints",
                "metadata: {name: web}\nsubsets: [{addresses: [{ip: 10.244.0.5}, {ip: "
                "10.244.0.6}], ports: [{port: 8080}]}]\n",
                "Endpoints", "10.244.0.5:8080,10.244.0.6:8080");
    /* Addresses of every port, three shown, the rest counted. */
    expect_cell("Endpoints",
                "metadata: {name: web}\nsubsets: [{addresses: [{ip: 10.0.0.1}, {ip: 10.0.0.2}],"
                " ports: [{port: 80}, {port: 443}]}, {addresses: [{ip: 10.0.0.3}]}]\n",
                "Endpoints", "10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 2 more...");
    /* A headless service without ports: the bare addresses. */
    expect_cell("Endpoints", "metadata: {name: db}\nsubsets: [{addresses: [{ip: 10.0.0.9}]}]\n",
                "Endpoints", "10.0.0.9");
    /* Only not-ready addresses: nothing to show, as kubectl shows it. */
    expect_cell("Endpoints",
                "metadata: {name: web}\nsubsets: [{notReadyAddresses: [{ip: 10.0.0.1}], "
                "ports: [{port: 80}]}]\n",
                "Endpoints", "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_endpoints)};
    return cmocka_run_group_tests_name("table", tests, NULL, NULL);
}

/* yaml_fixture.h - a test's objects written as YAML (or JSON) text, read
 * by the decoder every daemon uses. Text that does not decode fails the
 * test, naming the error and the text. Include after cmocka.h. */
#ifndef MK_TEST_YAML_FIXTURE_H
#define MK_TEST_YAML_FIXTURE_H

#include <string.h>

#include "store/codec.h"

static inline json_object *yaml(const char *text)
{
    json_object *o = NULL;
    mk_err err = {0};
    if (codec_decode(text, strlen(text), &o, &err) < 0)
        fail_msg("%s\n%s", err.msg, text);
    return o;
}

#endif

/* fuzz_decode.c - libFuzzer target for the object model.
 *
 * Any input is decoded; what decodes is validated against its kind (when
 * it names one), printed as YAML and decoded again, and the second decode
 * must give the same tree: the YAML printer must quote whatever the parser
 * would read back as another type. Selectors parse the same bytes too (a
 * label selector's text must parse back to itself), and so does the
 * protobuf decoder kubectl's bodies meet (what it makes is validated as a
 * decoded manifest is).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/codec.h"
#include "store/defaults.h"
#include "store/qos.h"
#include "store/quantity.h"
#include "store/selector.h"
#include "store/server/protobuf.h"
#include "store/validate.h"

static void roundtrip(json_object *obj)
{
    char *yaml = codec_to_yaml(obj);
    json_object *back = NULL;
    mk_err err = {0};
    if (codec_decode(yaml, strlen(yaml), &back, &err) < 0) {
        fprintf(stderr, "re-decode failed: %s\n---\n%s\n", err.msg, yaml);
        abort();
    }
    if (!json_object_equal(obj, back)) {
        fprintf(stderr, "round trip changed the object\n%s\n---\n%s\n---\n%s\n",
                codec_to_json(obj, NULL), yaml, codec_to_json(back, NULL));
        abort();
    }
    json_object_put(back);
    free(yaml);
}

static void validate(json_object *obj)
{
    const mk_kind *k = NULL;
    mk_warnings warn = {0};
    mk_err err = {0};
    if (validate_kind_of(obj, &k, &err) == 0) {
        if (validate_object(k, obj, &warn, &err) == 0) {
            /* normalised, it stays valid and unchanged in meaning */
            json_object *copy = NULL;
            json_object_deep_copy(obj, &copy, NULL);
            validate_normalize(k, copy);
            if (validate_update(k, obj, copy, &warn, &err) < 0) {
                fprintf(stderr, "normalised object refused: %s\n", err.msg);
                abort();
            }
            json_object_put(copy);
        }
    }
    /* Every kind sees every object: the checks must survive any shape,
     * and so must the defaults the API server applies before them. */
    for (size_t i = 0; i < mk_nkinds; i++) {
        validate_object(&mk_kinds[i], obj, &warn, &err);
        json_object *copy = mk_json_copy(obj);
        defaults_apply(&mk_kinds[i], copy);
        validate_object(&mk_kinds[i], copy, &warn, &err);
        json_object_put(copy);
    }
    qos_of_spec(mk_json_path(obj, "spec"));
}

/* A label selector's text (kubectl's SELECTOR columns) parses back to
 * the same text. */
static void selector_text_roundtrip(const mk_selector *s)
{
    char *text = selector_text(s);
    mk_selector *back = NULL;
    mk_err err = {0};
    if (selector_parse_labels(text, &back, &err) < 0) {
        fprintf(stderr, "selector text \"%s\" does not parse: %s\n", text, err.msg);
        abort();
    }
    char *again = selector_text(back);
    if (strcmp(text, again) != 0) {
        fprintf(stderr, "selector text changed: \"%s\" -> \"%s\"\n", text, again);
        abort();
    }
    free(again);
    selector_free(back);
    free(text);
}

static void selectors(const char *text)
{
    mk_selector *s = NULL;
    if (selector_parse_labels(text, &s, NULL) == 0) {
        selector_match_labels(s, NULL);
        selector_text_roundtrip(s);
        selector_free(s);
    }
    if (selector_parse_fields(text, &s, NULL) == 0)
        selector_free(s);
    mk_quantity q;
    if (quantity_parse(text, &q, NULL) == 0) {
        quantity_milli(&q);
        quantity_value(&q);
        quantity_cmp(&q, &q);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_object *obj = NULL;
    if (codec_decode((const char *)data, size, &obj, NULL) == 0) {
        validate(obj);
        mk_json_merge_patch(obj, obj);
        roundtrip(obj);
        json_object_put(obj);
    }
    if (protobuf_to_json(data, size, &obj, NULL) == 0) {
        validate(obj);
        roundtrip(obj);
        json_object_put(obj);
    }
    json_object *docs = NULL;
    if (codec_decode_all((const char *)data, size, &docs, NULL) == 0)
        json_object_put(docs);
    if (size < 4096) {
        char *text = strndup((const char *)data, size);
        selectors(text);
        free(text);
    }
    return 0;
}

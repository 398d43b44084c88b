/* NEP-297 events in contract logs.
 *
 * The rule (near-protocol.md §5): a log line is an event iff it starts with exactly
 * "EVENT_JSON:" and the rest is one JSON object (surrounding whitespace allowed, nothing else)
 * with string members "standard", "version" and "event" and an optional "data" of any type.
 * Duplicate members make the line not an event (serde refuses them too). Anything else is
 * "not an event" (OL_E_NOTFOUND), never a partial result. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "near_int.h"

static ol_err member_string(json_t *obj, const char *key, ol_near_arena *ar, const char **out,
                            ol_diag *d)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL)
        return OL_FAIL(d, OL_E_NOTFOUND, "not an event: missing \"%s\"", key);
    if (!json_is_string(v))
        return OL_FAIL(d, OL_E_NOTFOUND, "not an event: \"%s\" is not a string", key);
    char *s = ol_near_arena_strndup(ar, json_string_value(v), json_string_length(v));
    if (s == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "event: out of memory");
    *out = s;
    return OL_OK;
}

ol_err ol_near_event_parse(const char *line, size_t len, ol_near_arena *ar, ol_near_event *out,
                           ol_diag *d)
{
    static const char prefix[] = OL_NEAR_EVENT_PREFIX;
    const size_t plen = sizeof prefix - 1;
    if (line == NULL || len < plen || memcmp(line, prefix, plen) != 0)
        return OL_FAIL(d, OL_E_NOTFOUND, "not an event: no \"EVENT_JSON:\" prefix");

    json_error_t je;
    json_t *root =
        json_loadb(line + plen, len - plen, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (root == NULL)
        return OL_FAIL(d, OL_E_NOTFOUND, "not an event: invalid JSON at column %d: %s", je.column,
                       je.text);
    ol_near_event ev = {NULL, NULL, NULL, NULL};
    ol_err rc = OL_OK;
    if (!json_is_object(root)) {
        rc = OL_FAIL(d, OL_E_NOTFOUND, "not an event: the JSON is not an object");
        goto out;
    }
    if ((rc = member_string(root, "standard", ar, &ev.standard, d)) != OL_OK ||
        (rc = member_string(root, "version", ar, &ev.version, d)) != OL_OK ||
        (rc = member_string(root, "event", ar, &ev.event, d)) != OL_OK)
        goto out;
    json_t *data = json_object_get(root, "data");
    if (data != NULL) {
        char *s = json_dumps(data, JSON_COMPACT | JSON_ENCODE_ANY);
        if (s == NULL) {
            rc = OL_FAIL(d, OL_E_NOMEM, "event: out of memory");
            goto out;
        }
        ev.data_json = ol_near_arena_strndup(ar, s, strlen(s));
        json_free_t free_fn = NULL;
        json_get_alloc_funcs(NULL, &free_fn);
        free_fn(s);
        if (ev.data_json == NULL) {
            rc = OL_FAIL(d, OL_E_NOMEM, "event: out of memory");
            goto out;
        }
    }
    *out = ev;
out:
    json_decref(root);
    return rc;
}

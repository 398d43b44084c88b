/* env: the OutLayer system variables this run sees, as one JSON object in the platform's order,
 * e.g. {"NEAR_SENDER_ID":"alice.near","OUTLAYER_EXECUTION_TYPE":"HTTPS"}. Unset variables are
 * left out (the platform leaves the project ones unset when no project is involved). Secrets
 * are environment variables too, and are never printed: only the system names are looked at. */
#include "outlayer.h"

int main(void)
{
    ol_json_writer w;
    ol_jw_init(&w);
    ol_jw_object_begin(&w);
    for (int i = 0; i < OL_SYSVAR_COUNT; i++) {
        const char *value = ol_sysvar_get((ol_sysvar)i);
        if (value == NULL)
            continue;
        ol_jw_key(&w, ol_sysvar_name((ol_sysvar)i));
        ol_jw_string(&w, value);
    }
    ol_jw_object_end(&w);
    ol_jw_output(&w);
    return 0;
}

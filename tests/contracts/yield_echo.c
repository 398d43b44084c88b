/* Yield/resume echo (NEP-519), the shape of the OutLayer contract's request_execution /
 * resolve_execution / on_execution_response: request() yields and returns the yield promise, so
 * its transaction stays unfinished; respond() (a second transaction, by anyone, executed by this
 * same account) resumes it with a payload; on_resume() returns "echo:<payload>", or "timeout"
 * when nobody resumed within 200 blocks. */
#include "near_sdk.h"

#define CALLBACK_GAS (20 * NEAR_TGAS)

static const char PENDING[] = "pending";

/* request({"msg": S}) -> (after the resume) "echo:<payload>" or "timeout" */
NEAR_METHOD(request)
{
    near_assert_no_deposit();
    near_json args = near_args();
    size_t msg_len;
    const char *msg = near_arg_str(&args, "msg", &msg_len);

    near_jw cb;
    near_jw_init(&cb);
    near_jw_object_begin(&cb);
    near_jw_key(&cb, "msg");
    near_jw_str_n(&cb, msg, msg_len);
    near_jw_object_end(&cb);
    size_t cb_len;
    const char *cb_args = near_jw_finish(&cb, &cb_len);

    uint8_t data_id[NEAR_DATA_ID_LEN];
    uint64_t idx = near_yield_create("on_resume", cb_args, cb_len, CALLBACK_GAS, 0, data_id);
    near_storage_write(PENDING, sizeof PENDING - 1, data_id, sizeof data_id);

    char hex[2 * NEAR_DATA_ID_LEN + 1];
    near_hex_encode(data_id, sizeof data_id, hex);
    near_log3("data_id=", hex, NULL);
    near_jw ev;
    near_jw_init(&ev);
    near_jw_array_begin(&ev);
    near_jw_object_begin(&ev);
    near_jw_key(&ev, "msg");
    near_jw_str_n(&ev, msg, msg_len);
    near_jw_key(&ev, "data_id");
    near_jw_bytes_array(&ev, data_id, sizeof data_id);
    near_jw_object_end(&ev);
    near_jw_array_end(&ev);
    size_t ev_len;
    const char *ev_data = near_jw_finish(&ev, &ev_len);
    near_emit_event("yield-echo", "1.0.0", "requested", ev_data, ev_len);
    near_promise_return(idx);
}

/* respond({"data_id": HEX, "payload": S, "again": S?}) -> [resumed, resumed again?]
 * "again" resumes the same yield a second time in the same call: both succeed while the yield
 * is pending, and the callback must see the first payload. */
NEAR_METHOD(respond)
{
    near_assert_no_deposit();
    near_json args = near_args();
    size_t hex_len, payload_len, again_len;
    const char *hex = near_arg_str(&args, "data_id", &hex_len);
    const char *payload = near_arg_str(&args, "payload", &payload_len);
    uint8_t data_id[NEAR_DATA_ID_LEN];
    near_require(near_hex_decode(hex, hex_len, data_id, sizeof data_id),
                 "data_id must be 64 hex digits");
    const char *again;
    bool has_again = near_arg_opt_str(&args, "again", &again, &again_len);

    near_jw w;
    near_jw_init(&w);
    near_jw_array_begin(&w);
    near_jw_bool(&w, near_yield_resume(data_id, payload, payload_len));
    if (has_again)
        near_jw_bool(&w, near_yield_resume(data_id, again, again_len));
    near_jw_array_end(&w);
    near_jw_return(&w);
}

/* on_resume({"msg": S}) (private): the yield's callback. */
NEAR_METHOD(on_resume)
{
    near_assert_private();
    near_json args = near_args();
    const char *msg = near_arg_str(&args, "msg", NULL);
    near_require(near_promise_results_count() == 1, "expected one promise result");
    near_storage_remove(PENDING, sizeof PENDING - 1);
    uint8_t *payload;
    size_t len;
    if (near_promise_result(0, &payload, &len) != NEAR_PROMISE_SUCCESS) {
        near_log3("timeout for ", msg, NULL);
        near_return_json_str("timeout");
        return;
    }
    near_log3("resumed ", msg, NULL);
    char *s = near_alloc(5 + len);
    memcpy(s, "echo:", 5);
    memcpy(s + 5, payload, len);
    near_jw w;
    near_jw_init(&w);
    near_jw_str_n(&w, s, 5 + len);
    near_jw_return(&w);
}

/* pending() -> the pending data id as hex, or null (view) */
NEAR_METHOD(pending)
{
    size_t n;
    uint8_t *id = near_storage_read(PENDING, sizeof PENDING - 1, &n);
    if (id == NULL || n != NEAR_DATA_ID_LEN) {
        near_return_str("null");
        return;
    }
    char hex[2 * NEAR_DATA_ID_LEN + 1];
    near_hex_encode(id, n, hex);
    near_return_json_str(hex);
}

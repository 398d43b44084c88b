/* The coordinator's task queue (ol/queue.h) and the events that carry wake-ups between
 * coordinators sharing it.
 *
 * Every coordinator subscribes to its queue's events for as long as it lives; an event only
 * bumps a local generation (ol__coord_notify_call / ol__coord_notify_queue), and every waiter
 * re-reads the store before it answers, so an event is a hint and never a fact.
 *
 * Order of a wake-up: the store change is committed first, then the local waiters are woken,
 * then the event is published. Waking locally first keeps the single-coordinator case as fast
 * as before and independent of the queue's server; publishing reaches the other coordinators.
 * Our own event comes back through the subscription (every backend delivers to the publisher's
 * own subscriber): for a call it finds no waiter (the woken waiter saw the final state and left)
 * or bumps a generation the waiter no longer needs; for work it wakes at most one idle poller,
 * whose claim finds nothing — a cost paid only when pollers are idle, which is cheaper than
 * telling our echo from another coordinator's event (the payloads carry no origin, and
 * skipping "our" echo would swallow a foreign event whenever an echo was lost).
 *
 * Publishing is best effort: each publish is bounded by the queue's command timeout, a failure
 * is logged, and a sweep stops publishing for the rest of its pass after the first failure so a
 * hung server costs a pass one timeout, not one per call.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "coord_int.h"

static void on_event(void *ud, ol_queue_event kind, const char *call_id)
{
    ol_coord *c = ud;
    if (kind == OL_QUEUE_EV_CALL_DONE)
        ol__coord_notify_call(c, call_id);
    else if (kind == OL_QUEUE_EV_WORK)
        ol__coord_notify_queue(c, false);
}

ol_err ol__coord_queue_open(ol_coord *c, const ol_coord_config *cfg, ol_diag *d)
{
    ol_queue_options o = {.prefix = cfg->queue_prefix, .notify_url = cfg->db};
    ol_queue *q = NULL;
    ol_err rc = ol_queue_open(cfg->queue, c->store, &o, &q, d);
    if (rc != OL_OK)
        return rc;
    if ((rc = ol_queue_subscribe(q, on_event, c, d)) != OL_OK) {
        ol_queue_close(q);
        return rc;
    }
    c->queue = q;
    return OL_OK;
}

void ol__coord_queue_close(ol_coord *c)
{
    /* Joins the subscription thread, so no event reaches c's waiters after this. */
    ol_queue_close(c->queue);
    c->queue = NULL;
}

/* Publishes unless an earlier publish of the same pass failed (*ok false). */
static void publish(ol_coord *c, ol_queue_event kind, const char *call_id, bool *ok)
{
    if (!*ok)
        return;
    ol_diag d = {0};
    if (ol_queue_publish(c->queue, kind, call_id, &d) != OL_OK) {
        *ok = false;
        OL_LOG(OL_LOG_WARN,
               "event=queue_publish_failed kind=%s call=%s msg=\"%s\" (other coordinators' "
               "waiters notice at their next bounded re-check)",
               kind == OL_QUEUE_EV_WORK ? "work" : "call", call_id != NULL ? call_id : "-", d.msg);
    }
}

void ol__coord_call_changed(ol_coord *c, const char *call_id)
{
    bool ok = true;
    ol__coord_notify_call(c, call_id);
    publish(c, OL_QUEUE_EV_CALL_DONE, call_id, &ok);
}

void ol__coord_work_added(ol_coord *c, size_t n)
{
    bool ok = true;
    if (n == 0)
        return;
    ol__coord_notify_queue(c, n > 1);
    for (size_t i = 0; i < n && ok; i++)
        publish(c, OL_QUEUE_EV_WORK, NULL, &ok);
}

/* The sweep's wake-ups: one call event per failed or re-queued call, one work event per
 * re-queued task; after the first failed publish only local waiters are woken. */
void ol__coord_sweep_notify(ol_coord *c, const ol_store_sweep *sw)
{
    bool ok = true;
    for (size_t i = 0; i < sw->nfailed; i++) {
        ol__coord_notify_call(c, sw->failed[i]);
        publish(c, OL_QUEUE_EV_CALL_DONE, sw->failed[i], &ok);
    }
    /* A re-queued call is not finished, but its synchronous caller (on any coordinator) must
     * look again: a pending call is bounded by --queue-wait-ms, a running one only by the
     * overall sync timeout. The subscriber treats CALL_DONE as "re-read this call". */
    for (size_t i = 0; i < sw->nrequeued; i++) {
        ol__coord_notify_call(c, sw->requeued[i]);
        publish(c, OL_QUEUE_EV_CALL_DONE, sw->requeued[i], &ok);
    }
    if (sw->nrequeued > 0) {
        ol__coord_notify_queue(c, true);
        for (size_t i = 0; i < sw->nrequeued && ok; i++)
            publish(c, OL_QUEUE_EV_WORK, NULL, &ok);
    }
}

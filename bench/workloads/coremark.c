/* A CoreMark-like mix, written from scratch in the spirit of CoreMark: each iteration runs
 * linked-list search, reversal and merge sort over a node pool; small integer matrix kernels;
 * a number-recognising state machine over a text buffer; and CRC-16 over every result. The
 * seed of each iteration comes from the CRC of the previous one, so no iteration can be
 * hoisted or skipped. */
#include "workload.h"

#ifndef CM_ITERATIONS
#define CM_ITERATIONS 3000
#endif
#define LIST_NODES  128
#define LIST_FINDS  16
#define MAT_N       16
#define STATE_BYTES 512

/* ---- CRC-16 (reflected polynomial 0xA001, bit by bit as CoreMark does) ---- */

static uint16_t crc8(uint16_t crc, uint8_t byte)
{
    crc ^= byte;
    for (int i = 0; i < 8; i++)
        crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xa001) : (uint16_t)(crc >> 1);
    return crc;
}

static uint16_t crc16(uint16_t crc, uint16_t v)
{
    return crc8(crc8(crc, (uint8_t)v), (uint8_t)(v >> 8));
}

static uint16_t crc32v(uint16_t crc, uint32_t v)
{
    return crc16(crc16(crc, (uint16_t)v), (uint16_t)(v >> 16));
}

/* ---- linked list ---- */

struct node {
    struct node *next;
    int16_t data;
    uint16_t idx;
};

static struct node pool[LIST_NODES];

static struct node *list_build(uint16_t seed)
{
    uint32_t x = seed | 1u;

    for (uint32_t i = 0; i < LIST_NODES; i++) {
        x = x * 1103515245u + 12345u;
        pool[i].data = (int16_t)((x >> 16) & 0x7fff);
        pool[i].idx = (uint16_t)i;
        pool[i].next = i + 1 < LIST_NODES ? &pool[i + 1] : 0;
    }
    return &pool[0];
}

/* Position of the first node holding `data`, or -1. */
static int list_find(const struct node *l, int16_t data)
{
    for (int pos = 0; l; l = l->next, pos++)
        if (l->data == data)
            return pos;
    return -1;
}

static struct node *list_reverse(struct node *l)
{
    struct node *prev = 0;

    while (l) {
        struct node *next = l->next;
        l->next = prev;
        prev = l;
        l = next;
    }
    return prev;
}

static int node_before(const struct node *a, const struct node *b, int by_idx)
{
    if (by_idx)
        return a->idx <= b->idx;
    return a->data < b->data || (a->data == b->data && a->idx <= b->idx);
}

/* Bottom-up merge sort of a singly linked list: runs of 1, 2, 4, ... merged pairwise. */
static struct node *list_sort(struct node *l, int by_idx)
{
    for (uint32_t width = 1;; width *= 2) {
        struct node *head = 0, *tail = 0;
        struct node *p = l;
        uint32_t merges = 0;

        while (p) {
            struct node *q = p;
            uint32_t psize = 0, qsize = width;

            merges++;
            while (q && psize < width) {
                psize++;
                q = q->next;
            }
            while (psize > 0 || (qsize > 0 && q)) {
                struct node *e;
                if (psize == 0) {
                    e = q;
                    q = q->next;
                    qsize--;
                } else if (qsize == 0 || !q || node_before(p, q, by_idx)) {
                    e = p;
                    p = p->next;
                    psize--;
                } else {
                    e = q;
                    q = q->next;
                    qsize--;
                }
                if (tail)
                    tail->next = e;
                else
                    head = e;
                tail = e;
            }
            p = q;
        }
        tail->next = 0;
        l = head;
        if (merges <= 1)
            return l;
    }
}

static uint16_t list_bench(struct node **lp, uint16_t seed)
{
    struct node *l = *lp;
    uint16_t crc = seed;

    /* Searches: half for values present (read from the pool), half for likely misses. */
    for (uint32_t i = 0; i < LIST_FINDS; i++) {
        int16_t want = pool[(seed + i * 13u) % LIST_NODES].data;
        if (i & 1)
            want = (int16_t)(want ^ 0x4001);
        crc = crc16(crc, (uint16_t)list_find(l, want));
    }
    l = list_reverse(l);
    l = list_sort(l, 0);
    for (struct node *p = l; p; p = p->next) {
        crc = crc16(crc, (uint16_t)p->data);
        /* Mutate the data so the next iteration sorts a different permutation. */
        p->data = (int16_t)((p->data * 3 + seed + p->idx) & 0x7fff);
    }
    l = list_sort(l, 1);
    for (struct node *p = l; p; p = p->next)
        crc = crc16(crc, p->idx);
    *lp = l;
    return crc;
}

/* ---- matrix ---- */

static int16_t ma[MAT_N][MAT_N];
static int16_t mb[MAT_N][MAT_N];
static int32_t mc[MAT_N][MAT_N];

/* A branchy reduction (clipped running sum and a count of increases), as CoreMark does. */
static uint16_t matrix_sum(int32_t clip)
{
    int32_t tmp = 0, prev = 0;
    uint16_t ret = 0;

    for (int i = 0; i < MAT_N; i++) {
        for (int j = 0; j < MAT_N; j++) {
            int32_t cur = mc[i][j];
            tmp += cur;
            if (tmp > clip) {
                ret = (uint16_t)(ret + 10);
                tmp = 0;
            } else {
                ret = (uint16_t)(ret + (cur > prev ? 1 : 0));
            }
            prev = cur;
        }
    }
    return ret;
}

static uint16_t matrix_bench(uint16_t seed)
{
    int16_t val = (int16_t)(seed & 0xff);
    uint16_t crc = 0;
    uint32_t x = seed;

    for (int i = 0; i < MAT_N; i++) {
        for (int j = 0; j < MAT_N; j++) {
            x = x * 1664525u + 1013904223u;
            ma[i][j] = (int16_t)((x >> 20) & 0x3ff);
            mb[i][j] = (int16_t)(((x >> 8) & 0x3ff) - 512);
        }
    }
    /* A += val */
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++)
            ma[i][j] = (int16_t)(ma[i][j] + val);
    /* C = A * val */
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++)
            mc[i][j] = (int32_t)ma[i][j] * val;
    crc = crc16(crc, matrix_sum(val * 1000));
    /* C = A * b (b: column 0 of B) */
    for (int i = 0; i < MAT_N; i++) {
        int32_t acc = 0;
        for (int k = 0; k < MAT_N; k++)
            acc += (int32_t)ma[i][k] * mb[k][0];
        for (int j = 0; j < MAT_N; j++)
            mc[i][j] = acc + j;
    }
    crc = crc16(crc, matrix_sum(val * 1000));
    /* C = A * B */
    for (int i = 0; i < MAT_N; i++) {
        for (int j = 0; j < MAT_N; j++) {
            int32_t acc = 0;
            for (int k = 0; k < MAT_N; k++)
                acc += (int32_t)ma[i][k] * mb[k][j];
            mc[i][j] = acc;
        }
    }
    crc = crc16(crc, matrix_sum(val * 1000));
    /* C = bit fields of the products of A and B */
    for (int i = 0; i < MAT_N; i++) {
        for (int j = 0; j < MAT_N; j++) {
            int32_t acc = 0;
            for (int k = 0; k < MAT_N; k++) {
                int32_t p = (int32_t)ma[i][k] * mb[k][j];
                acc += ((p >> 2) & 0xf) * ((p >> 5) & 0x7f);
            }
            mc[i][j] = acc;
        }
    }
    crc = crc16(crc, matrix_sum(val * 1000));
    /* A -= val restores A; its sum checks the round trip. */
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++)
            ma[i][j] = (int16_t)(ma[i][j] - val);
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++)
            crc = crc16(crc, (uint16_t)ma[i][j]);
    return crc;
}

/* ---- state machine ---- */

enum state { S_START, S_INVALID, S_SIGN, S_INT, S_FLOAT, S_EXP, S_EXPSIGN, S_SCI, S_COUNT };

static const char *const tokens[] = {
    "5012",     "1234",     "-874",     "+122",     "35.54400", ".1234500", "-110.700", "+0.64400",
    "5.500e+3", "-.123e-2", "-87e+832", "+0.6e-12", "T0.3e-1F", "-T.T++Tq", "1T3.4e4z", "34.0e-T^",
};

static uint8_t text[STATE_BYTES];

static int is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* Recognises one comma-terminated token starting at *pos; returns its final state and counts
 * every transition. */
static enum state next_state(uint32_t *pos, uint32_t transitions[S_COUNT])
{
    enum state s = S_START;
    uint32_t p = *pos;

    for (; p < STATE_BYTES && text[p] != ','; p++) {
        uint8_t c = text[p];
        enum state before = s;

        switch (s) {
        case S_START:
            if (is_digit(c))
                s = S_INT;
            else if (c == '+' || c == '-')
                s = S_SIGN;
            else if (c == '.')
                s = S_FLOAT;
            else
                s = S_INVALID;
            break;
        case S_SIGN:
            if (is_digit(c))
                s = S_INT;
            else if (c == '.')
                s = S_FLOAT;
            else
                s = S_INVALID;
            break;
        case S_INT:
            if (c == '.')
                s = S_FLOAT;
            else if (c == 'e' || c == 'E')
                s = S_EXP;
            else if (!is_digit(c))
                s = S_INVALID;
            break;
        case S_FLOAT:
            if (c == 'e' || c == 'E')
                s = S_EXP;
            else if (!is_digit(c))
                s = S_INVALID;
            break;
        case S_EXP:
            if (c == '+' || c == '-')
                s = S_EXPSIGN;
            else
                s = S_INVALID;
            break;
        case S_EXPSIGN:
            if (is_digit(c))
                s = S_SCI;
            else
                s = S_INVALID;
            break;
        case S_SCI:
            if (!is_digit(c))
                s = S_INVALID;
            break;
        case S_INVALID:
        case S_COUNT:
            break;
        }
        if (s != before)
            transitions[before]++;
        if (s == S_INVALID)
            break;
    }
    /* Skip the rest of an invalid token and the comma. */
    while (p < STATE_BYTES && text[p] != ',')
        p++;
    *pos = p + 1;
    return s;
}

static uint16_t state_scan(uint16_t crc)
{
    uint32_t finals[S_COUNT] = {0};
    uint32_t transitions[S_COUNT] = {0};
    uint32_t pos = 0;

    while (pos < STATE_BYTES)
        finals[next_state(&pos, transitions)]++;
    for (int i = 0; i < S_COUNT; i++) {
        crc = crc32v(crc, finals[i]);
        crc = crc32v(crc, transitions[i]);
    }
    return crc;
}

static uint16_t state_bench(uint16_t seed)
{
    uint32_t ntok = sizeof tokens / sizeof tokens[0];
    uint32_t t = seed % ntok;
    uint32_t p = 0;
    uint16_t crc = seed;

    /* Fill the buffer with tokens in a seed-dependent order. */
    while (p < STATE_BYTES) {
        for (const char *s = tokens[t]; *s && p < STATE_BYTES; s++)
            text[p++] = (uint8_t)*s;
        if (p < STATE_BYTES)
            text[p++] = ',';
        t = (t + 1 + (seed & 3)) % ntok;
    }
    crc = state_scan(crc);
    /* Corrupt every 13th byte (a seed-dependent set of them turns invalid) and scan again. */
    for (uint32_t i = seed % 13; i < STATE_BYTES; i += 13)
        if (text[i] != ',')
            text[i] = (uint8_t)(text[i] ^ (seed & 0x1f));
    return state_scan(crc);
}

/* ---- driver ---- */

uint64_t run(void)
{
    uint16_t seed = 0x3415;
    uint16_t crc = 0, crc_list = 0, crc_mat = 0, crc_state = 0;
    struct node *l = list_build(seed);

    for (uint32_t it = 0; it < CM_ITERATIONS; it++) {
        crc_list = list_bench(&l, seed);
        crc_mat = matrix_bench(seed);
        crc_state = state_bench(seed);
        crc = crc16(crc, crc_list);
        crc = crc16(crc, crc_mat);
        crc = crc16(crc, crc_state);
        seed = (uint16_t)(crc ^ it);
    }
    return (uint64_t)crc << 48 | (uint64_t)crc_list << 32 | (uint64_t)crc_mat << 16 | crc_state;
}

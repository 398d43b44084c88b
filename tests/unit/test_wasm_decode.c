/* Unit tests for wasm_decode.c: the binary decoder and its module-level validation.
 *
 * Modules are byte arrays written by hand (section by section, with the WAT they stand for in a
 * comment) or produced by wat2wasm and pasted. Every decode runs through a counting allocator,
 * and every test ends with ol__wasm_module_clear() and a check that no byte is left allocated.
 * Error checks assert the class (OL_E_MALFORMED for encoding problems, OL_E_INVALID_MODULE for
 * well-formed but invalid modules) and a substring of the message, which carries the spec's
 * wording where the spec has one.
 */
#include "test.h"
#include "wasm_int.h"

/* After the unit under test, so that wasm_int.h is seen to include what it needs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HDR    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00
/* type section: type 0 = [] -> [] */
#define TYPE_V 0x01, 0x04, 0x01, 0x60, 0x00, 0x00
/* function section: one function of type 0 */
#define FUNC_1 0x03, 0x02, 0x01, 0x00
/* code section: one empty body */
#define CODE_1 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b

/* ---------------------------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------------------------- */

typedef struct fixture {
    ol_alloc_counter counter;
    ol_wasm_module m;
    ol_diag d;
} fixture;

static ol_err decode(fixture *f, const uint8_t *bytes, size_t len)
{
    ol_allocator a = ol_alloc_counter_init(&f->counter, NULL);
    memset(&f->m, 0, sizeof f->m);
    memset(&f->d, 0, sizeof f->d);
    f->m.alloc = a;
    return ol__wasm_decode(&f->m, bytes, len, &f->d);
}

/* Decodes a module that must be accepted, showing the diagnostic if it is not. */
static void decode_ok(fixture *f, const uint8_t *bytes, size_t len, int line)
{
    ol_err rc = decode(f, bytes, len);
    if (rc != OL_OK) {
        print_error("line %d: got %s \"%s\"\n", line, ol_err_name(rc), f->d.msg);
        fail();
    }
}

static void finish(fixture *f)
{
    ol__wasm_module_clear(&f->m);
    assert_int_equal(f->counter.live, 0);
    assert_null(f->m.types);
    assert_int_equal(f->m.nfuncs, 0);
}

/* Decodes and checks the result code and, unless NULL, that the message contains `part`. */
static void expect_at(const uint8_t *bytes, size_t len, ol_err want, const char *part, int line)
{
    fixture f;
    ol_err rc = decode(&f, bytes, len);
    if (rc != want || (want != OL_OK && part != NULL && strstr(f.d.msg, part) == NULL)) {
        print_error("line %d: got %s \"%s\", expected %s \"%s\"\n", line, ol_err_name(rc), f.d.msg,
                    ol_err_name(want), part != NULL ? part : "");
        fail();
    }
    if (want != OL_OK)
        assert_int_equal(f.d.code, want);
    finish(&f);
}

#define EXPECT(arr, want, part)     expect_at((arr), sizeof(arr), (want), (part), __LINE__)
#define EXPECT_OK(arr)              EXPECT(arr, OL_OK, NULL)
#define EXPECT_MALFORMED(arr, part) EXPECT(arr, OL_E_MALFORMED, part)
#define EXPECT_INVALID(arr, part)   EXPECT(arr, OL_E_INVALID_MODULE, part)

/* A growable byte buffer for modules too large to write out (limits, hostile sizes). */
typedef struct buf {
    uint8_t *p;
    size_t len, cap;
} buf;

static void put(buf *b, uint8_t v)
{
    if (b->len == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 256;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    b->p[b->len++] = v;
}

static void put_leb(buf *b, uint64_t v)
{
    do {
        uint8_t byte = (uint8_t)(v & 0x7f);
        v >>= 7;
        put(b, v != 0 ? (uint8_t)(byte | 0x80) : byte);
    } while (v != 0);
}

static void put_bytes(buf *b, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put(b, p[i]);
}

static void put_header(buf *b)
{
    static const uint8_t hdr[] = {HDR};
    put_bytes(b, hdr, sizeof hdr);
}

/* Appends section `id` whose content is `content`. */
static void put_section(buf *b, uint8_t id, const buf *content)
{
    put(b, id);
    put_leb(b, content->len);
    put_bytes(b, content->p, content->len);
}

/* ---------------------------------------------------------------------------------------------
 * A module using every section (wat2wasm 1.0.32 output):
 *
 * (module
 *   (type $v (func))
 *   (type $t1 (func (param i32 i64) (result f32)))
 *   (import "env" "f" (func $imp (type $t1)))
 *   (import "env" "tab" (table 1 10 funcref))
 *   (import "env" "mem" (memory 1 2))
 *   (import "env" "g" (global i32))
 *   (import "env" "gm" (global (mut i64)))
 *   (func $a (type $v))
 *   (func $b (type $t1) (f32.const 1))
 *   (func $c (type $v))
 *   (table $t2 2 externref)
 *   (global $g1 i64 (i64.const -5))
 *   (global $g2 f64 (f64.const 1.5))
 *   (global $g3 funcref (ref.func $a))
 *   (global $g4 (mut i32) (global.get 0))
 *   (global $g5 externref (ref.null extern))
 *   (export "a" (func $a))
 *   (export "mem" (memory 0))
 *   (export "g1" (global $g1))
 *   (export "t2" (table $t2))
 *   (start $a)
 *   (elem (i32.const 0) $a $b)
 *   (elem func $imp)
 *   (elem declare func $b)
 *   (elem (table $t2) (i32.const 1) externref (ref.null extern))
 *   (data (i32.const 8) "hello")
 *   (data "pass"))
 * ------------------------------------------------------------------------------------------- */
static const uint8_t rich[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x02, 0x60, 0x00, 0x00, 0x60, 0x02,
    0x7f, 0x7e, 0x01, 0x7d, 0x02, 0x35, 0x05, 0x03, 0x65, 0x6e, 0x76, 0x01, 0x66, 0x00, 0x01, 0x03,
    0x65, 0x6e, 0x76, 0x03, 0x74, 0x61, 0x62, 0x01, 0x70, 0x01, 0x01, 0x0a, 0x03, 0x65, 0x6e, 0x76,
    0x03, 0x6d, 0x65, 0x6d, 0x02, 0x01, 0x01, 0x02, 0x03, 0x65, 0x6e, 0x76, 0x01, 0x67, 0x03, 0x7f,
    0x00, 0x03, 0x65, 0x6e, 0x76, 0x02, 0x67, 0x6d, 0x03, 0x7e, 0x01, 0x03, 0x04, 0x03, 0x00, 0x01,
    0x00, 0x04, 0x04, 0x01, 0x6f, 0x00, 0x02, 0x06, 0x21, 0x05, 0x7e, 0x00, 0x42, 0x7b, 0x0b, 0x7c,
    0x00, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x3f, 0x0b, 0x70, 0x00, 0xd2, 0x01, 0x0b,
    0x7f, 0x01, 0x23, 0x00, 0x0b, 0x6f, 0x00, 0xd0, 0x6f, 0x0b, 0x07, 0x15, 0x04, 0x01, 0x61, 0x00,
    0x01, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x02, 0x67, 0x31, 0x03, 0x02, 0x02, 0x74, 0x32, 0x01,
    0x01, 0x08, 0x01, 0x01, 0x09, 0x1a, 0x04, 0x00, 0x41, 0x00, 0x0b, 0x02, 0x01, 0x02, 0x01, 0x00,
    0x01, 0x00, 0x03, 0x00, 0x01, 0x02, 0x06, 0x01, 0x41, 0x01, 0x0b, 0x6f, 0x01, 0xd0, 0x6f, 0x0b,
    0x0a, 0x0f, 0x03, 0x02, 0x00, 0x0b, 0x07, 0x00, 0x43, 0x00, 0x00, 0x80, 0x3f, 0x0b, 0x02, 0x00,
    0x0b, 0x0b, 0x11, 0x02, 0x00, 0x41, 0x08, 0x0b, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x01, 0x04,
    0x70, 0x61, 0x73, 0x73,
};

/* ---------------------------------------------------------------------------------------------
 * Whole modules
 * ------------------------------------------------------------------------------------------- */

static void test_wasm_decode_empty_module(void **state)
{
    (void)state;
    static const uint8_t empty[] = {HDR};
    fixture f;
    decode_ok(&f, empty, sizeof empty, __LINE__);
    assert_int_equal(f.m.ntypes, 0);
    assert_int_equal(f.m.nfuncs, 0);
    assert_int_equal(f.m.nimports, 0);
    assert_false(f.m.has_start);
    assert_false(f.m.has_datacount);
    assert_null(f.m.func_declared);
    finish(&f);
}

static void test_wasm_decode_rich_module(void **state)
{
    (void)state;
    fixture f;
    ol_wasm_module *m = &f.m;
    decode_ok(&f, rich, sizeof rich, __LINE__);

    assert_int_equal(m->ntypes, 2);
    assert_int_equal(m->types[0].nparams, 0);
    assert_int_equal(m->types[0].nresults, 0);
    assert_null(m->types[0].vt);
    assert_int_equal(m->types[1].nparams, 2);
    assert_int_equal(m->types[1].nresults, 1);
    assert_int_equal(m->types[1].vt[0], OL_WASM_I32);
    assert_int_equal(m->types[1].vt[1], OL_WASM_I64);
    assert_int_equal(m->types[1].vt[2], OL_WASM_F32);

    assert_int_equal(m->nimports, 5);
    assert_string_equal(m->imports[0].module, "env");
    assert_int_equal(m->imports[0].module_len, 3);
    assert_string_equal(m->imports[0].name, "f");
    assert_int_equal(m->imports[0].name_len, 1);
    assert_int_equal(m->imports[0].kind, OL_WASM_EXTERN_FUNC);
    assert_int_equal(m->imports[1].kind, OL_WASM_EXTERN_TABLE);
    assert_int_equal(m->imports[2].kind, OL_WASM_EXTERN_MEMORY);
    assert_int_equal(m->imports[3].kind, OL_WASM_EXTERN_GLOBAL);
    assert_int_equal(m->imports[3].index, 0);
    assert_string_equal(m->imports[4].name, "gm");
    assert_int_equal(m->imports[4].index, 1); /* second global: index in its own space */

    assert_int_equal(m->nfunc_imports, 1);
    assert_int_equal(m->nfuncs, 4);
    assert_int_equal(m->func_type[0], 1);
    assert_int_equal(m->func_type[1], 0);
    assert_int_equal(m->func_type[2], 1);
    assert_int_equal(m->func_type[3], 0);

    assert_int_equal(m->ntable_imports, 1);
    assert_int_equal(m->ntables, 2);
    assert_int_equal(m->tables[0].elem, OL_WASM_FUNCREF);
    assert_int_equal(m->tables[0].limits.min, 1);
    assert_true(m->tables[0].limits.has_max);
    assert_int_equal(m->tables[0].limits.max, 10);
    assert_int_equal(m->tables[1].elem, OL_WASM_EXTERNREF);
    assert_int_equal(m->tables[1].limits.min, 2);
    assert_false(m->tables[1].limits.has_max);

    assert_int_equal(m->nmem_imports, 1);
    assert_int_equal(m->nmems, 1);
    assert_int_equal(m->mems[0].min, 1);
    assert_int_equal(m->mems[0].max, 2);

    assert_int_equal(m->nglobal_imports, 2);
    assert_int_equal(m->nglobals, 7);
    assert_int_equal(m->globals[0].type, OL_WASM_I32);
    assert_false(m->globals[0].mut);
    assert_int_equal(m->globals[1].type, OL_WASM_I64);
    assert_true(m->globals[1].mut);
    assert_int_equal(m->globals[2].init.kind, OL__CE_CONST);
    assert_int_equal(m->globals[2].init.type, OL_WASM_I64);
    assert_true(m->globals[2].init.value == (uint64_t)-5);
    assert_true(m->globals[3].init.value == UINT64_C(0x3ff8000000000000)); /* 1.5 */
    assert_int_equal(m->globals[4].init.kind, OL__CE_REF_FUNC);
    assert_int_equal(m->globals[4].init.value, 1);
    assert_true(m->globals[5].mut);
    assert_int_equal(m->globals[5].init.kind, OL__CE_GLOBAL_GET);
    assert_int_equal(m->globals[5].init.type, OL_WASM_I32);
    assert_int_equal(m->globals[5].init.value, 0);
    assert_int_equal(m->globals[6].init.kind, OL__CE_REF_NULL);
    assert_int_equal(m->globals[6].init.type, OL_WASM_EXTERNREF);

    assert_int_equal(m->nexports, 4);
    assert_string_equal(m->exports[0].name, "a");
    assert_int_equal(m->exports[0].kind, OL_WASM_EXTERN_FUNC);
    assert_int_equal(m->exports[0].index, 1);
    assert_int_equal(m->exports[1].kind, OL_WASM_EXTERN_MEMORY);
    assert_int_equal(m->exports[2].kind, OL_WASM_EXTERN_GLOBAL);
    assert_int_equal(m->exports[2].index, 2);
    assert_int_equal(m->exports[3].kind, OL_WASM_EXTERN_TABLE);
    assert_int_equal(m->exports[3].index, 1);

    assert_true(m->has_start);
    assert_int_equal(m->start, 1);

    assert_int_equal(m->nelems, 4);
    assert_int_equal(m->elems[0].mode, OL__SEG_ACTIVE);
    assert_int_equal(m->elems[0].table, 0);
    assert_int_equal(m->elems[0].offset.type, OL_WASM_I32);
    assert_int_equal(m->elems[0].count, 2);
    assert_int_equal(m->elems[0].items[1].kind, OL__CE_REF_FUNC);
    assert_int_equal(m->elems[0].items[1].value, 2);
    assert_int_equal(m->elems[1].mode, OL__SEG_PASSIVE);
    assert_int_equal(m->elems[1].items[0].value, 0);
    assert_int_equal(m->elems[2].mode, OL__SEG_DECLARATIVE);
    assert_int_equal(m->elems[3].mode, OL__SEG_ACTIVE);
    assert_int_equal(m->elems[3].table, 1);
    assert_int_equal(m->elems[3].type, OL_WASM_EXTERNREF);
    assert_int_equal(m->elems[3].offset.value, 1);
    assert_int_equal(m->elems[3].items[0].kind, OL__CE_REF_NULL);

    /* Bodies: offsets point just past each size prefix. */
    assert_int_equal(m->bodies[0].off, 0xb4);
    assert_int_equal(m->bodies[0].len, 2);
    assert_int_equal(m->bodies[1].off, 0xb7);
    assert_int_equal(m->bodies[1].len, 7);
    assert_memory_equal(rich + m->bodies[1].off, "\x00\x43\x00\x00\x80\x3f\x0b", 7);
    assert_int_equal(m->bodies[2].len, 2);
    assert_null(m->bodies[0].code);

    assert_int_equal(m->ndatas, 2);
    assert_int_equal(m->datas[0].mode, OL__SEG_ACTIVE);
    assert_int_equal(m->datas[0].mem, 0);
    assert_int_equal(m->datas[0].offset.value, 8);
    assert_int_equal(m->datas[0].len, 5);
    assert_memory_equal(m->datas[0].bytes, "hello", 5);
    assert_int_equal(m->datas[1].mode, OL__SEG_PASSIVE);
    assert_memory_equal(m->datas[1].bytes, "pass", 4);
    assert_false(m->has_datacount);

    /* C.refs: $a (global, export, elem), $b (elem), $imp (elem); $c nowhere. */
    assert_non_null(m->func_declared);
    assert_int_equal(m->func_declared[0], 1);
    assert_int_equal(m->func_declared[1], 1);
    assert_int_equal(m->func_declared[2], 1);
    assert_int_equal(m->func_declared[3], 0);
    finish(&f);
}

static void test_wasm_decode_data_is_copied(void **state)
{
    (void)state;
    fixture f;
    uint8_t *copy = malloc(sizeof rich);
    assert_non_null(copy);
    memcpy(copy, rich, sizeof rich);
    decode_ok(&f, copy, sizeof rich, __LINE__);
    memset(copy, 0xee, sizeof rich);
    free(copy);
    assert_memory_equal(f.m.datas[0].bytes, "hello", 5);
    assert_string_equal(f.m.imports[2].name, "mem");
    assert_string_equal(f.m.exports[1].name, "mem");
    finish(&f);
}

static void test_wasm_decode_null_input(void **state)
{
    (void)state;
    fixture f;
    assert_int_equal(decode(&f, NULL, 0), OL_E_MALFORMED);
    assert_non_null(strstr(f.d.msg, "unexpected end"));
    finish(&f);
    assert_int_equal(decode(&f, NULL, 8), OL_E_INVAL);
    finish(&f);
}

static void test_wasm_decode_clear_twice(void **state)
{
    (void)state;
    fixture f;
    decode_ok(&f, rich, sizeof rich, __LINE__);
    ol__wasm_module_clear(&f.m);
    finish(&f);
    /* The allocator survives clearing, so the module can be decoded into again. */
    assert_int_equal(ol__wasm_decode(&f.m, rich, sizeof rich, &f.d), OL_OK);
    finish(&f);
}

/* ---------------------------------------------------------------------------------------------
 * Header and section framing
 * ------------------------------------------------------------------------------------------- */

static void test_wasm_decode_header(void **state)
{
    (void)state;
    static const uint8_t one[] = {0x01};
    static const uint8_t part_magic[] = {0x00, 0x61, 0x73};
    static const uint8_t magic_only[] = {0x00, 0x61, 0x73, 0x6d};
    static const uint8_t part_version[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00};
    static const uint8_t bad_magic[] = {0x00, 0x61, 0x73, 0x6e, 0x01, 0x00, 0x00, 0x00};
    static const uint8_t bad_version[] = {0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00};
    static const uint8_t v1_big_endian[] = {0x00, 0x61, 0x73, 0x6d, 0x00, 0x00, 0x00, 0x01};

    EXPECT_MALFORMED(one, "unexpected end");
    EXPECT_MALFORMED(part_magic, "unexpected end");
    EXPECT_MALFORMED(magic_only, "unexpected end");
    EXPECT_MALFORMED(part_version, "unexpected end");
    EXPECT_MALFORMED(bad_magic, "magic header not detected");
    EXPECT_MALFORMED(bad_version, "unknown binary version");
    EXPECT_MALFORMED(v1_big_endian, "unknown binary version");
}

static void test_wasm_decode_section_framing(void **state)
{
    (void)state;
    static const uint8_t bad_id[] = {HDR, 0x0d, 0x00};
    static const uint8_t bad_id_high[] = {HDR, 0x80, 0x00};
    static const uint8_t no_size[] = {HDR, 0x01};
    static const uint8_t size_past_end[] = {HDR, 0x01, 0x05, 0x01, 0x60, 0x00, 0x00};
    static const uint8_t size_too_big_for_content[] = {HDR,  0x01, 0x05, 0x01,
                                                       0x60, 0x00, 0x00, 0x00};
    static const uint8_t size_too_small[] = {HDR, 0x01, 0x03, 0x01, 0x60, 0x00, 0x00};
    static const uint8_t count_too_big[] = {HDR, 0x01, 0x04, 0x02, 0x60, 0x00, 0x00};
    static const uint8_t trailing_byte[] = {HDR, TYPE_V, 0x0b};
    static const uint8_t size_leb_too_long[] = {HDR, 0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    static const uint8_t empty_type_section[] = {HDR, 0x01, 0x00};

    EXPECT_MALFORMED(bad_id, "malformed section id");
    EXPECT_MALFORMED(bad_id_high, "malformed section id");
    EXPECT_MALFORMED(no_size, "unexpected end");
    EXPECT_MALFORMED(size_past_end, "length out of bounds");
    EXPECT_MALFORMED(size_too_big_for_content, "section size mismatch");
    EXPECT_MALFORMED(size_too_small, "type section @0xd: unexpected end of section");
    EXPECT_MALFORMED(count_too_big, "unexpected end of section or function");
    EXPECT_MALFORMED(trailing_byte, "unexpected end");
    EXPECT_MALFORMED(size_leb_too_long, "integer representation too long");
    EXPECT_MALFORMED(empty_type_section, "unexpected end of section or function");
}

static void test_wasm_decode_section_order(void **state)
{
    (void)state;
    /* Custom sections may appear anywhere, including first, last and between any two. */
    static const uint8_t customs[] = {
        HDR,  0x00, 0x02, 0x01, 'a', TYPE_V, 0x00, 0x01, 0x00, FUNC_1,
        0x00, 0x03, 0x01, 'b',  'x', CODE_1, 0x00, 0x02, 0x01, 'c',
    };
    static const uint8_t repeated_type[] = {HDR, TYPE_V, TYPE_V};
    static const uint8_t func_before_type[] = {HDR, FUNC_1, TYPE_V, CODE_1};
    static const uint8_t repeated_code[] = {HDR, TYPE_V, FUNC_1, CODE_1, CODE_1};
    /* datacount (12) goes between element (9) and code (10) */
    static const uint8_t datacount_ok[] = {HDR,  TYPE_V, FUNC_1, 0x09, 0x01,
                                           0x00, 0x0c,   0x01,   0x00, CODE_1};
    static const uint8_t datacount_after_code[] = {HDR, TYPE_V, FUNC_1, CODE_1, 0x0c, 0x01, 0x00};
    static const uint8_t element_after_datacount[] = {HDR, 0x0c, 0x01, 0x00, 0x09, 0x01, 0x00};
    static const uint8_t data_before_code[] = {HDR, 0x0b, 0x01, 0x00, 0x0a, 0x01, 0x00};

    EXPECT_OK(customs);
    EXPECT_MALFORMED(repeated_type, "unexpected content after last section");
    EXPECT_MALFORMED(func_before_type, "unexpected content after last section");
    EXPECT_MALFORMED(repeated_code, "unexpected content after last section");
    EXPECT_OK(datacount_ok);
    EXPECT_MALFORMED(datacount_after_code, "unexpected content after last section");
    EXPECT_MALFORMED(element_after_datacount, "unexpected content after last section");
    EXPECT_MALFORMED(data_before_code, "unexpected content after last section");
}

static void test_wasm_decode_custom_section(void **state)
{
    (void)state;
    static const uint8_t payload[] = {HDR, 0x00, 0x06, 0x04, 'n', 'a', 'm', 'e', 0xff};
    static const uint8_t empty_name[] = {HDR, 0x00, 0x01, 0x00};
    static const uint8_t no_name[] = {HDR, 0x00, 0x00};
    static const uint8_t name_past_section[] = {HDR, 0x00, 0x02, 0x05, 'a', 0x01, 0x00};
    static const uint8_t bad_utf8_name[] = {HDR, 0x00, 0x03, 0x02, 0xc0, 0x80};

    EXPECT_OK(payload);
    EXPECT_OK(empty_name);
    EXPECT_MALFORMED(no_name, "unexpected end");
    EXPECT_MALFORMED(name_past_section, "length out of bounds");
    EXPECT_MALFORMED(bad_utf8_name, "custom section @0xa: malformed UTF-8 encoding");
}

static void test_wasm_decode_leb128(void **state)
{
    (void)state;
    /* function section: type index in 5 bytes, the last with its continuation bit set */
    static const uint8_t too_long[] = {HDR,  TYPE_V, 0x03, 0x07, 0x01, 0x80,
                                       0x80, 0x80,   0x80, 0x80, 0x00, CODE_1};
    /* 5-byte u32 whose last byte has bits above bit 31 */
    static const uint8_t too_large[] = {HDR,  TYPE_V, 0x03, 0x06, 0x01,  0x80,
                                        0x80, 0x80,   0x80, 0x10, CODE_1};
    /* 5-byte encoding of 0 is fine */
    static const uint8_t padded[] = {HDR,  TYPE_V, 0x03, 0x06, 0x01,  0x80,
                                     0x80, 0x80,   0x80, 0x00, CODE_1};
    /* i32.const operand: sign bits of the 5th byte must agree with bit 31 */
    static const uint8_t sleb_too_large[] = {HDR,  0x06, 0x0a, 0x01, 0x7f, 0x00, 0x41,
                                             0x80, 0x80, 0x80, 0x80, 0x70, 0x0b};
    static const uint8_t sleb_min[] = {HDR,  0x06, 0x0a, 0x01, 0x7f, 0x00, 0x41,
                                       0x80, 0x80, 0x80, 0x80, 0x78, 0x0b};

    EXPECT_MALFORMED(too_long, "function section @0x11: integer representation too long");
    EXPECT_MALFORMED(too_large, "integer too large");
    EXPECT_OK(padded);
    EXPECT_MALFORMED(sleb_too_large, "integer too large");

    fixture f;
    decode_ok(&f, sleb_min, sizeof sleb_min, __LINE__);
    assert_true(f.m.globals[0].init.value == 0x80000000u); /* INT32_MIN, upper half zero */
    finish(&f);
}

/* ---------------------------------------------------------------------------------------------
 * Types, imports, names
 * ------------------------------------------------------------------------------------------- */

static void test_wasm_decode_types(void **state)
{
    (void)state;
    /* (func (param funcref externref f64) (result i32 i64)) */
    static const uint8_t ok[] = {HDR,  0x01, 0x09, 0x01, 0x60, 0x03,
                                 0x70, 0x6f, 0x7c, 0x02, 0x7f, 0x7e};
    static const uint8_t bad_form[] = {HDR, 0x01, 0x04, 0x01, 0x61, 0x00, 0x00};
    static const uint8_t form_leb[] = {HDR, 0x01, 0x05, 0x01, 0xe0, 0x7f, 0x00, 0x00};
    static const uint8_t bad_valtype[] = {HDR, 0x01, 0x05, 0x01, 0x60, 0x01, 0x7b, 0x00};
    static const uint8_t bad_result[] = {HDR, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x40};
    static const uint8_t params_past_end[] = {HDR, 0x01, 0x05, 0x01, 0x60, 0x03, 0x7f, 0x7f};

    fixture f;
    decode_ok(&f, ok, sizeof ok, __LINE__);
    assert_int_equal(f.m.ntypes, 1);
    assert_int_equal(f.m.types[0].nparams, 3);
    assert_int_equal(f.m.types[0].nresults, 2);
    assert_int_equal(f.m.types[0].vt[0], OL_WASM_FUNCREF);
    assert_int_equal(f.m.types[0].vt[1], OL_WASM_EXTERNREF);
    assert_int_equal(f.m.types[0].vt[2], OL_WASM_F64);
    assert_int_equal(f.m.types[0].vt[3], OL_WASM_I32);
    assert_int_equal(f.m.types[0].vt[4], OL_WASM_I64);
    finish(&f);

    EXPECT_MALFORMED(bad_form, "malformed function type");
    EXPECT_MALFORMED(form_leb, "integer representation too long");
    EXPECT_MALFORMED(bad_valtype, "malformed value type");
    EXPECT_MALFORMED(bad_result, "malformed value type");
    EXPECT_MALFORMED(params_past_end, "unexpected end of section or function");
}

static void test_wasm_decode_type_limits(void **state)
{
    (void)state;
    buf sec = {0}, mod = {0};
    put_leb(&sec, 1);
    put(&sec, 0x60);
    put_leb(&sec, OL__MAX_PARAMS + 1);
    for (uint32_t i = 0; i <= OL__MAX_PARAMS; i++)
        put(&sec, 0x7f);
    put_leb(&sec, 0);
    put_header(&mod);
    put_section(&mod, 1, &sec);
    expect_at(mod.p, mod.len, OL_E_INVALID_MODULE, "too many parameters", __LINE__);

    /* Exactly at the limit is fine. */
    sec.len = 0;
    mod.len = 0;
    put_leb(&sec, 1);
    put(&sec, 0x60);
    put_leb(&sec, OL__MAX_PARAMS);
    for (uint32_t i = 0; i < OL__MAX_PARAMS; i++)
        put(&sec, 0x7e);
    put_leb(&sec, OL__MAX_RESULTS);
    for (uint32_t i = 0; i < OL__MAX_RESULTS; i++)
        put(&sec, 0x7d);
    put_header(&mod);
    put_section(&mod, 1, &sec);
    expect_at(mod.p, mod.len, OL_OK, NULL, __LINE__);
    free(sec.p);
    free(mod.p);
}

static void test_wasm_decode_imports(void **state)
{
    (void)state;
    /* (import "" "" (func (type 1))) with one type */
    static const uint8_t unknown_type[] = {HDR, TYPE_V, 0x02, 0x05, 0x01, 0x00, 0x00, 0x00, 0x01};
    static const uint8_t bad_kind[] = {HDR, 0x02, 0x05, 0x01, 0x00, 0x00, 0x04, 0x00};
    static const uint8_t bad_kind_leb[] = {HDR, 0x02, 0x05, 0x01, 0x00, 0x00, 0x80, 0x00};
    static const uint8_t missing_kind[] = {HDR, 0x02, 0x03, 0x01, 0x00, 0x00};
    static const uint8_t bad_mut[] = {HDR, 0x02, 0x06, 0x01, 0x00, 0x00, 0x03, 0x7f, 0x02};
    static const uint8_t bad_global_type[] = {HDR, 0x02, 0x06, 0x01, 0x00, 0x00, 0x03, 0x40, 0x00};
    static const uint8_t bad_table_type[] = {HDR,  0x02, 0x07, 0x01, 0x00,
                                             0x00, 0x01, 0x7f, 0x00, 0x00};
    static const uint8_t table_min_gt_max[] = {HDR,  0x02, 0x08, 0x01, 0x00, 0x00,
                                               0x01, 0x70, 0x01, 0x02, 0x01};
    static const uint8_t memory_too_big[] = {HDR,  0x02, 0x08, 0x01, 0x00, 0x00,
                                             0x02, 0x00, 0x81, 0x80, 0x04};
    static const uint8_t two_memories[] = {HDR,  0x02, 0x0b, 0x02, 0x00, 0x00, 0x02,
                                           0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01};
    static const uint8_t import_and_define_memory[] = {HDR,  0x02, 0x06, 0x01, 0x00, 0x00, 0x02,
                                                       0x00, 0x00, 0x05, 0x03, 0x01, 0x00, 0x00};
    /* two function imports and a global import between them */
    static const uint8_t indexes[] = {HDR,  TYPE_V, 0x02, 0x11, 0x03, 0x00, 0x01,
                                      'a',  0x00,   0x00, 0x00, 0x01, 'b',  0x03,
                                      0x7d, 0x00,   0x00, 0x01, 'c',  0x00, 0x00};

    EXPECT_INVALID(unknown_type, "import section @0x14: unknown type 1");
    EXPECT_MALFORMED(bad_kind, "malformed import kind");
    EXPECT_MALFORMED(bad_kind_leb, "malformed import kind");
    EXPECT_MALFORMED(missing_kind, "unexpected end of section or function");
    EXPECT_MALFORMED(bad_mut, "malformed mutability");
    EXPECT_MALFORMED(bad_global_type, "malformed value type");
    EXPECT_MALFORMED(bad_table_type, "malformed reference type");
    EXPECT_INVALID(table_min_gt_max, "size minimum must not be greater than maximum");
    EXPECT_INVALID(memory_too_big, "memory size must be at most 65536 pages (4GiB)");
    EXPECT_INVALID(two_memories, "multiple memories");
    EXPECT_INVALID(import_and_define_memory, "multiple memories");

    fixture f;
    decode_ok(&f, indexes, sizeof indexes, __LINE__);
    assert_int_equal(f.m.nimports, 3);
    assert_int_equal(f.m.imports[0].index, 0);
    assert_int_equal(f.m.imports[1].index, 0);
    assert_int_equal(f.m.imports[1].kind, OL_WASM_EXTERN_GLOBAL);
    assert_int_equal(f.m.imports[2].index, 1);
    assert_int_equal(f.m.nfuncs, 2);
    assert_int_equal(f.m.nfunc_imports, 2);
    assert_int_equal(f.m.nglobals, 1);
    assert_int_equal(f.m.globals[0].type, OL_WASM_F32);
    assert_string_equal(f.m.imports[0].module, "");
    assert_int_equal(f.m.imports[0].module_len, 0);
    /* imported functions only: there are no bodies */
    assert_null(f.m.bodies);
    assert_non_null(f.m.func_declared);
    finish(&f);
}

/* Builds `(import "<name>" "x" (memory 0))` and decodes it. */
static ol_err decode_import_name(const uint8_t *name, size_t n, fixture *f, buf *mod)
{
    buf sec = {0};
    mod->len = 0;
    put_leb(&sec, 1);
    put_leb(&sec, n);
    put_bytes(&sec, name, n);
    put_leb(&sec, 1);
    put(&sec, 'x');
    put(&sec, 0x02);
    put(&sec, 0x00);
    put(&sec, 0x00);
    put_header(mod);
    put_section(mod, 2, &sec);
    free(sec.p);
    return decode(f, mod->p, mod->len);
}

static void test_wasm_decode_names_utf8(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t n;
        bool ok;
    } cases[] = {
        {"", 0, true},
        {"plain", 5, true},
        {"a\0b", 3, true},              /* NUL is a valid character */
        {"\xc2\x80", 2, true},          /* U+0080 */
        {"\xdf\xbf", 2, true},          /* U+07FF */
        {"\xe0\xa0\x80", 3, true},      /* U+0800 */
        {"\xed\x9f\xbf", 3, true},      /* U+D7FF */
        {"\xee\x80\x80", 3, true},      /* U+E000 */
        {"\xef\xbf\xbf", 3, true},      /* U+FFFF */
        {"\xf0\x90\x80\x80", 4, true},  /* U+10000 */
        {"\xf4\x8f\xbf\xbf", 4, true},  /* U+10FFFF */
        {"\x80", 1, false},             /* lone continuation byte */
        {"\xc0\x80", 2, false},         /* overlong NUL */
        {"\xc1\xbf", 2, false},         /* overlong U+007F */
        {"\xe0\x9f\xbf", 3, false},     /* overlong U+07FF */
        {"\xf0\x8f\xbf\xbf", 4, false}, /* overlong U+FFFF */
        {"\xed\xa0\x80", 3, false},     /* surrogate U+D800 */
        {"\xed\xbf\xbf", 3, false},     /* surrogate U+DFFF */
        {"\xf4\x90\x80\x80", 4, false}, /* U+110000 */
        {"\xf5\x80\x80\x80", 4, false}, /* lead byte past U+10FFFF */
        {"\xff", 1, false},
        {"\xc2", 1, false},           /* truncated */
        {"\xe2\x82", 2, false},       /* truncated */
        {"\xf0\x90\x80", 3, false},   /* truncated */
        {"\xe2\x28\xa1", 3, false},   /* bad continuation */
        {"ok\xc3\xa9\xc3", 5, false}, /* valid then truncated */
    };
    buf mod = {0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fixture f;
        ol_err rc = decode_import_name((const uint8_t *)cases[i].s, cases[i].n, &f, &mod);
        if (cases[i].ok) {
            if (rc != OL_OK) {
                print_error("case %zu: %s\n", i, f.d.msg);
                fail();
            }
            assert_int_equal(f.m.imports[0].module_len, cases[i].n);
            assert_memory_equal(f.m.imports[0].module, cases[i].s, cases[i].n);
            assert_int_equal(f.m.imports[0].module[cases[i].n], '\0');
        } else {
            if (rc != OL_E_MALFORMED || strstr(f.d.msg, "malformed UTF-8 encoding") == NULL) {
                print_error("case %zu: %s %s\n", i, ol_err_name(rc), f.d.msg);
                fail();
            }
        }
        finish(&f);
    }
    free(mod.p);

    /* Field names and export names are checked too. */
    static const uint8_t bad_field[] = {HDR,  0x02, 0x07, 0x01, 0x00, 0x02,
                                        0xed, 0xa0, 0x02, 0x00, 0x00};
    static const uint8_t bad_export[] = {HDR, 0x07, 0x05, 0x01, 0x02, 0xc0, 0xaf, 0x00};
    static const uint8_t name_past_section[] = {HDR, 0x07, 0x05, 0x01, 0x09, 'a', 0x00, 0x00};
    EXPECT_MALFORMED(bad_field, "malformed UTF-8 encoding");
    EXPECT_MALFORMED(bad_export, "export section @0xb: malformed UTF-8 encoding");
    EXPECT_MALFORMED(name_past_section, "length out of bounds");
}

/* ---------------------------------------------------------------------------------------------
 * Functions, code, tables, memories
 * ------------------------------------------------------------------------------------------- */

static void test_wasm_decode_function_and_code(void **state)
{
    (void)state;
    static const uint8_t ok[] = {HDR,  TYPE_V, 0x03, 0x03, 0x02, 0x00, 0x00, 0x0a,
                                 0x07, 0x02,   0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b};
    static const uint8_t unknown_type[] = {HDR, TYPE_V, 0x03, 0x02, 0x01, 0x01, CODE_1};
    static const uint8_t no_code[] = {HDR, TYPE_V, FUNC_1};
    static const uint8_t no_function[] = {HDR, TYPE_V, CODE_1};
    static const uint8_t fewer_bodies[] = {HDR, TYPE_V, 0x03, 0x03, 0x02, 0x00, 0x00, CODE_1};
    static const uint8_t body_past_section[] = {HDR,  TYPE_V, FUNC_1, 0x0a, 0x04,
                                                0x01, 0x05,   0x00,   0x0b};
    /* Empty function and code sections agree. */
    static const uint8_t both_empty[] = {HDR, 0x03, 0x01, 0x00, 0x0a, 0x01, 0x00};
    /* Body contents are not looked at: that is the compiler's job. */
    static const uint8_t junk_body[] = {HDR, TYPE_V, FUNC_1, 0x0a, 0x04, 0x01, 0x02, 0xff, 0xff};

    fixture f;
    decode_ok(&f, ok, sizeof ok, __LINE__);
    assert_int_equal(f.m.nfuncs, 2);
    assert_int_equal(f.m.bodies[0].off, 0x17);
    assert_int_equal(f.m.bodies[0].len, 2);
    assert_int_equal(f.m.bodies[1].off, 0x1a);
    assert_int_equal(f.m.bodies[1].len, 2);
    assert_int_equal(f.m.func_declared[0], 0);
    finish(&f);

    EXPECT_INVALID(unknown_type, "function section @0x11: unknown type 1");
    EXPECT_MALFORMED(no_code, "function and code section have inconsistent lengths");
    EXPECT_MALFORMED(no_function, "function and code section have inconsistent lengths");
    EXPECT_MALFORMED(fewer_bodies, "function and code section have inconsistent lengths");
    EXPECT_MALFORMED(body_past_section, "unexpected end of section or function");
    EXPECT_OK(both_empty);
    EXPECT_OK(junk_body);
}

static void test_wasm_decode_tables(void **state)
{
    (void)state;
    /* (table 0 0xffffffff externref): any u32 size is accepted here */
    static const uint8_t huge[] = {HDR,  0x04, 0x09, 0x01, 0x6f, 0x01,
                                   0x00, 0xff, 0xff, 0xff, 0xff, 0x0f};
    static const uint8_t min_gt_max[] = {HDR, 0x04, 0x05, 0x01, 0x70, 0x01, 0x03, 0x02};
    static const uint8_t flags_2[] = {HDR, 0x04, 0x04, 0x01, 0x70, 0x02, 0x00};
    static const uint8_t flags_leb[] = {HDR, 0x04, 0x05, 0x01, 0x70, 0x81, 0x00, 0x00};
    static const uint8_t bad_reftype[] = {HDR, 0x04, 0x04, 0x01, 0x7f, 0x00, 0x00};
    static const uint8_t two_tables[] = {HDR, 0x04, 0x07, 0x02, 0x70, 0x00, 0x00, 0x6f, 0x00, 0x05};
    static const uint8_t missing_table[] = {HDR, 0x04, 0x01, 0x01};

    fixture f;
    decode_ok(&f, huge, sizeof huge, __LINE__);
    assert_int_equal(f.m.ntables, 1);
    assert_int_equal(f.m.ntable_imports, 0);
    assert_int_equal(f.m.tables[0].elem, OL_WASM_EXTERNREF);
    assert_true(f.m.tables[0].limits.has_max);
    assert_true(f.m.tables[0].limits.max == UINT32_MAX);
    finish(&f);

    EXPECT_INVALID(min_gt_max, "size minimum must not be greater than maximum");
    EXPECT_MALFORMED(flags_2, "integer too large");
    EXPECT_MALFORMED(flags_leb, "integer representation too long");
    EXPECT_MALFORMED(bad_reftype, "malformed reference type");
    EXPECT_OK(two_tables);
    EXPECT_MALFORMED(missing_table, "unexpected end of section or function");
}

static void test_wasm_decode_memories(void **state)
{
    (void)state;
    static const uint8_t max_pages[] = {HDR,  0x05, 0x08, 0x01, 0x01, 0x80,
                                        0x80, 0x04, 0x80, 0x80, 0x04};
    static const uint8_t min_too_big[] = {HDR, 0x05, 0x05, 0x01, 0x00, 0x81, 0x80, 0x04};
    static const uint8_t max_too_big[] = {HDR, 0x05, 0x06, 0x01, 0x01, 0x00, 0x81, 0x80, 0x04};
    static const uint8_t min_gt_max[] = {HDR, 0x05, 0x04, 0x01, 0x01, 0x02, 0x01};
    static const uint8_t two[] = {HDR, 0x05, 0x05, 0x02, 0x00, 0x00, 0x00, 0x00};
    static const uint8_t flags_3[] = {HDR, 0x05, 0x04, 0x01, 0x03, 0x00, 0x00};
    static const uint8_t no_max[] = {HDR, 0x05, 0x03, 0x01, 0x01, 0x00};

    fixture f;
    decode_ok(&f, max_pages, sizeof max_pages, __LINE__);
    assert_int_equal(f.m.nmems, 1);
    assert_int_equal(f.m.mems[0].min, 65536);
    assert_int_equal(f.m.mems[0].max, 65536);
    finish(&f);

    EXPECT_INVALID(min_too_big, "memory size must be at most 65536 pages (4GiB)");
    EXPECT_INVALID(max_too_big, "memory size must be at most 65536 pages (4GiB)");
    EXPECT_INVALID(min_gt_max, "size minimum must not be greater than maximum");
    EXPECT_INVALID(two, "multiple memories");
    EXPECT_MALFORMED(flags_3, "integer too large");
    EXPECT_MALFORMED(no_max, "unexpected end of section or function");
}

/* ---------------------------------------------------------------------------------------------
 * Globals and constant expressions
 * ------------------------------------------------------------------------------------------- */

static void test_wasm_decode_globals(void **state)
{
    (void)state;
    /* (global i32 (i32.const -1)) (global f32 (f32.const -0.0)) (global (mut f64) (f64.const
     * nan:0x1)) (global funcref (ref.null func)) */
    static const uint8_t ok[] = {HDR,  0x06, 0x1f, 0x04, 0x7f, 0x00, 0x41, 0x7f, 0x0b,
                                 0x7d, 0x00, 0x43, 0x00, 0x00, 0x00, 0x80, 0x0b, 0x7c,
                                 0x01, 0x44, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0,
                                 0x7f, 0x0b, 0x70, 0x00, 0xd0, 0x70, 0x0b};
    static const uint8_t bad_mut[] = {HDR, 0x06, 0x06, 0x01, 0x7f, 0x02, 0x41, 0x00, 0x0b};
    static const uint8_t bad_type[] = {HDR, 0x06, 0x06, 0x01, 0x7b, 0x00, 0x41, 0x00, 0x0b};

    fixture f;
    decode_ok(&f, ok, sizeof ok, __LINE__);
    assert_int_equal(f.m.nglobals, 4);
    assert_int_equal(f.m.nglobal_imports, 0);
    assert_int_equal(f.m.globals[0].type, OL_WASM_I32);
    assert_false(f.m.globals[0].mut);
    assert_true(f.m.globals[0].init.value == 0xffffffffu);
    assert_int_equal(f.m.globals[1].init.type, OL_WASM_F32);
    assert_true(f.m.globals[1].init.value == 0x80000000u);
    assert_true(f.m.globals[2].mut);
    assert_true(f.m.globals[2].init.value == UINT64_C(0x7ff0000000000001));
    assert_int_equal(f.m.globals[3].init.kind, OL__CE_REF_NULL);
    assert_int_equal(f.m.globals[3].init.type, OL_WASM_FUNCREF);
    assert_true(f.m.globals[3].init.value == 0);
    finish(&f);

    EXPECT_MALFORMED(bad_mut, "malformed mutability");
    EXPECT_MALFORMED(bad_type, "malformed value type");
}

static void test_wasm_decode_constant_expressions(void **state)
{
    (void)state;
    /* Each module: one imported immutable i32 global "g" (index 0) and one imported mutable i32
     * global (index 1), then a global section (bytes below) with one defined global. */
#define CE_IMPORTS \
    0x02, 0x0d, 0x02, 0x00, 0x01, 'g', 0x03, 0x7f, 0x00, 0x00, 0x01, 'm', 0x03, 0x7f, 0x01
    static const uint8_t get_imported[] = {HDR,  CE_IMPORTS, 0x06, 0x06, 0x01,
                                           0x7f, 0x00,       0x23, 0x00, 0x0b};
    static const uint8_t get_mutable[] = {HDR,  CE_IMPORTS, 0x06, 0x06, 0x01,
                                          0x7f, 0x00,       0x23, 0x01, 0x0b};
    static const uint8_t get_unknown[] = {HDR,  CE_IMPORTS, 0x06, 0x06, 0x01,
                                          0x7f, 0x00,       0x23, 0x02, 0x0b};
    /* a defined global may not be read, even an earlier immutable one */
    static const uint8_t get_defined[] = {HDR,  CE_IMPORTS, 0x06, 0x0b, 0x02, 0x7f, 0x00, 0x41,
                                          0x00, 0x0b,       0x7f, 0x00, 0x23, 0x02, 0x0b};
    static const uint8_t wrong_type[] = {HDR,  CE_IMPORTS, 0x06, 0x06, 0x01,
                                         0x7e, 0x00,       0x23, 0x00, 0x0b};
    static const uint8_t wrong_const[] = {HDR, 0x06, 0x06, 0x01, 0x7e, 0x00, 0x41, 0x00, 0x0b};
    static const uint8_t empty[] = {HDR, 0x06, 0x04, 0x01, 0x7f, 0x00, 0x0b};
    static const uint8_t two_consts[] = {HDR,  0x06, 0x08, 0x01, 0x7f, 0x00,
                                         0x41, 0x00, 0x41, 0x00, 0x0b};
    static const uint8_t const_then_add[] = {HDR,  0x06, 0x09, 0x01, 0x7f, 0x00,
                                             0x41, 0x00, 0x41, 0x00, 0x6a, 0x0b};
    static const uint8_t nop[] = {HDR, 0x06, 0x07, 0x01, 0x7f, 0x00, 0x01, 0x41, 0x00, 0x0b};
    static const uint8_t local_get[] = {HDR, 0x06, 0x06, 0x01, 0x7f, 0x00, 0x20, 0x00, 0x0b};
    static const uint8_t sat_trunc[] = {HDR, 0x06, 0x06, 0x01, 0x7f, 0x00, 0xfc, 0x00, 0x0b};
    static const uint8_t illegal[] = {HDR, 0x06, 0x05, 0x01, 0x7f, 0x00, 0x06, 0x0b};
    static const uint8_t illegal_fc[] = {HDR, 0x06, 0x06, 0x01, 0x7f, 0x00, 0xfc, 0x12, 0x0b};
    static const uint8_t simd[] = {HDR, 0x06, 0x06, 0x01, 0x7f, 0x00, 0xfd, 0x0c, 0x0b};
    static const uint8_t no_end[] = {HDR, 0x06, 0x05, 0x01, 0x7f, 0x00, 0x41, 0x00};
    static const uint8_t f32_short[] = {HDR, 0x06, 0x06, 0x01, 0x7d, 0x00, 0x43, 0x00, 0x00};
    static const uint8_t null_bad_type[] = {HDR, 0x06, 0x06, 0x01, 0x70, 0x00, 0xd0, 0x7f, 0x0b};
    static const uint8_t null_wrong_type[] = {HDR, 0x06, 0x06, 0x01, 0x70, 0x00, 0xd0, 0x6f, 0x0b};
    /* (global funcref (ref.func 0)) with no functions */
    static const uint8_t func_unknown[] = {HDR, 0x06, 0x06, 0x01, 0x70, 0x00, 0xd2, 0x00, 0x0b};
    /* (global externref (ref.func 0)) with one function */
    static const uint8_t func_wrong_type[] = {HDR,  TYPE_V, FUNC_1, 0x06, 0x06, 0x01,
                                              0x6f, 0x00,   0xd2,   0x00, 0x0b, CODE_1};

    EXPECT_OK(get_imported);
    EXPECT_INVALID(get_mutable, "constant expression required");
    EXPECT_INVALID(get_unknown, "unknown global 2");
    EXPECT_INVALID(get_defined, "unknown global 2");
    EXPECT_INVALID(wrong_type, "type mismatch");
    EXPECT_INVALID(wrong_const, "global section @0xd: type mismatch");
    EXPECT_INVALID(empty, "type mismatch");
    EXPECT_INVALID(two_consts, "type mismatch");
    EXPECT_INVALID(const_then_add, "constant expression required");
    EXPECT_INVALID(nop, "constant expression required");
    EXPECT_INVALID(local_get, "constant expression required");
    EXPECT_INVALID(sat_trunc, "constant expression required");
    EXPECT_MALFORMED(illegal, "illegal opcode");
    EXPECT_MALFORMED(illegal_fc, "illegal opcode");
    EXPECT_MALFORMED(simd, "illegal opcode");
    EXPECT_MALFORMED(no_end, "unexpected end of section or function");
    EXPECT_MALFORMED(f32_short, "unexpected end");
    EXPECT_MALFORMED(null_bad_type, "malformed reference type");
    EXPECT_INVALID(null_wrong_type, "type mismatch");
    EXPECT_INVALID(func_unknown, "unknown function 0");
    EXPECT_INVALID(func_wrong_type, "type mismatch");

    fixture f;
    decode_ok(&f, get_imported, sizeof get_imported, __LINE__);
    assert_int_equal(f.m.globals[2].init.kind, OL__CE_GLOBAL_GET);
    assert_int_equal(f.m.globals[2].init.type, OL_WASM_I32);
    assert_int_equal(f.m.globals[2].init.value, 0);
    finish(&f);
#undef CE_IMPORTS
}

/* ---------------------------------------------------------------------------------------------
 * Exports and start
 * ------------------------------------------------------------------------------------------- */

static void test_wasm_decode_exports(void **state)
{
    (void)state;
    static const uint8_t dup[] = {HDR,  TYPE_V, FUNC_1, 0x07, 0x09, 0x02, 0x01,  'f',
                                  0x00, 0x00,   0x01,   'f',  0x00, 0x00, CODE_1};
    /* same name, different kinds: still a duplicate */
    static const uint8_t dup_kinds[] = {HDR,  TYPE_V, FUNC_1, 0x05, 0x03, 0x01,  0x00,
                                        0x00, 0x07,   0x09,   0x02, 0x01, 'x',   0x00,
                                        0x00, 0x01,   'x',    0x02, 0x00, CODE_1};
    static const uint8_t distinct[] = {HDR,  TYPE_V, FUNC_1, 0x07, 0x0c, 0x03, 0x01, 'a',  0x00,
                                       0x00, 0x00,   0x00,   0x00, 0x01, 'b',  0x00, 0x00, CODE_1};
    static const uint8_t unknown_func[] = {HDR, 0x07, 0x05, 0x01, 0x01, 'f', 0x00, 0x00};
    static const uint8_t unknown_table[] = {HDR, 0x07, 0x05, 0x01, 0x01, 't', 0x01, 0x00};
    static const uint8_t unknown_memory[] = {HDR, 0x07, 0x05, 0x01, 0x01, 'm', 0x02, 0x00};
    static const uint8_t unknown_global[] = {HDR, 0x07, 0x05, 0x01, 0x01, 'g', 0x03, 0x00};
    static const uint8_t bad_kind[] = {HDR, 0x07, 0x05, 0x01, 0x01, 'x', 0x04, 0x00};
    /* exporting a mutable global is allowed since the mutable-globals proposal */
    static const uint8_t mut_global[] = {HDR,  0x06, 0x06, 0x01, 0x7f, 0x01, 0x41, 0x00,
                                         0x0b, 0x07, 0x05, 0x01, 0x01, 'g',  0x03, 0x00};

    EXPECT_INVALID(dup, "export section @0x19: duplicate export name \"f\"");
    EXPECT_INVALID(dup_kinds, "duplicate export name");
    EXPECT_INVALID(unknown_func, "unknown function 0");
    EXPECT_INVALID(unknown_table, "unknown table 0");
    EXPECT_INVALID(unknown_memory, "unknown memory 0");
    EXPECT_INVALID(unknown_global, "unknown global 0");
    EXPECT_MALFORMED(bad_kind, "malformed export kind");
    EXPECT_OK(mut_global);

    fixture f;
    decode_ok(&f, distinct, sizeof distinct, __LINE__);
    assert_int_equal(f.m.nexports, 3);
    assert_int_equal(f.m.exports[1].name_len, 0);
    assert_string_equal(f.m.exports[2].name, "b");
    assert_int_equal(f.m.func_declared[0], 1); /* exported functions count as declared */
    finish(&f);
}

static void test_wasm_decode_many_exports(void **state)
{
    (void)state;
    /* 60,000 distinct names, then one repeating the 30,000th: the duplicate check must stay
     * fast and report the repeated name. */
    const uint32_t n = 60000;
    buf sec = {0}, mod = {0};
    char name[16];
    put_leb(&sec, n + 1);
    for (uint32_t i = 0; i <= n; i++) {
        int len = snprintf(name, sizeof name, "e%u", i == n ? 30000u : i);
        put_leb(&sec, (uint64_t)len);
        put_bytes(&sec, (const uint8_t *)name, (size_t)len);
        put(&sec, 0x03);
        put_leb(&sec, 0);
    }
    /* (global i32 (i32.const 0)) */
    static const uint8_t global[] = {0x06, 0x06, 0x01, 0x7f, 0x00, 0x41, 0x00, 0x0b};
    put_header(&mod);
    put_bytes(&mod, global, sizeof global);
    put_section(&mod, 7, &sec);
    expect_at(mod.p, mod.len, OL_E_INVALID_MODULE, "duplicate export name \"e30000\"", __LINE__);

    /* Without the repeat, the module is fine. */
    sec.len = 0;
    mod.len = 0;
    put_leb(&sec, n);
    for (uint32_t i = 0; i < n; i++) {
        int len = snprintf(name, sizeof name, "e%u", i);
        put_leb(&sec, (uint64_t)len);
        put_bytes(&sec, (const uint8_t *)name, (size_t)len);
        put(&sec, 0x03);
        put_leb(&sec, 0);
    }
    put_header(&mod);
    put_bytes(&mod, global, sizeof global);
    put_section(&mod, 7, &sec);
    expect_at(mod.p, mod.len, OL_OK, NULL, __LINE__);
    free(sec.p);
    free(mod.p);
}

static void test_wasm_decode_start(void **state)
{
    (void)state;
    static const uint8_t ok[] = {HDR, TYPE_V, FUNC_1, 0x08, 0x01, 0x00, CODE_1};
    static const uint8_t unknown[] = {HDR, TYPE_V, FUNC_1, 0x08, 0x01, 0x01, CODE_1};
    /* type 0 = [i32] -> [] */
    static const uint8_t with_param[] = {HDR,  0x01,   0x05, 0x01, 0x60, 0x01,  0x7f,
                                         0x00, FUNC_1, 0x08, 0x01, 0x00, CODE_1};
    /* type 0 = [] -> [i32], an imported function */
    static const uint8_t imported_result[] = {HDR,  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x02,
                                              0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x08, 0x01, 0x00};
    static const uint8_t trailing[] = {HDR, TYPE_V, FUNC_1, 0x08, 0x02, 0x00, 0x00, CODE_1};

    fixture f;
    decode_ok(&f, ok, sizeof ok, __LINE__);
    assert_true(f.m.has_start);
    assert_int_equal(f.m.start, 0);
    /* being the start function does not make a function declared */
    assert_int_equal(f.m.func_declared[0], 0);
    finish(&f);

    EXPECT_INVALID(unknown, "start section @0x14: unknown function 1");
    EXPECT_INVALID(with_param, "start function");
    EXPECT_INVALID(imported_result, "start function");
    EXPECT_MALFORMED(trailing, "section size mismatch");
}

/* ---------------------------------------------------------------------------------------------
 * Element segments
 * ------------------------------------------------------------------------------------------- */

/* Imports an immutable funcref global; two functions; table 0 funcref, table 1 externref. */
#define ELEM_PRELUDE                                                                          \
    HDR, TYPE_V, 0x02, 0x07, 0x01, 0x00, 0x01, 'g', 0x03, 0x70, 0x00, 0x03, 0x03, 0x02, 0x00, \
        0x00, 0x04, 0x07, 0x02, 0x70, 0x00, 0x04, 0x6f, 0x00, 0x04
#define ELEM_CODE 0x0a, 0x07, 0x02, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b

static void test_wasm_decode_elements(void **state)
{
    (void)state;
    /* One segment per line. */
    /* clang-format off */
    static const uint8_t all_flags[] = {
        ELEM_PRELUDE, 0x09, 0x39, 0x08,
        /* 0: active table 0, offset 0, funcs [0] */
        0x00, 0x41, 0x00, 0x0b, 0x01, 0x00,
        /* 1: passive, elemkind, funcs [1] */
        0x01, 0x00, 0x01, 0x01,
        /* 2: active table 0, offset 1, elemkind, funcs [0 1] */
        0x02, 0x00, 0x41, 0x01, 0x0b, 0x00, 0x02, 0x00, 0x01,
        /* 3: declarative, elemkind, funcs [1] */
        0x03, 0x00, 0x01, 0x01,
        /* 4: active table 0, offset 2, exprs [ref.func 0, global.get 0, ref.null func] */
        0x04, 0x41, 0x02, 0x0b, 0x03, 0xd2, 0x00, 0x0b, 0x23, 0x00, 0x0b, 0xd0, 0x70, 0x0b,
        /* 5: passive externref [ref.null extern] */
        0x05, 0x6f, 0x01, 0xd0, 0x6f, 0x0b,
        /* 6: active table 1, offset 0, externref, no items */
        0x06, 0x01, 0x41, 0x00, 0x0b, 0x6f, 0x00,
        /* 7: declarative funcref [ref.func 1] */
        0x07, 0x70, 0x01, 0xd2, 0x01, 0x0b,
        ELEM_CODE,
    };
    /* clang-format on */
    fixture f;
    ol_wasm_module *m = &f.m;
    decode_ok(&f, all_flags, sizeof all_flags, __LINE__);
    assert_int_equal(m->nelems, 8);
    static const ol__seg_mode modes[8] = {
        OL__SEG_ACTIVE, OL__SEG_PASSIVE, OL__SEG_ACTIVE, OL__SEG_DECLARATIVE,
        OL__SEG_ACTIVE, OL__SEG_PASSIVE, OL__SEG_ACTIVE, OL__SEG_DECLARATIVE,
    };
    static const ol_wasm_valtype types[8] = {
        OL_WASM_FUNCREF, OL_WASM_FUNCREF,   OL_WASM_FUNCREF,   OL_WASM_FUNCREF,
        OL_WASM_FUNCREF, OL_WASM_EXTERNREF, OL_WASM_EXTERNREF, OL_WASM_FUNCREF,
    };
    static const uint32_t counts[8] = {1, 1, 2, 1, 3, 1, 0, 1};
    for (int i = 0; i < 8; i++) {
        assert_int_equal(m->elems[i].mode, modes[i]);
        assert_int_equal(m->elems[i].type, types[i]);
        assert_int_equal(m->elems[i].count, counts[i]);
    }
    assert_int_equal(m->elems[2].offset.value, 1);
    assert_int_equal(m->elems[2].items[1].kind, OL__CE_REF_FUNC);
    assert_int_equal(m->elems[2].items[1].value, 1);
    assert_int_equal(m->elems[4].offset.value, 2);
    assert_int_equal(m->elems[4].items[0].kind, OL__CE_REF_FUNC);
    assert_int_equal(m->elems[4].items[1].kind, OL__CE_GLOBAL_GET);
    assert_int_equal(m->elems[4].items[1].type, OL_WASM_FUNCREF);
    assert_int_equal(m->elems[4].items[2].kind, OL__CE_REF_NULL);
    assert_int_equal(m->elems[6].table, 1);
    assert_null(m->elems[6].items);
    assert_int_equal(m->func_declared[0], 1);
    assert_int_equal(m->func_declared[1], 1);
    finish(&f);
}

static void test_wasm_decode_element_errors(void **state)
{
    (void)state;
    static const uint8_t flags_8[] = {ELEM_PRELUDE, 0x09, 0x04, 0x01, 0x08, 0x00, 0x00, ELEM_CODE};
    static const uint8_t bad_elemkind[] = {ELEM_PRELUDE, 0x09, 0x04, 0x01,
                                           0x01,         0x01, 0x00, ELEM_CODE};
    static const uint8_t bad_reftype[] = {ELEM_PRELUDE, 0x09, 0x04, 0x01,
                                          0x05,         0x7f, 0x00, ELEM_CODE};
    static const uint8_t unknown_table[] = {ELEM_PRELUDE, 0x09, 0x08, 0x01, 0x02, 0x02,
                                            0x41,         0x00, 0x0b, 0x00, 0x00, ELEM_CODE};
    /* funcref segment into the externref table */
    static const uint8_t table_mismatch[] = {ELEM_PRELUDE, 0x09, 0x08, 0x01, 0x02, 0x01,
                                             0x41,         0x00, 0x0b, 0x00, 0x00, ELEM_CODE};
    static const uint8_t unknown_func[] = {ELEM_PRELUDE, 0x09, 0x07, 0x01, 0x00,     0x41,
                                           0x00,         0x0b, 0x01, 0x02, ELEM_CODE};
    /* funcref expressions segment holding ref.null extern */
    static const uint8_t item_mismatch[] = {ELEM_PRELUDE, 0x09, 0x07, 0x01, 0x05,     0x70,
                                            0x01,         0xd0, 0x6f, 0x0b, ELEM_CODE};
    /* externref expressions segment holding global.get of the funcref global */
    static const uint8_t item_global_mismatch[] = {ELEM_PRELUDE, 0x09, 0x07, 0x01, 0x05,     0x6f,
                                                   0x01,         0x23, 0x00, 0x0b, ELEM_CODE};
    static const uint8_t item_not_ref[] = {ELEM_PRELUDE, 0x09, 0x07, 0x01, 0x05,     0x70,
                                           0x01,         0x41, 0x00, 0x0b, ELEM_CODE};
    static const uint8_t item_non_const[] = {ELEM_PRELUDE, 0x09, 0x07, 0x01, 0x05,     0x70,
                                             0x01,         0x10, 0x00, 0x0b, ELEM_CODE};
    static const uint8_t offset_i64[] = {ELEM_PRELUDE, 0x09, 0x07, 0x01, 0x00,     0x42,
                                         0x00,         0x0b, 0x01, 0x00, ELEM_CODE};
    static const uint8_t offset_missing_end[] = {ELEM_PRELUDE, 0x09, 0x04, 0x01,
                                                 0x00,         0x41, 0x00, ELEM_CODE};
    static const uint8_t items_past_end[] = {ELEM_PRELUDE, 0x09, 0x07, 0x01, 0x00,     0x41,
                                             0x00,         0x0b, 0x03, 0x00, ELEM_CODE};
    /* no table at all */
    static const uint8_t no_table[] = {HDR,  TYPE_V, FUNC_1, 0x09, 0x07, 0x01,  0x00,
                                       0x41, 0x00,   0x0b,   0x01, 0x00, CODE_1};

    EXPECT_MALFORMED(flags_8, "malformed elements segment kind");
    EXPECT_MALFORMED(bad_elemkind, "malformed elements segment kind");
    EXPECT_MALFORMED(bad_reftype, "malformed reference type");
    EXPECT_INVALID(unknown_table, "unknown table 2");
    EXPECT_INVALID(table_mismatch, "type mismatch");
    EXPECT_INVALID(unknown_func, "unknown function 2");
    EXPECT_INVALID(item_mismatch, "type mismatch");
    EXPECT_INVALID(item_global_mismatch, "type mismatch");
    EXPECT_INVALID(item_not_ref, "type mismatch");
    EXPECT_INVALID(item_non_const, "constant expression required");
    EXPECT_INVALID(offset_i64, "type mismatch");
    EXPECT_MALFORMED(offset_missing_end, "element section");
    EXPECT_MALFORMED(items_past_end, "unexpected end of section or function");
    EXPECT_INVALID(no_table, "unknown table 0");
}

/* ---------------------------------------------------------------------------------------------
 * Data segments and data count
 * ------------------------------------------------------------------------------------------- */

#define MEM_1 0x05, 0x03, 0x01, 0x00, 0x01

static void test_wasm_decode_data(void **state)
{
    (void)state;
    /* One segment per line. */
    /* clang-format off */
    static const uint8_t all_kinds[] = {
        HDR, MEM_1, 0x0c, 0x01, 0x03, 0x0b, 0x13, 0x03,
        /* 0: active memory 0 at 16, "ab" */
        0x00, 0x41, 0x10, 0x0b, 0x02, 'a', 'b',
        /* 1: passive, "xyz" */
        0x01, 0x03, 'x', 'y', 'z',
        /* 2: active memory 0 (explicit) at 0, empty */
        0x02, 0x00, 0x41, 0x00, 0x0b, 0x00,
    };
    /* clang-format on */
    static const uint8_t no_memory[] = {HDR, 0x0b, 0x07, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 'a'};
    static const uint8_t memory_1[] = {HDR,  MEM_1, 0x0b, 0x07, 0x01, 0x02,
                                       0x01, 0x41,  0x00, 0x0b, 0x00};
    static const uint8_t flags_3[] = {HDR, MEM_1, 0x0b, 0x03, 0x01, 0x03, 0x00};
    static const uint8_t bytes_past_end[] = {HDR,  MEM_1, 0x0b, 0x07, 0x01, 0x00,
                                             0x41, 0x00,  0x0b, 0x05, 'a'};
    static const uint8_t offset_i64[] = {HDR,  MEM_1, 0x0b, 0x07, 0x01, 0x00,
                                         0x42, 0x00,  0x0b, 0x01, 'a'};
    static const uint8_t count_mismatch[] = {HDR,  MEM_1, 0x0c, 0x01, 0x02, 0x0b,
                                             0x04, 0x01,  0x01, 0x01, 'a'};
    static const uint8_t count_no_data[] = {HDR, MEM_1, 0x0c, 0x01, 0x01};
    static const uint8_t count_zero_no_data[] = {HDR, MEM_1, 0x0c, 0x01, 0x00};
    static const uint8_t passive_no_memory[] = {HDR, 0x0b, 0x04, 0x01, 0x01, 0x01, 'a'};

    fixture f;
    ol_wasm_module *m = &f.m;
    decode_ok(&f, all_kinds, sizeof all_kinds, __LINE__);
    assert_true(m->has_datacount);
    assert_int_equal(m->datacount, 3);
    assert_int_equal(m->ndatas, 3);
    assert_int_equal(m->datas[0].mode, OL__SEG_ACTIVE);
    assert_int_equal(m->datas[0].mem, 0);
    assert_int_equal(m->datas[0].offset.kind, OL__CE_CONST);
    assert_int_equal(m->datas[0].offset.value, 16);
    assert_int_equal(m->datas[0].len, 2);
    assert_memory_equal(m->datas[0].bytes, "ab", 2);
    assert_int_equal(m->datas[1].mode, OL__SEG_PASSIVE);
    assert_int_equal(m->datas[1].len, 3);
    assert_memory_equal(m->datas[1].bytes, "xyz", 3);
    assert_int_equal(m->datas[2].mode, OL__SEG_ACTIVE);
    assert_int_equal(m->datas[2].len, 0);
    assert_null(m->datas[2].bytes);
    finish(&f);

    EXPECT_INVALID(no_memory, "unknown memory 0");
    EXPECT_INVALID(memory_1, "unknown memory 1");
    EXPECT_MALFORMED(flags_3, "malformed data segment kind");
    EXPECT_MALFORMED(bytes_past_end, "unexpected end of section or function");
    EXPECT_INVALID(offset_i64, "type mismatch");
    EXPECT_MALFORMED(count_mismatch, "data count and data section have inconsistent lengths");
    EXPECT_MALFORMED(count_no_data, "data count and data section have inconsistent lengths");
    EXPECT_OK(count_zero_no_data);
    EXPECT_OK(passive_no_memory);
}

/* ---------------------------------------------------------------------------------------------
 * Error precedence, diagnostics, hostile input
 * ------------------------------------------------------------------------------------------- */

static void test_wasm_decode_malformed_beats_invalid(void **state)
{
    (void)state;
    /* unknown type in the function section (invalid), then a malformed data segment */
    static const uint8_t both[] = {HDR,    TYPE_V, 0x03, 0x02, 0x01, 0x07,
                                   CODE_1, 0x0b,   0x03, 0x01, 0x09, 0x00};
    /* two validation errors: the first one is reported */
    static const uint8_t two_invalid[] = {HDR,  TYPE_V, 0x03, 0x02, 0x01, 0x07, 0x07,
                                          0x05, 0x01,   0x01, 'f',  0x00, 0x09, CODE_1};

    EXPECT_MALFORMED(both, "data section @0x1b: malformed data segment kind 9");

    fixture f;
    assert_int_equal(decode(&f, two_invalid, sizeof two_invalid), OL_E_INVALID_MODULE);
    assert_string_equal(f.d.msg, "function section @0x11: unknown type 7");
    assert_int_equal(f.d.code, OL_E_INVALID_MODULE);
    assert_non_null(f.d.file);
    assert_true(f.d.line > 0);
    finish(&f);
}

static void test_wasm_decode_diag_format(void **state)
{
    (void)state;
    static const uint8_t bad_kind[] = {HDR, 0x02, 0x05, 0x01, 0x00, 0x00, 0x04, 0x00};
    fixture f;
    assert_int_equal(decode(&f, bad_kind, sizeof bad_kind), OL_E_MALFORMED);
    assert_string_equal(f.d.msg, "import section @0xd: malformed import kind 0x04");
    finish(&f);

    /* A NULL diagnostic is allowed for every outcome. */
    ol_alloc_counter c;
    ol_wasm_module m;
    memset(&m, 0, sizeof m);
    m.alloc = ol_alloc_counter_init(&c, NULL);
    assert_int_equal(ol__wasm_decode(&m, bad_kind, sizeof bad_kind, NULL), OL_E_MALFORMED);
    ol__wasm_module_clear(&m);
    static const uint8_t dup[] = {HDR,  TYPE_V, FUNC_1, 0x07, 0x09, 0x02, 0x01,  'f',
                                  0x00, 0x00,   0x01,   'f',  0x00, 0x00, CODE_1};
    assert_int_equal(ol__wasm_decode(&m, dup, sizeof dup, NULL), OL_E_INVALID_MODULE);
    ol__wasm_module_clear(&m);
    assert_int_equal(c.live, 0);
}

static void test_wasm_decode_hostile_counts(void **state)
{
    (void)state;
    /* Counts near UINT32_MAX in tiny sections must fail before anything is allocated. */
    static const uint8_t types[] = {HDR, 0x01, 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f};
    static const uint8_t imports[] = {HDR, 0x02, 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f};
    static const uint8_t funcs[] = {HDR, 0x03, 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f};
    static const uint8_t tables[] = {HDR, 0x04, 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f};
    static const uint8_t mems[] = {HDR, 0x05, 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f};
    static const uint8_t globals[] = {HDR, 0x06, 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f};
    static const uint8_t exports[] = {HDR, 0x07, 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f};
    static const uint8_t elems[] = {HDR, 0x09, 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f};
    static const uint8_t code[] = {HDR, 0x0a, 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f};
    static const uint8_t datas[] = {HDR, 0x0b, 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f};
    static const uint8_t params[] = {HDR, 0x01, 0x07, 0x01, 0x60, 0xff, 0xff, 0xff, 0xff, 0x0f};
    static const uint8_t items[] = {HDR,  0x09, 0x09, 0x01, 0x01, 0x00,
                                    0xff, 0xff, 0xff, 0xff, 0x0f};
    static const uint8_t data_len[] = {HDR, 0x0b, 0x07, 0x01, 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f};
    static const uint8_t name_len[] = {HDR, 0x00, 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f};
    const struct {
        const uint8_t *p;
        size_t n;
    } cases[] = {
        {types, sizeof types},       {imports, sizeof imports},   {funcs, sizeof funcs},
        {tables, sizeof tables},     {mems, sizeof mems},         {globals, sizeof globals},
        {exports, sizeof exports},   {elems, sizeof elems},       {code, sizeof code},
        {datas, sizeof datas},       {params, sizeof params},     {items, sizeof items},
        {data_len, sizeof data_len}, {name_len, sizeof name_len},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fixture f;
        ol_err rc = decode(&f, cases[i].p, cases[i].n);
        if (rc != OL_E_MALFORMED) {
            print_error("case %zu: %s %s\n", i, ol_err_name(rc), f.d.msg);
            fail();
        }
        /* at most the array of the enclosing section's one entry */
        assert_true(f.counter.peak < 256);
        finish(&f);
    }
}

static void test_wasm_decode_fault_injection(void **state)
{
    (void)state;
    bool saw_nomem = false;
    for (long n = 0;; n++) {
        fixture f;
        ol_allocator a = ol_alloc_counter_init(&f.counter, NULL);
        f.counter.fail_countdown = n;
        memset(&f.m, 0, sizeof f.m);
        memset(&f.d, 0, sizeof f.d);
        f.m.alloc = a;
        ol_err rc = ol__wasm_decode(&f.m, rich, sizeof rich, &f.d);
        if (rc != OL_OK && rc != OL_E_NOMEM) {
            print_error("countdown %ld: %s %s\n", n, ol_err_name(rc), f.d.msg);
            fail();
        }
        if (rc == OL_E_NOMEM) {
            saw_nomem = true;
            assert_non_null(strstr(f.d.msg, "out of memory"));
        }
        finish(&f);
        if (rc == OL_OK)
            break;
        assert_true(n < 1000);
    }
    assert_true(saw_nomem);
}

/* Allocation failures in modules that are rejected anyway: NOMEM until the allocations run
 * out, then the module's own error; nothing may leak either way. */
static void test_wasm_decode_fault_injection_errors(void **state)
{
    (void)state;
    /* invalid after allocations (duplicate export) and malformed after allocations */
    static const uint8_t dup[] = {HDR,  TYPE_V, FUNC_1, 0x07, 0x09, 0x02, 0x01,  'f',
                                  0x00, 0x00,   0x01,   'f',  0x00, 0x00, CODE_1};
    static const uint8_t late_malformed[] = {HDR,    TYPE_V, 0x03, 0x02, 0x01, 0x07,
                                             CODE_1, 0x0b,   0x03, 0x01, 0x09, 0x00};
    const struct {
        const uint8_t *p;
        size_t n;
        ol_err final;
    } cases[] = {
        {dup, sizeof dup, OL_E_INVALID_MODULE},
        {late_malformed, sizeof late_malformed, OL_E_MALFORMED},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        for (long n = 0;; n++) {
            fixture f;
            ol_allocator a = ol_alloc_counter_init(&f.counter, NULL);
            f.counter.fail_countdown = n;
            memset(&f.m, 0, sizeof f.m);
            f.m.alloc = a;
            ol_err rc = ol__wasm_decode(&f.m, cases[k].p, cases[k].n, &f.d);
            assert_true(rc == OL_E_NOMEM || rc == cases[k].final);
            finish(&f);
            if (rc != OL_E_NOMEM)
                break;
            assert_true(n < 1000);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wasm_decode_empty_module),
        cmocka_unit_test(test_wasm_decode_rich_module),
        cmocka_unit_test(test_wasm_decode_data_is_copied),
        cmocka_unit_test(test_wasm_decode_null_input),
        cmocka_unit_test(test_wasm_decode_clear_twice),
        cmocka_unit_test(test_wasm_decode_header),
        cmocka_unit_test(test_wasm_decode_section_framing),
        cmocka_unit_test(test_wasm_decode_section_order),
        cmocka_unit_test(test_wasm_decode_custom_section),
        cmocka_unit_test(test_wasm_decode_leb128),
        cmocka_unit_test(test_wasm_decode_types),
        cmocka_unit_test(test_wasm_decode_type_limits),
        cmocka_unit_test(test_wasm_decode_imports),
        cmocka_unit_test(test_wasm_decode_names_utf8),
        cmocka_unit_test(test_wasm_decode_function_and_code),
        cmocka_unit_test(test_wasm_decode_tables),
        cmocka_unit_test(test_wasm_decode_memories),
        cmocka_unit_test(test_wasm_decode_globals),
        cmocka_unit_test(test_wasm_decode_constant_expressions),
        cmocka_unit_test(test_wasm_decode_exports),
        cmocka_unit_test(test_wasm_decode_many_exports),
        cmocka_unit_test(test_wasm_decode_start),
        cmocka_unit_test(test_wasm_decode_elements),
        cmocka_unit_test(test_wasm_decode_element_errors),
        cmocka_unit_test(test_wasm_decode_data),
        cmocka_unit_test(test_wasm_decode_malformed_beats_invalid),
        cmocka_unit_test(test_wasm_decode_diag_format),
        cmocka_unit_test(test_wasm_decode_hostile_counts),
        cmocka_unit_test(test_wasm_decode_fault_injection),
        cmocka_unit_test(test_wasm_decode_fault_injection_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

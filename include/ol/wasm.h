/* The metered WebAssembly engine: decode, validate, compile once, instantiate, run.
 *
 * Supported: the WebAssembly 2.0 binary format without SIMD (MVP, sign-extension, non-trapping
 * float-to-int, multi-value, mutable-global import/export, bulk memory, reference types).
 * The engine does no I/O; everything outside the module comes from the embedder as imports.
 *
 * Objects and ownership
 *   ol_wasm_module    compiled code; immutable, shareable by any number of stores and threads.
 *   ol_wasm_store     an execution context: allocator, limits, fuel, interrupt flag, value and
 *                     call stacks, and every instance/function/memory/table/global created in it.
 *                     All of those are owned by the store and freed with it. One thread at a time
 *                     uses a store; different stores run concurrently on different threads.
 *   ol_wasm_instance, ol_wasm_func, ol_wasm_memory, ol_wasm_table, ol_wasm_global:
 *                     borrowed pointers, valid until ol_wasm_store_free() of their store.
 *
 * Values
 *   Every value crosses the API as a raw 64-bit slot (uint64_t): i32 in the low 32 bits
 *   (upper bits ignored on input, zero on output), i64 as is, f32/f64 as their IEEE-754 bit
 *   patterns (low 32 bits for f32), references as an opaque non-zero handle with 0 = null.
 *   A funcref handle is an ol_wasm_func pointer (ol_wasm_func_from_ref/ol_wasm_func_to_ref);
 *   an externref handle is any non-zero value the embedder chooses.
 *
 * Fuel (the unit behind every "instructions" figure in OutLayer)
 *   Each executed WebAssembly instruction costs 1 unit, except the structural markers `nop`,
 *   `block`, `loop`, `else` and `end`, which cost 0. Costs are summed per basic block at compile
 *   time and charged when control enters the block (function entry, the target of a taken
 *   branch, the fall-through of an untaken one); a block whose cost exceeds the remaining fuel
 *   traps with OL_WASM_TRAP_OUT_OF_FUEL before any of it runs. If an instruction traps in the
 *   middle of a block, the whole block has been charged. Bulk operations charge additionally,
 *   before they act: memory.copy, memory.fill and memory.init 1 unit per 64 bytes (rounded
 *   down), table.copy, table.fill, table.init and table.grow 1 unit per 8 elements (rounded
 *   down). Host functions are charged 1 (the call) plus what they charge themselves through
 *   ol_wasm_caller_consume_fuel(). The count is the same for the same module, inputs and host
 *   behaviour on every run and every build (switch or computed-goto dispatch, sanitizers or not).
 *
 * Determinism
 *   Every float operation whose result is a NaN under the spec's nondeterministic rules (add,
 *   sub, mul, div, sqrt, min, max, ceil, floor, trunc, nearest, demote, promote) returns the
 *   canonical NaN with the sign bit clear (f32 0x7fc00000, f64 0x7ff8000000000000). abs, neg,
 *   copysign, loads, stores, reinterpretations and moves preserve NaN bits exactly. The engine
 *   never reads or changes the host's floating-point environment.
 */
#ifndef OL_WASM_H
#define OL_WASM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ol/alloc.h"
#include "ol/err.h"

typedef struct ol_wasm_module ol_wasm_module;
typedef struct ol_wasm_store ol_wasm_store;
typedef struct ol_wasm_instance ol_wasm_instance;
typedef struct ol_wasm_func ol_wasm_func;
typedef struct ol_wasm_memory ol_wasm_memory;
typedef struct ol_wasm_table ol_wasm_table;
typedef struct ol_wasm_global ol_wasm_global;
typedef struct ol_wasm_caller ol_wasm_caller;

#define OL_WASM_PAGE_SIZE 65536u

typedef enum ol_wasm_valtype {
    OL_WASM_I32 = 0x7f,
    OL_WASM_I64 = 0x7e,
    OL_WASM_F32 = 0x7d,
    OL_WASM_F64 = 0x7c,
    OL_WASM_FUNCREF = 0x70,
    OL_WASM_EXTERNREF = 0x6f,
} ol_wasm_valtype;

/* Static name of a value type ("i32", "funcref", ...; "unknown" for anything else). */
const char *ol_wasm_valtype_name(ol_wasm_valtype t);

typedef enum ol_wasm_extern_kind {
    OL_WASM_EXTERN_FUNC = 0,
    OL_WASM_EXTERN_TABLE = 1,
    OL_WASM_EXTERN_MEMORY = 2,
    OL_WASM_EXTERN_GLOBAL = 3,
} ol_wasm_extern_kind;

/* A function signature. Arrays are borrowed (see the function returning it). */
typedef struct ol_wasm_functype {
    uint32_t nparams;
    uint32_t nresults;
    const ol_wasm_valtype *params;
    const ol_wasm_valtype *results;
} ol_wasm_functype;

typedef struct ol_wasm_limits_type {
    uint32_t min;
    uint32_t max; /* meaningful only when has_max */
    bool has_max;
} ol_wasm_limits_type;

/* The type of an import or export. */
typedef struct ol_wasm_externtype {
    ol_wasm_extern_kind kind;
    ol_wasm_functype func;       /* FUNC */
    ol_wasm_valtype table_elem;  /* TABLE: FUNCREF or EXTERNREF */
    ol_wasm_limits_type limits;  /* TABLE, MEMORY */
    ol_wasm_valtype global_type; /* GLOBAL */
    bool global_mutable;         /* GLOBAL */
} ol_wasm_externtype;

/* An external value: what an import is given and what an export yields. Borrowed pointer. */
typedef struct ol_wasm_extern {
    ol_wasm_extern_kind kind;
    union {
        ol_wasm_func *func;
        ol_wasm_table *table;
        ol_wasm_memory *memory;
        ol_wasm_global *global;
    } of;
} ol_wasm_extern;

/* ---------------------------------------------------------------------------------------------
 * Traps
 * ------------------------------------------------------------------------------------------- */

/* X(name, message). The messages are those of the WebAssembly spec tests where one exists. */
#define OL_WASM_TRAP_MAP(X)                                \
    X(NONE, "no trap")                                     \
    X(UNREACHABLE, "unreachable")                          \
    X(MEMORY_OOB, "out of bounds memory access")           \
    X(TABLE_OOB, "out of bounds table access")             \
    X(DIV_BY_ZERO, "integer divide by zero")               \
    X(INT_OVERFLOW, "integer overflow")                    \
    X(INVALID_CONVERSION, "invalid conversion to integer") \
    X(INDIRECT_NULL, "uninitialized element")              \
    X(INDIRECT_TYPE, "indirect call type mismatch")        \
    X(UNDEFINED_ELEMENT, "undefined element")              \
    X(STACK_EXHAUSTED, "call stack exhausted")             \
    X(OUT_OF_FUEL, "out of fuel")                          \
    X(INTERRUPTED, "interrupted")                          \
    X(HOST, "host error")

typedef enum ol_wasm_trap_kind {
#define OL_WASM_TRAP_ENUM(name, msg) OL_WASM_TRAP_##name,
    OL_WASM_TRAP_MAP(OL_WASM_TRAP_ENUM)
#undef OL_WASM_TRAP_ENUM
        OL_WASM_TRAP_COUNT_
} ol_wasm_trap_kind;

/* Static string for a kind ("out of bounds memory access", ...). */
const char *ol_wasm_trap_message(ol_wasm_trap_kind kind);
/* Static short name for a kind ("memory_oob", "out_of_fuel", ...). */
const char *ol_wasm_trap_name(ol_wasm_trap_kind kind);

/* A trap is a value. func_index is the index in the module's function index space of the
 * function that trapped (UINT32_MAX when the trap did not happen in WebAssembly code, e.g. the
 * entry charge ran out of fuel); offset is the byte offset of the trapping instruction from the
 * start of the module binary. msg is the kind's message, or a host's own message for HOST. */
typedef struct ol_wasm_trap {
    ol_wasm_trap_kind kind;
    uint32_t func_index;
    uint32_t offset;
    char msg[200];
} ol_wasm_trap;

/* ---------------------------------------------------------------------------------------------
 * Modules
 * ------------------------------------------------------------------------------------------- */

typedef struct ol_wasm_module_config {
    const ol_allocator *alloc; /* NULL: default. Used for the module and freed with it. */
} ol_wasm_module_config;

/* Decodes, validates every function eagerly and compiles it. `bytes` is borrowed for the call
 * only. Malformed input fails with OL_E_MALFORMED, invalid input with OL_E_INVALID_MODULE, and
 * the diagnostic names the section, the function where relevant, and the byte offset.
 * On OL_OK the caller owns *out; release with ol_wasm_module_free(). cfg may be NULL. */
ol_err ol_wasm_module_new(const uint8_t *bytes, size_t len, const ol_wasm_module_config *cfg,
                          ol_wasm_module **out, ol_diag *d);
/* NULL is a no-op. Every store that instantiated the module must have been freed first. */
void ol_wasm_module_free(ol_wasm_module *m);

/* Introspection. Returned strings and types are borrowed; valid until ol_wasm_module_free(m).
 * Names are not NUL-terminated in the binary; the engine stores them NUL-terminated and also
 * gives their byte length (names may contain NUL bytes). */
uint32_t ol_wasm_module_import_count(const ol_wasm_module *m);
/* i < import_count. */
void ol_wasm_module_import(const ol_wasm_module *m, uint32_t i, const char **module_name,
                           size_t *module_len, const char **name, size_t *name_len,
                           ol_wasm_externtype *type);
uint32_t ol_wasm_module_export_count(const ol_wasm_module *m);
/* i < export_count. */
void ol_wasm_module_export(const ol_wasm_module *m, uint32_t i, const char **name, size_t *name_len,
                           ol_wasm_externtype *type);
/* Number of functions (imported + defined). */
uint32_t ol_wasm_module_func_count(const ol_wasm_module *m);

/* ---------------------------------------------------------------------------------------------
 * Stores, limits, fuel
 * ------------------------------------------------------------------------------------------- */

/* Limits; any field left 0 takes the default shown. */
typedef struct ol_wasm_limits {
    uint32_t max_memory_pages; /* per memory; default 16384 (1 GiB); hard cap 65536 */
    uint32_t max_table_elems;  /* per table; default 1,000,000 */
    uint32_t max_call_depth;   /* frames of WebAssembly calls; default 10,000 */
    uint32_t max_stack_bytes;  /* value stack (locals and operands); default 8 MiB */
    uint32_t max_instances;    /* per store; default 10,000 */
} ol_wasm_limits;

typedef struct ol_wasm_store_config {
    const ol_allocator *alloc; /* NULL: default. Store bookkeeping, tables, stacks. */
    ol_wasm_limits limits;
} ol_wasm_store_config;

/* A new store with unlimited fuel (still counted). cfg may be NULL.
 * On OL_OK the caller owns *out; release with ol_wasm_store_free(). */
ol_err ol_wasm_store_new(const ol_wasm_store_config *cfg, ol_wasm_store **out, ol_diag *d);
/* Frees the store and everything created in it. NULL is a no-op. */
void ol_wasm_store_free(ol_wasm_store *s);

/* Sets the fuel available from now on and resets the consumed counter to 0.
 * UINT64_MAX means unlimited (but still counted). */
void ol_wasm_store_set_fuel(ol_wasm_store *s, uint64_t fuel);
/* Fuel consumed since the last set_fuel (or store creation); exact after any outcome. */
uint64_t ol_wasm_store_fuel_consumed(const ol_wasm_store *s);
/* Fuel still available (UINT64_MAX - consumed when unlimited). */
uint64_t ol_wasm_store_fuel_remaining(const ol_wasm_store *s);

/* Asks running code to stop with OL_WASM_TRAP_INTERRUPTED at its next loop back-edge or call.
 * Safe from any thread and from signal handlers. The flag stays set until cleared. */
void ol_wasm_store_interrupt(ol_wasm_store *s);
void ol_wasm_store_clear_interrupt(ol_wasm_store *s);

/* ---------------------------------------------------------------------------------------------
 * Host objects (for imports)
 * ------------------------------------------------------------------------------------------- */

/* A host function. args holds type->nparams slots, results has room for type->nresults slots
 * (they do not alias). Return OL_OK, or trap by returning ol_wasm_caller_trap(...). */
typedef ol_err (*ol_wasm_host_fn)(ol_wasm_caller *caller, void *ud, const uint64_t *args,
                                  uint64_t *results);

/* The type is copied. ud is borrowed; it must outlive the store. */
ol_err ol_wasm_func_new_host(ol_wasm_store *s, const ol_wasm_functype *type, ol_wasm_host_fn fn,
                             void *ud, ol_wasm_func **out, ol_diag *d);
/* max_pages: UINT32_MAX for no declared maximum. Fails with OL_E_LIMIT above the store limit. */
ol_err ol_wasm_memory_new(ol_wasm_store *s, uint32_t min_pages, uint32_t max_pages,
                          ol_wasm_memory **out, ol_diag *d);
/* elem: FUNCREF or EXTERNREF; max: UINT32_MAX for none; every element starts as `init`. */
ol_err ol_wasm_table_new(ol_wasm_store *s, ol_wasm_valtype elem, uint32_t min, uint32_t max,
                         uint64_t init, ol_wasm_table **out, ol_diag *d);
ol_err ol_wasm_global_new(ol_wasm_store *s, ol_wasm_valtype type, bool is_mutable, uint64_t value,
                          ol_wasm_global **out, ol_diag *d);

/* ---------------------------------------------------------------------------------------------
 * Instances
 * ------------------------------------------------------------------------------------------- */

/* Instantiates m in s. imports[i] satisfies the module's import i (count must equal the
 * module's import count; kinds and types are checked: OL_E_UNLINKABLE with a message naming the
 * import). Segments are initialised and the start function runs. A trap during instantiation
 * returns OL_E_TRAP and fills *trap (may be NULL). As the spec requires, writes already made to
 * imported memories and tables stay; the instance is not returned, but its functions may already
 * be referenced from an imported table, so its objects stay owned by the store until
 * ol_wasm_store_free(). A failure before segment initialisation (link error, limits, OL_E_NOMEM)
 * leaves the store exactly as it was. On OL_OK *out is borrowed from the store. */
ol_err ol_wasm_instance_new(ol_wasm_store *s, const ol_wasm_module *m,
                            const ol_wasm_extern *imports, size_t nimports, ol_wasm_instance **out,
                            ol_wasm_trap *trap, ol_diag *d);

/* Looks up an export by name (len bytes). OL_E_NOTFOUND if absent. */
ol_err ol_wasm_instance_export(const ol_wasm_instance *inst, const char *name, size_t len,
                               ol_wasm_extern *out);
/* Convenience: the exported function / memory called `name` (NUL-terminated), or NULL. */
ol_wasm_func *ol_wasm_instance_func(const ol_wasm_instance *inst, const char *name);
ol_wasm_memory *ol_wasm_instance_memory(const ol_wasm_instance *inst, const char *name);

/* ---------------------------------------------------------------------------------------------
 * Calling
 * ------------------------------------------------------------------------------------------- */

/* The function's type; arrays borrowed from the store. */
ol_wasm_functype ol_wasm_func_type(const ol_wasm_func *f);

/* Calls f with nargs argument slots; writes nresults result slots. Counts must match the type
 * (OL_E_INVAL otherwise). Returns OL_OK, OL_E_TRAP with *trap filled (trap may be NULL), or
 * OL_E_NOMEM if the store's stacks could not be allocated on first use.
 * Fuel is charged against f's store. May be called from a host function (re-entrantly) up to a
 * bounded nesting depth. */
ol_err ol_wasm_call(ol_wasm_func *f, const uint64_t *args, size_t nargs, uint64_t *results,
                    size_t nresults, ol_wasm_trap *trap);

/* funcref handles. */
uint64_t ol_wasm_func_to_ref(const ol_wasm_func *f);
ol_wasm_func *ol_wasm_func_from_ref(uint64_t ref);

/* ---------------------------------------------------------------------------------------------
 * Inside a host function
 * ------------------------------------------------------------------------------------------- */

/* The memory of the instance whose code made the call (its memory 0), or NULL. Borrowed. */
ol_wasm_memory *ol_wasm_caller_memory(ol_wasm_caller *c);
/* The store. Borrowed. */
ol_wasm_store *ol_wasm_caller_store(ol_wasm_caller *c);
/* Charges n units; when fewer remain, charges nothing and returns the out-of-fuel trap
 * (return it from the host function). */
ol_err ol_wasm_caller_consume_fuel(ol_wasm_caller *c, uint64_t n);
/* Records a trap of `kind` (usually OL_WASM_TRAP_HOST) with a message; returns OL_E_TRAP for the
 * host function to return. */
ol_err ol_wasm_caller_trap(ol_wasm_caller *c, ol_wasm_trap_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---------------------------------------------------------------------------------------------
 * Memories, tables, globals
 * ------------------------------------------------------------------------------------------- */

/* How many memory.grow requests of this store's memories were refused because of
 * limits.max_memory_pages although the memory's own declared maximum allowed them. */
uint64_t ol_wasm_store_memory_limit_hits(const ol_wasm_store *s);

/* Base pointer and byte length. Borrowed; valid until the memory grows or the store is freed.
 * Guest addresses must be bounds-checked by the host against *len. */
uint8_t *ol_wasm_memory_data(ol_wasm_memory *mem, size_t *len);
uint32_t ol_wasm_memory_pages(const ol_wasm_memory *mem);
/* Grows by delta pages; returns the old size in pages or -1 (limit, maximum, or no memory). */
int64_t ol_wasm_memory_grow(ol_wasm_memory *mem, uint32_t delta);

uint32_t ol_wasm_table_size(const ol_wasm_table *t);
/* OL_E_RANGE when i >= size. */
ol_err ol_wasm_table_get(const ol_wasm_table *t, uint32_t i, uint64_t *ref);
ol_err ol_wasm_table_set(ol_wasm_table *t, uint32_t i, uint64_t ref);

ol_wasm_valtype ol_wasm_global_type(const ol_wasm_global *g);
bool ol_wasm_global_is_mutable(const ol_wasm_global *g);
uint64_t ol_wasm_global_get(const ol_wasm_global *g);
/* OL_E_STATE for an immutable global. */
ol_err ol_wasm_global_set(ol_wasm_global *g, uint64_t value);

/* Bit helpers for float slots (no aliasing tricks). */
uint64_t ol_wasm_f32_bits(float v);
uint64_t ol_wasm_f64_bits(double v);
float ol_wasm_bits_f32(uint64_t bits);
double ol_wasm_bits_f64(uint64_t bits);

#endif

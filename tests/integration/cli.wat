;; Functions for tests/integration/cli_test.sh: traps, value round trips, exact fuel counts.
(module
  (memory (export "mem") 1 3)
  (global (export "g") (mut i64) (i64.const 7))
  ;; function 0: traps at its only instruction; the test reads its offset from wasm-objdump
  (func (export "boom") unreachable)
  (func (export "div") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.div_s)
  (func (export "spin") (loop $l br $l))
  (func (export "ints") (param i32 i64) (result i64 i32)
    local.get 1
    local.get 0)
  (func (export "floats") (param f32 f64) (result f64 f32)
    local.get 1
    local.get 0)
  ;; 3 fuel: i32.const, i32.const, i32.add (end is free)
  (func (export "three") (result i32)
    i32.const 1
    i32.const 2
    i32.add)
  ;; 7 fuel per iteration, 1 after the loop: count(10) costs exactly 71
  (func (export "count") (param i32) (result i32) (local i32)
    (loop $l
      local.get 1
      i32.const 1
      i32.add
      local.tee 1
      local.get 0
      i32.ne
      br_if $l)
    local.get 1)
  (func (export "load") (param i32) (result i32)
    local.get 0
    i32.load)
  (func (export "nothing")))

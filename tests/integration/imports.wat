;; Imports something `outlayer wasm invoke` cannot provide: invoking must be refused by name.
(module
  (import "env" "host_add" (func $add (param i32 i32) (result i32)))
  (func (export "run") (result i32)
    i32.const 1
    i32.const 2
    call $add))

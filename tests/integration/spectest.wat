;; Imports from the spectest module, which `outlayer wasm invoke` provides.
(module
  (import "spectest" "print_i32" (func $print (param i32)))
  (import "spectest" "global_i32" (global $g i32))
  (import "spectest" "memory" (memory 1))
  (func (export "run") (result i32)
    i32.const 42
    call $print
    global.get $g))

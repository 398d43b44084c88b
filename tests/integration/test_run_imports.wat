;; For `outlayer run` tests: imports a function the host does not provide.
(module
  (import "env" "host_add" (func (param i32 i32) (result i32)))
  (func (export "_start")))

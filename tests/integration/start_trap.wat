;; The start function traps: instantiation itself fails with a trap.
(module
  (func $start unreachable)
  (start $start)
  (func (export "f")))

;; Scoring kernels, 128-bit SIMD. gather_sum: sum of table rows. For every row r < rows of a batch:
;;   out[r] = act(init[r] + row(offs[r * nf] + shift) + ... + row(offs[r * nf + nf - 1] + shift))
;; `offs` holds byte addresses of table rows in this memory, `shift` selects a column range of
;; those rows, init[r] is at init + r * istride (istride 0: one bias row for all), out rows are
;; packed (vecs x 4 floats), act is max(0, x) when relu is nonzero. Addresses need no alignment
;; (wasm loads ignore it; tfjs' heap gives 8-byte aligned tensors). Four accumulators hold 16
;; floats of the output in registers while every field's row is added, so each output float is
;; written once.
;; Assembled by scripts/build-wasm.mjs into scoring-wasm.ts.
(module
  (import "env" "memory" (memory 1))
  (func (export "gather_sum")
    (param $offs i32) (param $nf i32) (param $shift i32) (param $init i32) (param $istride i32)
    (param $out i32) (param $rows i32) (param $vecs i32) (param $relu i32)
    (local $r i32) (local $p i32) (local $pend i32) (local $ini i32) (local $dst i32)
    (local $boff i32) (local $bend4 i32) (local $bend i32) (local $src i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $zero v128)
    (if (i32.or (i32.eqz (local.get $rows)) (i32.eqz (local.get $vecs))) (then (return)))
    (local.set $bend (i32.shl (local.get $vecs) (i32.const 4)))
    (local.set $bend4 (i32.shl (i32.and (local.get $vecs) (i32.const -4)) (i32.const 4)))
    (loop $row
      (local.set $pend (i32.add (local.get $offs) (i32.shl (i32.mul (i32.add (local.get $r) (i32.const 1)) (local.get $nf)) (i32.const 2))))
      (local.set $ini (i32.add (local.get $init) (i32.mul (local.get $r) (local.get $istride))))
      (local.set $dst (i32.add (local.get $out) (i32.mul (local.get $r) (local.get $bend))))
      (local.set $boff (i32.const 0))
      ;; 16 floats at a time
      (block $wide_done
        (br_if $wide_done (i32.ge_u (local.get $boff) (local.get $bend4)))
        (loop $wide
          (local.set $src (i32.add (local.get $ini) (local.get $boff)))
          (local.set $a0 (v128.load offset=0 (local.get $src)))
          (local.set $a1 (v128.load offset=16 (local.get $src)))
          (local.set $a2 (v128.load offset=32 (local.get $src)))
          (local.set $a3 (v128.load offset=48 (local.get $src)))
          (local.set $p (i32.sub (local.get $pend) (i32.shl (local.get $nf) (i32.const 2))))
          (block $fields_done
            (br_if $fields_done (i32.ge_u (local.get $p) (local.get $pend)))
            (loop $field
              (local.set $src (i32.add (i32.add (i32.load (local.get $p)) (local.get $shift)) (local.get $boff)))
              (local.set $a0 (f32x4.add (local.get $a0) (v128.load offset=0 (local.get $src))))
              (local.set $a1 (f32x4.add (local.get $a1) (v128.load offset=16 (local.get $src))))
              (local.set $a2 (f32x4.add (local.get $a2) (v128.load offset=32 (local.get $src))))
              (local.set $a3 (f32x4.add (local.get $a3) (v128.load offset=48 (local.get $src))))
              (local.set $p (i32.add (local.get $p) (i32.const 4)))
              (br_if $field (i32.lt_u (local.get $p) (local.get $pend)))))
          (if (local.get $relu)
            (then
              (local.set $a0 (f32x4.max (local.get $a0) (local.get $zero)))
              (local.set $a1 (f32x4.max (local.get $a1) (local.get $zero)))
              (local.set $a2 (f32x4.max (local.get $a2) (local.get $zero)))
              (local.set $a3 (f32x4.max (local.get $a3) (local.get $zero)))))
          (local.set $src (i32.add (local.get $dst) (local.get $boff)))
          (v128.store offset=0 (local.get $src) (local.get $a0))
          (v128.store offset=16 (local.get $src) (local.get $a1))
          (v128.store offset=32 (local.get $src) (local.get $a2))
          (v128.store offset=48 (local.get $src) (local.get $a3))
          (local.set $boff (i32.add (local.get $boff) (i32.const 64)))
          (br_if $wide (i32.lt_u (local.get $boff) (local.get $bend4)))))
      ;; the last 4, 8 or 12 floats
      (block $narrow_done
        (br_if $narrow_done (i32.ge_u (local.get $boff) (local.get $bend)))
        (loop $narrow
          (local.set $a0 (v128.load (i32.add (local.get $ini) (local.get $boff))))
          (local.set $p (i32.sub (local.get $pend) (i32.shl (local.get $nf) (i32.const 2))))
          (block $fields_done
            (br_if $fields_done (i32.ge_u (local.get $p) (local.get $pend)))
            (loop $field
              (local.set $a0 (f32x4.add (local.get $a0)
                (v128.load (i32.add (i32.add (i32.load (local.get $p)) (local.get $shift)) (local.get $boff)))))
              (local.set $p (i32.add (local.get $p) (i32.const 4)))
              (br_if $field (i32.lt_u (local.get $p) (local.get $pend)))))
          (if (local.get $relu) (then (local.set $a0 (f32x4.max (local.get $a0) (local.get $zero)))))
          (v128.store (i32.add (local.get $dst) (local.get $boff)) (local.get $a0))
          (local.set $boff (i32.add (local.get $boff) (i32.const 16)))
          (br_if $narrow (i32.lt_u (local.get $boff) (local.get $bend)))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br_if $row (i32.lt_u (local.get $r) (local.get $rows)))))
;; Gate-weighted sum of experts (MMoE's mixture): for every row r < rows,
;;   out[r] = g[r, 0] * bank[r, 0] + ... + g[r, experts - 1] * bank[r, experts - 1]
;; with g [rows, experts] and bank [rows, experts, vecs x 4] row-major, out [rows, vecs x 4].
  (func (export "mixture")
    (param $g i32) (param $bank i32) (param $out i32) (param $rows i32) (param $experts i32) (param $vecs i32)
    (local $r i32) (local $e i32) (local $gp i32) (local $bp i32) (local $dst i32) (local $src i32)
    (local $boff i32) (local $bend4 i32) (local $bend i32)
    (local $w v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (if (i32.or (i32.or (i32.eqz (local.get $rows)) (i32.eqz (local.get $vecs))) (i32.eqz (local.get $experts))) (then (return)))
    (local.set $bend (i32.shl (local.get $vecs) (i32.const 4)))
    (local.set $bend4 (i32.shl (i32.and (local.get $vecs) (i32.const -4)) (i32.const 4)))
    (loop $row
      (local.set $gp (i32.add (local.get $g) (i32.shl (i32.mul (local.get $r) (local.get $experts)) (i32.const 2))))
      (local.set $bp (i32.add (local.get $bank) (i32.mul (i32.mul (local.get $r) (local.get $experts)) (local.get $bend))))
      (local.set $dst (i32.add (local.get $out) (i32.mul (local.get $r) (local.get $bend))))
      (local.set $boff (i32.const 0))
      (block $wide_done
        (br_if $wide_done (i32.ge_u (local.get $boff) (local.get $bend4)))
        (loop $wide
          (local.set $a0 (v128.const i32x4 0 0 0 0))
          (local.set $a1 (v128.const i32x4 0 0 0 0))
          (local.set $a2 (v128.const i32x4 0 0 0 0))
          (local.set $a3 (v128.const i32x4 0 0 0 0))
          (local.set $e (i32.const 0))
          (loop $expert
            (local.set $w (f32x4.splat (f32.load (i32.add (local.get $gp) (i32.shl (local.get $e) (i32.const 2))))))
            (local.set $src (i32.add (i32.add (local.get $bp) (i32.mul (local.get $e) (local.get $bend))) (local.get $boff)))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $w) (v128.load offset=0 (local.get $src)))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $w) (v128.load offset=16 (local.get $src)))))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $w) (v128.load offset=32 (local.get $src)))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $w) (v128.load offset=48 (local.get $src)))))
            (local.set $e (i32.add (local.get $e) (i32.const 1)))
            (br_if $expert (i32.lt_u (local.get $e) (local.get $experts))))
          (local.set $src (i32.add (local.get $dst) (local.get $boff)))
          (v128.store offset=0 (local.get $src) (local.get $a0))
          (v128.store offset=16 (local.get $src) (local.get $a1))
          (v128.store offset=32 (local.get $src) (local.get $a2))
          (v128.store offset=48 (local.get $src) (local.get $a3))
          (local.set $boff (i32.add (local.get $boff) (i32.const 64)))
          (br_if $wide (i32.lt_u (local.get $boff) (local.get $bend4)))))
      (block $narrow_done
        (br_if $narrow_done (i32.ge_u (local.get $boff) (local.get $bend)))
        (loop $narrow
          (local.set $a0 (v128.const i32x4 0 0 0 0))
          (local.set $e (i32.const 0))
          (loop $expert
            (local.set $a0 (f32x4.add (local.get $a0)
              (f32x4.mul
                (f32x4.splat (f32.load (i32.add (local.get $gp) (i32.shl (local.get $e) (i32.const 2)))))
                (v128.load (i32.add (i32.add (local.get $bp) (i32.mul (local.get $e) (local.get $bend))) (local.get $boff))))))
            (local.set $e (i32.add (local.get $e) (i32.const 1)))
            (br_if $expert (i32.lt_u (local.get $e) (local.get $experts))))
          (v128.store (i32.add (local.get $dst) (local.get $boff)) (local.get $a0))
          (local.set $boff (i32.add (local.get $boff) (i32.const 16)))
          (br_if $narrow (i32.lt_u (local.get $boff) (local.get $bend)))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br_if $row (i32.lt_u (local.get $r) (local.get $rows))))))

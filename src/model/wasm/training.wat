;; Training kernels, 128-bit SIMD: the forward and backward pass of the dense network and the
;; dense optimizer, for the fast training path (src/model/fast/). A model is compiled once into a
;; "program" (fast/program.ts): instructions of 16 i32 words in this memory, word 0 the opcode,
;; the others byte addresses, byte strides and sizes. `run` executes instructions [pc, end) for a
;; shard of `rows` batch rows, so a whole forward (or backward, or optimizer) pass is one call.
;; The memory is shared: every training thread runs its own program on its own activations and
;; gradients, and all read the one copy of the weights.
;;
;; Layout rules the compiler keeps: a matrix [rows, cols] has a row stride that is a multiple of 4
;; floats, and its pad columns hold zeros in every weight, every weight gradient and every
;; gradient that feeds a product; kernels that work on whole vectors therefore never mix pad
;; values into real ones. Activations' pads may hold act(0); nothing reads them.
;;
;; Opcodes: 0 gemm, 1 transpose, 2 act_fwd, 3 act_bwd, 4 colsum, 5 softmax_fwd, 6 softmax_bwd,
;; 7 mix_fwd, 8 mix_bwd, 9 scale, 10 copy, 11 reduce, 12 adam, 13 adagrad. Flags: 1 accumulate
;; into the output instead of overwriting it, 2 ReLU (gemm). Activation codes: 0 linear, 1 relu,
;; 2 elu, 3 selu, 4 tanh, 5 sigmoid, 6 swish.
;; Assembled by scripts/build-wasm.mjs into training-wasm.ts.
(module
  (import "env" "memory" (memory 1 65536 shared))

  (func (export "run") (param $pc i32) (param $end i32) (param $rows i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $pc) (local.get $end)))
        (block $dispatched
          (block $bad
          (block $adagrad (block $adam (block $reduce (block $copy (block $scale
          (block $mixb (block $mixf (block $smb (block $smf (block $colsum (block $actb (block $actf
          (block $transpose (block $gemm
            (br_table $gemm $transpose $actf $actb $colsum $smf $smb $mixf $mixb $scale $copy $reduce $adam $adagrad $bad
              (i32.load (local.get $pc))))
          (call $gemm (local.get $pc) (local.get $rows)) (br $dispatched))
          (call $transpose (local.get $pc)) (br $dispatched))
          (call $act_fwd (local.get $pc) (local.get $rows)) (br $dispatched))
          (call $act_bwd (local.get $pc) (local.get $rows)) (br $dispatched))
          (call $colsum (local.get $pc) (local.get $rows)) (br $dispatched))
          (call $softmax_fwd (local.get $pc) (local.get $rows)) (br $dispatched))
          (call $softmax_bwd (local.get $pc) (local.get $rows)) (br $dispatched))
          (call $mix_fwd (local.get $pc) (local.get $rows)) (br $dispatched))
          (call $mix_bwd (local.get $pc) (local.get $rows)) (br $dispatched))
          (call $scale (local.get $pc) (local.get $rows)) (br $dispatched))
          (call $copy (local.get $pc) (local.get $rows)) (br $dispatched))
          (call $reduce (local.get $pc)) (br $dispatched))
          (call $adam (local.get $pc)) (br $dispatched))
          (call $adagrad (local.get $pc)) (br $dispatched))
          unreachable)
        (local.set $pc (i32.add (local.get $pc) (i32.const 64)))
        (br $next))))

  ;; ---------------------------------------------------------------------------------------------
  ;; gemm: C[m, n4 x 4] = init + A[m, k] B[k, n4 x 4], init = C (flag 1), else the bias row (arg 12
  ;; nonzero), else 0; ReLU on the result (flag 2). A(i, p) is at a + i*si + p*sp (bytes), so one
  ;; kernel serves X W (forward), dZ W^T (input gradient; W^T from transpose) and X^T dZ (weight
  ;; gradient). B and C rows are ldb and ldc bytes apart. m or k of -1 means `rows`.
  ;; args: 1 a, 2 si, 3 sp, 4 b, 5 ldb, 6 c, 7 ldc, 8 m, 9 n4, 10 k, 11 flags, 12 bias.
  ;; The reduction runs in blocks of 128 products so that a block of B stays in cache while every
  ;; row of A passes over it.
  (func $gemm (param $pc i32) (param $rows i32)
    (local $a i32) (local $si i32) (local $sp i32) (local $b i32) (local $ldb i32) (local $c i32) (local $ldc i32)
    (local $m i32) (local $n4 i32) (local $k i32) (local $flags i32) (local $bias i32)
    (local $p0 i32) (local $kk i32) (local $fl i32)
    (local.set $a (i32.load offset=4 (local.get $pc)))
    (local.set $si (i32.load offset=8 (local.get $pc)))
    (local.set $sp (i32.load offset=12 (local.get $pc)))
    (local.set $b (i32.load offset=16 (local.get $pc)))
    (local.set $ldb (i32.load offset=20 (local.get $pc)))
    (local.set $c (i32.load offset=24 (local.get $pc)))
    (local.set $ldc (i32.load offset=28 (local.get $pc)))
    (local.set $m (i32.load offset=32 (local.get $pc)))
    (local.set $n4 (i32.load offset=36 (local.get $pc)))
    (local.set $k (i32.load offset=40 (local.get $pc)))
    (local.set $flags (i32.load offset=44 (local.get $pc)))
    (local.set $bias (i32.load offset=48 (local.get $pc)))
    (if (i32.lt_s (local.get $m) (i32.const 0)) (then (local.set $m (local.get $rows))))
    (if (i32.lt_s (local.get $k) (i32.const 0)) (then (local.set $k (local.get $rows))))
    (loop $blocks
      (local.set $kk (i32.sub (local.get $k) (local.get $p0)))
      (if (i32.gt_s (local.get $kk) (i32.const 128)) (then (local.set $kk (i32.const 128))))
      (local.set $fl (local.get $flags))
      ;; later blocks add to what the first wrote; ReLU only once the sum is complete
      (if (local.get $p0) (then (local.set $fl (i32.or (local.get $fl) (i32.const 1)))))
      (if (i32.lt_s (i32.add (local.get $p0) (local.get $kk)) (local.get $k))
        (then (local.set $fl (i32.and (local.get $fl) (i32.const -3)))))
      (call $gemm_block
        (i32.add (local.get $a) (i32.mul (local.get $p0) (local.get $sp))) (local.get $si) (local.get $sp)
        (i32.add (local.get $b) (i32.mul (local.get $p0) (local.get $ldb))) (local.get $ldb)
        (local.get $c) (local.get $ldc) (local.get $m) (local.get $n4) (local.get $kk) (local.get $fl)
        (select (i32.const 0) (local.get $bias) (local.get $p0)))
      (local.set $p0 (i32.add (local.get $p0) (local.get $kk)))
      (br_if $blocks (i32.lt_s (local.get $p0) (local.get $k)))))

  ;; One reduction block of gemm: tiles of 4 rows x 8 columns held in registers, then the edges.
  (func $gemm_block (param $a i32) (param $si i32) (param $sp i32) (param $b i32) (param $ldb i32)
    (param $c i32) (param $ldc i32) (param $m i32) (param $n4 i32) (param $k i32) (param $flags i32) (param $bias i32)
    (local $i i32) (local $j i32) (local $pa i32) (local $pc i32) (local $jb i32) (local $pbias i32)
    (local.set $pa (local.get $a))
    (local.set $pc (local.get $c))
    (block $rows4_done
      (loop $rows4
        (br_if $rows4_done (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $m)))
        (local.set $j (i32.const 0))
        (block $cols_done
          (loop $cols
            (br_if $cols_done (i32.ge_s (local.get $j) (local.get $n4)))
            (local.set $jb (i32.shl (local.get $j) (i32.const 4)))
            (local.set $pbias (select (i32.add (local.get $bias) (local.get $jb)) (i32.const 0) (local.get $bias)))
            (if (i32.le_s (i32.add (local.get $j) (i32.const 2)) (local.get $n4))
              (then
                (call $tile4x8 (local.get $pa) (local.get $si) (local.get $sp) (i32.add (local.get $b) (local.get $jb)) (local.get $ldb)
                  (i32.add (local.get $pc) (local.get $jb)) (local.get $ldc) (local.get $k) (local.get $flags) (local.get $pbias))
                (local.set $j (i32.add (local.get $j) (i32.const 2))))
              (else
                (call $tile4x4 (local.get $pa) (local.get $si) (local.get $sp) (i32.add (local.get $b) (local.get $jb)) (local.get $ldb)
                  (i32.add (local.get $pc) (local.get $jb)) (local.get $ldc) (local.get $k) (local.get $flags) (local.get $pbias))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))))
            (br $cols)))
        (local.set $pa (i32.add (local.get $pa) (i32.shl (local.get $si) (i32.const 2))))
        (local.set $pc (i32.add (local.get $pc) (i32.shl (local.get $ldc) (i32.const 2))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $rows4)))
    (block $rows1_done
      (loop $rows1
        (br_if $rows1_done (i32.ge_s (local.get $i) (local.get $m)))
        (local.set $j (i32.const 0))
        (block $cols_done
          (loop $cols
            (br_if $cols_done (i32.ge_s (local.get $j) (local.get $n4)))
            (local.set $jb (i32.shl (local.get $j) (i32.const 4)))
            (local.set $pbias (select (i32.add (local.get $bias) (local.get $jb)) (i32.const 0) (local.get $bias)))
            (if (i32.le_s (i32.add (local.get $j) (i32.const 2)) (local.get $n4))
              (then
                (call $tile1x8 (local.get $pa) (local.get $si) (local.get $sp) (i32.add (local.get $b) (local.get $jb)) (local.get $ldb)
                  (i32.add (local.get $pc) (local.get $jb)) (local.get $ldc) (local.get $k) (local.get $flags) (local.get $pbias))
                (local.set $j (i32.add (local.get $j) (i32.const 2))))
              (else
                (call $tile1x4 (local.get $pa) (local.get $si) (local.get $sp) (i32.add (local.get $b) (local.get $jb)) (local.get $ldb)
                  (i32.add (local.get $pc) (local.get $jb)) (local.get $ldc) (local.get $k) (local.get $flags) (local.get $pbias))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))))
            (br $cols)))
        (local.set $pa (i32.add (local.get $pa) (local.get $si)))
        (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows1))))

  ;; Tiles: R rows x 4V columns of C in registers; A's values splatted, B's rows loaded whole.
  (func $tile4x8 (param $pa i32) (param $si i32) (param $sp i32) (param $pb i32) (param $ldb i32)
    (param $pc i32) (param $ldc i32) (param $k i32) (param $flags i32) (param $bias i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $c i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128) (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $s v128)
    (if (i32.and (local.get $flags) (i32.const 1))
      (then
        (local.set $c (local.get $pc))
        (local.set $c00 (v128.load offset=0 (local.get $c))) (local.set $c01 (v128.load offset=16 (local.get $c)))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (local.set $c10 (v128.load offset=0 (local.get $c))) (local.set $c11 (v128.load offset=16 (local.get $c)))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (local.set $c20 (v128.load offset=0 (local.get $c))) (local.set $c21 (v128.load offset=16 (local.get $c)))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (local.set $c30 (v128.load offset=0 (local.get $c))) (local.set $c31 (v128.load offset=16 (local.get $c)))
      )
      (else (if (local.get $bias) (then
        (local.set $c00 (v128.load offset=0 (local.get $bias))) (local.set $c01 (v128.load offset=16 (local.get $bias)))
        (local.set $c10 (local.get $c00)) (local.set $c11 (local.get $c01))
        (local.set $c20 (local.get $c00)) (local.set $c21 (local.get $c01))
        (local.set $c30 (local.get $c00)) (local.set $c31 (local.get $c01))
      ))))
    (local.set $a0 (local.get $pa))
    (local.set $a1 (i32.add (local.get $a0) (local.get $si)))
    (local.set $a2 (i32.add (local.get $a1) (local.get $si)))
    (local.set $a3 (i32.add (local.get $a2) (local.get $si)))
    (if (local.get $k) (then
      (loop $p
        (local.set $b0 (v128.load offset=0 (local.get $pb)))
        (local.set $b1 (v128.load offset=16 (local.get $pb)))
        (local.set $s (v128.load32_splat (local.get $a0)))
        (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $s) (local.get $b0))))
        (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $s) (local.get $b1))))
        (local.set $s (v128.load32_splat (local.get $a1)))
        (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $s) (local.get $b0))))
        (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $s) (local.get $b1))))
        (local.set $s (v128.load32_splat (local.get $a2)))
        (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $s) (local.get $b0))))
        (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $s) (local.get $b1))))
        (local.set $s (v128.load32_splat (local.get $a3)))
        (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $s) (local.get $b0))))
        (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $s) (local.get $b1))))
        (local.set $a0 (i32.add (local.get $a0) (local.get $sp)))
        (local.set $a1 (i32.add (local.get $a1) (local.get $sp)))
        (local.set $a2 (i32.add (local.get $a2) (local.get $sp)))
        (local.set $a3 (i32.add (local.get $a3) (local.get $sp)))
        (local.set $pb (i32.add (local.get $pb) (local.get $ldb)))
        (br_if $p (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))))
    (if (i32.and (local.get $flags) (i32.const 2)) (then
      (local.set $c00 (f32x4.max (local.get $c00) (v128.const i32x4 0 0 0 0))) (local.set $c01 (f32x4.max (local.get $c01) (v128.const i32x4 0 0 0 0)))
      (local.set $c10 (f32x4.max (local.get $c10) (v128.const i32x4 0 0 0 0))) (local.set $c11 (f32x4.max (local.get $c11) (v128.const i32x4 0 0 0 0)))
      (local.set $c20 (f32x4.max (local.get $c20) (v128.const i32x4 0 0 0 0))) (local.set $c21 (f32x4.max (local.get $c21) (v128.const i32x4 0 0 0 0)))
      (local.set $c30 (f32x4.max (local.get $c30) (v128.const i32x4 0 0 0 0))) (local.set $c31 (f32x4.max (local.get $c31) (v128.const i32x4 0 0 0 0)))
    ))
    (local.set $c (local.get $pc))
    (v128.store offset=0 (local.get $c) (local.get $c00)) (v128.store offset=16 (local.get $c) (local.get $c01))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store offset=0 (local.get $c) (local.get $c10)) (v128.store offset=16 (local.get $c) (local.get $c11))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store offset=0 (local.get $c) (local.get $c20)) (v128.store offset=16 (local.get $c) (local.get $c21))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store offset=0 (local.get $c) (local.get $c30)) (v128.store offset=16 (local.get $c) (local.get $c31)))
  (func $tile4x4 (param $pa i32) (param $si i32) (param $sp i32) (param $pb i32) (param $ldb i32)
    (param $pc i32) (param $ldc i32) (param $k i32) (param $flags i32) (param $bias i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $c i32)
    (local $c00 v128) (local $c10 v128) (local $c20 v128) (local $c30 v128)
    (local $b0 v128) (local $s v128)
    (if (i32.and (local.get $flags) (i32.const 1))
      (then
        (local.set $c (local.get $pc))
        (local.set $c00 (v128.load offset=0 (local.get $c)))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (local.set $c10 (v128.load offset=0 (local.get $c)))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (local.set $c20 (v128.load offset=0 (local.get $c)))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (local.set $c30 (v128.load offset=0 (local.get $c)))
      )
      (else (if (local.get $bias) (then
        (local.set $c00 (v128.load offset=0 (local.get $bias)))
        (local.set $c10 (local.get $c00))
        (local.set $c20 (local.get $c00))
        (local.set $c30 (local.get $c00))
      ))))
    (local.set $a0 (local.get $pa))
    (local.set $a1 (i32.add (local.get $a0) (local.get $si)))
    (local.set $a2 (i32.add (local.get $a1) (local.get $si)))
    (local.set $a3 (i32.add (local.get $a2) (local.get $si)))
    (if (local.get $k) (then
      (loop $p
        (local.set $b0 (v128.load offset=0 (local.get $pb)))
        (local.set $s (v128.load32_splat (local.get $a0)))
        (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $s) (local.get $b0))))
        (local.set $s (v128.load32_splat (local.get $a1)))
        (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $s) (local.get $b0))))
        (local.set $s (v128.load32_splat (local.get $a2)))
        (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $s) (local.get $b0))))
        (local.set $s (v128.load32_splat (local.get $a3)))
        (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $s) (local.get $b0))))
        (local.set $a0 (i32.add (local.get $a0) (local.get $sp)))
        (local.set $a1 (i32.add (local.get $a1) (local.get $sp)))
        (local.set $a2 (i32.add (local.get $a2) (local.get $sp)))
        (local.set $a3 (i32.add (local.get $a3) (local.get $sp)))
        (local.set $pb (i32.add (local.get $pb) (local.get $ldb)))
        (br_if $p (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))))
    (if (i32.and (local.get $flags) (i32.const 2)) (then
      (local.set $c00 (f32x4.max (local.get $c00) (v128.const i32x4 0 0 0 0)))
      (local.set $c10 (f32x4.max (local.get $c10) (v128.const i32x4 0 0 0 0)))
      (local.set $c20 (f32x4.max (local.get $c20) (v128.const i32x4 0 0 0 0)))
      (local.set $c30 (f32x4.max (local.get $c30) (v128.const i32x4 0 0 0 0)))
    ))
    (local.set $c (local.get $pc))
    (v128.store offset=0 (local.get $c) (local.get $c00))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store offset=0 (local.get $c) (local.get $c10))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store offset=0 (local.get $c) (local.get $c20))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store offset=0 (local.get $c) (local.get $c30)))
  (func $tile1x8 (param $pa i32) (param $si i32) (param $sp i32) (param $pb i32) (param $ldb i32)
    (param $pc i32) (param $ldc i32) (param $k i32) (param $flags i32) (param $bias i32)
    (local $a0 i32) (local $c i32)
    (local $c00 v128) (local $c01 v128)
    (local $b0 v128) (local $b1 v128) (local $s v128)
    (if (i32.and (local.get $flags) (i32.const 1))
      (then
        (local.set $c (local.get $pc))
        (local.set $c00 (v128.load offset=0 (local.get $c))) (local.set $c01 (v128.load offset=16 (local.get $c)))
      )
      (else (if (local.get $bias) (then
        (local.set $c00 (v128.load offset=0 (local.get $bias))) (local.set $c01 (v128.load offset=16 (local.get $bias)))
      ))))
    (local.set $a0 (local.get $pa))
    (if (local.get $k) (then
      (loop $p
        (local.set $b0 (v128.load offset=0 (local.get $pb)))
        (local.set $b1 (v128.load offset=16 (local.get $pb)))
        (local.set $s (v128.load32_splat (local.get $a0)))
        (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $s) (local.get $b0))))
        (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $s) (local.get $b1))))
        (local.set $a0 (i32.add (local.get $a0) (local.get $sp)))
        (local.set $pb (i32.add (local.get $pb) (local.get $ldb)))
        (br_if $p (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))))
    (if (i32.and (local.get $flags) (i32.const 2)) (then
      (local.set $c00 (f32x4.max (local.get $c00) (v128.const i32x4 0 0 0 0))) (local.set $c01 (f32x4.max (local.get $c01) (v128.const i32x4 0 0 0 0)))
    ))
    (local.set $c (local.get $pc))
    (v128.store offset=0 (local.get $c) (local.get $c00)) (v128.store offset=16 (local.get $c) (local.get $c01)))
  (func $tile1x4 (param $pa i32) (param $si i32) (param $sp i32) (param $pb i32) (param $ldb i32)
    (param $pc i32) (param $ldc i32) (param $k i32) (param $flags i32) (param $bias i32)
    (local $a0 i32) (local $c i32)
    (local $c00 v128)
    (local $b0 v128) (local $s v128)
    (if (i32.and (local.get $flags) (i32.const 1))
      (then
        (local.set $c (local.get $pc))
        (local.set $c00 (v128.load offset=0 (local.get $c)))
      )
      (else (if (local.get $bias) (then
        (local.set $c00 (v128.load offset=0 (local.get $bias)))
      ))))
    (local.set $a0 (local.get $pa))
    (if (local.get $k) (then
      (loop $p
        (local.set $b0 (v128.load offset=0 (local.get $pb)))
        (local.set $s (v128.load32_splat (local.get $a0)))
        (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $s) (local.get $b0))))
        (local.set $a0 (i32.add (local.get $a0) (local.get $sp)))
        (local.set $pb (i32.add (local.get $pb) (local.get $ldb)))
        (br_if $p (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))))
    (if (i32.and (local.get $flags) (i32.const 2)) (then
      (local.set $c00 (f32x4.max (local.get $c00) (v128.const i32x4 0 0 0 0)))
    ))
    (local.set $c (local.get $pc))
    (v128.store offset=0 (local.get $c) (local.get $c00)))

  ;; ---------------------------------------------------------------------------------------------
  ;; transpose: dst[j, i] = src[i, j] for i < k, j < n. args: 1 src, 2 ld_src, 3 k, 4 n, 5 dst, 6 ld_dst.
  (func $transpose (param $pc i32)
    (local $src i32) (local $lds i32) (local $k i32) (local $n i32) (local $dst i32) (local $ldd i32)
    (local $i i32) (local $j i32) (local $s i32) (local $d i32)
    (local.set $src (i32.load offset=4 (local.get $pc)))
    (local.set $lds (i32.load offset=8 (local.get $pc)))
    (local.set $k (i32.load offset=12 (local.get $pc)))
    (local.set $n (i32.load offset=16 (local.get $pc)))
    (local.set $dst (i32.load offset=20 (local.get $pc)))
    (local.set $ldd (i32.load offset=24 (local.get $pc)))
    (if (i32.or (i32.eqz (local.get $k)) (i32.eqz (local.get $n))) (then (return)))
    (loop $rows
      (local.set $s (i32.add (local.get $src) (i32.mul (local.get $i) (local.get $lds))))
      (local.set $d (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2))))
      (local.set $j (i32.const 0))
      (loop $cols
        (f32.store (local.get $d) (f32.load (local.get $s)))
        (local.set $s (i32.add (local.get $s) (i32.const 4)))
        (local.set $d (i32.add (local.get $d) (local.get $ldd)))
        (br_if $cols (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $n))))
      (br_if $rows (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $k)))))

  ;; ---------------------------------------------------------------------------------------------
  ;; Elementwise functions. exp and expm1: Cephes' expf (range reduction by ln 2 in two parts,
  ;; degree-6 polynomial), about 1 ulp; inputs are clamped to the finite range of the result.
  (func $exp_q (param $x v128) (result v128 v128)
    ;; returns (2^n, q) with exp(x) = 2^n (1 + q)
    (local $n v128) (local $r v128) (local $p v128)
    (local.set $x (f32x4.max (f32x4.min (local.get $x) (v128.const f32x4 88.37626 88.37626 88.37626 88.37626))
                             (v128.const f32x4 -87.33654 -87.33654 -87.33654 -87.33654)))
    (local.set $n (f32x4.nearest (f32x4.mul (local.get $x) (v128.const f32x4 1.442695 1.442695 1.442695 1.442695))))
    (local.set $r (f32x4.sub
      (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375)))
      (f32x4.mul (local.get $n) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
    (local.set $p (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
    (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (v128.const i32x4 127 127 127 127)) (i32.const 23))
    (f32x4.add (f32x4.mul (f32x4.mul (local.get $p) (local.get $r)) (local.get $r)) (local.get $r)))

  (func $exp4 (param $x v128) (result v128)
    (local $s v128) (local $q v128)
    (call $exp_q (local.get $x))
    (local.set $q)
    (local.set $s)
    (f32x4.mul (local.get $s) (f32x4.add (local.get $q) (v128.const f32x4 1 1 1 1))))

  ;; exp(x) - 1 without the cancellation near 0: 2^n q + (2^n - 1).
  (func $expm1_4 (param $x v128) (result v128)
    (local $s v128) (local $q v128)
    (call $exp_q (local.get $x))
    (local.set $q)
    (local.set $s)
    (f32x4.add (f32x4.mul (local.get $s) (local.get $q)) (f32x4.sub (local.get $s) (v128.const f32x4 1 1 1 1))))

  (func $sigmoid4 (param $x v128) (result v128)
    (f32x4.div (v128.const f32x4 1 1 1 1)
      (f32x4.add (v128.const f32x4 1 1 1 1) (call $exp4 (f32x4.neg (local.get $x))))))

  ;; tanh(x) = -t / (2 + t) with t = expm1(-2|x|), sign of x.
  (func $tanh4 (param $x v128) (result v128)
    (local $t v128)
    (local.set $t (call $expm1_4 (f32x4.mul (f32x4.abs (local.get $x)) (v128.const f32x4 -2 -2 -2 -2))))
    (v128.or
      (v128.and (f32x4.div (f32x4.neg (local.get $t)) (f32x4.add (local.get $t) (v128.const f32x4 2 2 2 2)))
                (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff))
      (v128.and (local.get $x) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))

  ;; act(x) by activation code (tfjs-layers' definitions; selu's constants are Keras').
  (func $act4 (param $x v128) (param $act i32) (result v128)
    (block $swish (block $sigmoid (block $tanh (block $selu (block $elu (block $relu (block $linear
      (br_table $linear $relu $elu $selu $tanh $sigmoid $swish $linear (local.get $act)))
      (return (local.get $x)))
      (return (f32x4.max (local.get $x) (v128.const i32x4 0 0 0 0))))
      (return (v128.bitselect (local.get $x) (call $expm1_4 (local.get $x)) (f32x4.gt (local.get $x) (v128.const i32x4 0 0 0 0)))))
      (return (v128.bitselect
        (f32x4.mul (local.get $x) (v128.const f32x4 1.0507009873554805 1.0507009873554805 1.0507009873554805 1.0507009873554805))
        (f32x4.mul (call $expm1_4 (local.get $x)) (v128.const f32x4 1.7580993408473766 1.7580993408473766 1.7580993408473766 1.7580993408473766))
        (f32x4.gt (local.get $x) (v128.const i32x4 0 0 0 0)))))
      (return (call $tanh4 (local.get $x))))
      (return (call $sigmoid4 (local.get $x))))
    (f32x4.mul (local.get $x) (call $sigmoid4 (local.get $x))))

  ;; dy * act'(x), from the output y (and for swish the input z).
  (func $dact4 (param $dy v128) (param $y v128) (param $z v128) (param $act i32) (result v128)
    (local $s v128)
    (block $swish (block $sigmoid (block $tanh (block $selu (block $elu (block $relu (block $linear
      (br_table $linear $relu $elu $selu $tanh $sigmoid $swish $linear (local.get $act)))
      (return (local.get $dy)))
      (return (v128.and (local.get $dy) (f32x4.gt (local.get $y) (v128.const i32x4 0 0 0 0)))))
      (return (v128.bitselect (local.get $dy)
        (f32x4.mul (local.get $dy) (f32x4.add (local.get $y) (v128.const f32x4 1 1 1 1)))
        (f32x4.ge (local.get $y) (v128.const i32x4 0 0 0 0)))))
      (return (v128.bitselect
        (f32x4.mul (local.get $dy) (v128.const f32x4 1.0507009873554805 1.0507009873554805 1.0507009873554805 1.0507009873554805))
        (f32x4.mul (local.get $dy) (f32x4.add (local.get $y) (v128.const f32x4 1.7580993408473766 1.7580993408473766 1.7580993408473766 1.7580993408473766)))
        (f32x4.gt (local.get $y) (v128.const i32x4 0 0 0 0)))))
      (return (f32x4.mul (local.get $dy) (f32x4.sub (v128.const f32x4 1 1 1 1) (f32x4.mul (local.get $y) (local.get $y))))))
      (return (f32x4.mul (local.get $dy) (f32x4.mul (local.get $y) (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $y))))))
    (local.set $s (call $sigmoid4 (local.get $z)))
    (f32x4.mul (local.get $dy)
      (f32x4.add (local.get $s)
        (f32x4.mul (local.get $z) (f32x4.mul (local.get $s) (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $s)))))))

  ;; act_fwd: y = act(z) over rows x ld floats (in place when y = z). args: 1 z, 2 y, 3 ld, 4 act.
  (func $act_fwd (param $pc i32) (param $rows i32)
    (local $z i32) (local $y i32) (local $end i32) (local $act i32)
    (local.set $z (i32.load offset=4 (local.get $pc)))
    (local.set $y (i32.load offset=8 (local.get $pc)))
    (local.set $act (i32.load offset=16 (local.get $pc)))
    (local.set $end (i32.add (local.get $z) (i32.shl (i32.mul (local.get $rows) (i32.load offset=12 (local.get $pc))) (i32.const 2))))
    (if (i32.ge_u (local.get $z) (local.get $end)) (then (return)))
    (if (i32.eq (local.get $act) (i32.const 1))
      (then
        (loop $relu
          (v128.store (local.get $y) (f32x4.max (v128.load (local.get $z)) (v128.const i32x4 0 0 0 0)))
          (local.set $y (i32.add (local.get $y) (i32.const 16)))
          (br_if $relu (i32.lt_u (local.tee $z (i32.add (local.get $z) (i32.const 16))) (local.get $end))))
        (return)))
    (loop $any
      (v128.store (local.get $y) (call $act4 (v128.load (local.get $z)) (local.get $act)))
      (local.set $y (i32.add (local.get $y) (i32.const 16)))
      (br_if $any (i32.lt_u (local.tee $z (i32.add (local.get $z) (i32.const 16))) (local.get $end)))))

  ;; act_bwd: dy *= act'(.) in place over rows x ld floats. args: 1 dy, 2 y, 3 z (swish), 4 ld, 5 act.
  (func $act_bwd (param $pc i32) (param $rows i32)
    (local $dy i32) (local $y i32) (local $z i32) (local $end i32) (local $act i32)
    (local.set $dy (i32.load offset=4 (local.get $pc)))
    (local.set $y (i32.load offset=8 (local.get $pc)))
    (local.set $z (i32.load offset=12 (local.get $pc)))
    (local.set $act (i32.load offset=20 (local.get $pc)))
    (local.set $end (i32.add (local.get $dy) (i32.shl (i32.mul (local.get $rows) (i32.load offset=16 (local.get $pc))) (i32.const 2))))
    (if (i32.or (i32.eqz (local.get $act)) (i32.ge_u (local.get $dy) (local.get $end))) (then (return)))
    (if (i32.eq (local.get $act) (i32.const 1))
      (then
        (loop $relu
          (v128.store (local.get $dy) (v128.and (v128.load (local.get $dy)) (f32x4.gt (v128.load (local.get $y)) (v128.const i32x4 0 0 0 0))))
          (local.set $y (i32.add (local.get $y) (i32.const 16)))
          (br_if $relu (i32.lt_u (local.tee $dy (i32.add (local.get $dy) (i32.const 16))) (local.get $end))))
        (return)))
    (loop $any
      (v128.store (local.get $dy) (call $dact4 (v128.load (local.get $dy)) (v128.load (local.get $y)) (v128.load (local.get $z)) (local.get $act)))
      (local.set $y (i32.add (local.get $y) (i32.const 16)))
      (local.set $z (i32.add (local.get $z) (i32.const 16)))
      (br_if $any (i32.lt_u (local.tee $dy (i32.add (local.get $dy) (i32.const 16))) (local.get $end)))))

  ;; colsum: out[j] (+)= sum over rows of src[r, j], j < n4 x 4 (bias gradients), summed in float64:
  ;; a bias gradient is often a small sum of cancelling terms. args: 1 src, 2 ld, 3 n4, 4 out, 5 flags.
  (func $colsum (param $pc i32) (param $rows i32)
    (local $src i32) (local $ld i32) (local $n4 i32) (local $out i32) (local $flags i32)
    (local $j i32) (local $r i32) (local $p i32) (local $v v128) (local $lo v128) (local $hi v128)
    (local.set $src (i32.load offset=4 (local.get $pc)))
    (local.set $ld (i32.load offset=8 (local.get $pc)))
    (local.set $n4 (i32.load offset=12 (local.get $pc)))
    (local.set $out (i32.load offset=16 (local.get $pc)))
    (local.set $flags (i32.load offset=20 (local.get $pc)))
    (block $done
      (loop $cols
        (br_if $done (i32.ge_s (local.get $j) (local.get $n4)))
        (local.set $lo (v128.const i32x4 0 0 0 0))
        (local.set $hi (v128.const i32x4 0 0 0 0))
        (local.set $p (i32.add (local.get $src) (i32.shl (local.get $j) (i32.const 4))))
        (local.set $r (i32.const 0))
        (block $rows_done
          (loop $rows
            (br_if $rows_done (i32.ge_s (local.get $r) (local.get $rows)))
            (local.set $v (v128.load (local.get $p)))
            (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $v))))
            (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
            (local.set $p (i32.add (local.get $p) (local.get $ld)))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $rows)))
        (local.set $v (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero (local.get $lo)) (f32x4.demote_f64x2_zero (local.get $hi))))
        (if (i32.and (local.get $flags) (i32.const 1)) (then (local.set $v (f32x4.add (local.get $v) (v128.load (local.get $out))))))
        (v128.store (local.get $out) (local.get $v))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $cols))))

  ;; Lanes i of a vector with i < n (n may exceed 4): all ones, else zeros.
  (func $lanes (param $n i32) (result v128)
    (i32x4.lt_s (v128.const i32x4 0 1 2 3) (i32x4.splat (local.get $n))))

  (func $hsum (param $v v128) (result f32)
    (f32.add (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
             (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; softmax_fwd: y[r] = softmax(z[r, 0..e)) per row; y's pad lanes get 0. args: 1 z, 2 y, 3 ld, 4 e.
  (func $softmax_fwd (param $pc i32) (param $rows i32)
    (local $z i32) (local $y i32) (local $ld i32) (local $e i32)
    (local $r i32) (local $c i32) (local $o i32) (local $v v128) (local $mx v128) (local $sum v128) (local $m f32)
    (local.set $z (i32.load offset=4 (local.get $pc)))
    (local.set $y (i32.load offset=8 (local.get $pc)))
    (local.set $ld (i32.load offset=12 (local.get $pc)))
    (local.set $e (i32.load offset=16 (local.get $pc)))
    (block $done
      (loop $row
        (br_if $done (i32.ge_s (local.get $r) (local.get $rows)))
        (local.set $mx (v128.const f32x4 -inf -inf -inf -inf))
        (local.set $c (i32.const 0))
        (loop $max
          (local.set $v (v128.bitselect (v128.load (i32.add (local.get $z) (i32.shl (local.get $c) (i32.const 2))))
            (v128.const f32x4 -inf -inf -inf -inf) (call $lanes (i32.sub (local.get $e) (local.get $c)))))
          (local.set $mx (f32x4.max (local.get $mx) (local.get $v)))
          (br_if $max (i32.lt_s (local.tee $c (i32.add (local.get $c) (i32.const 4))) (local.get $e))))
        (local.set $m (f32.max (f32.max (f32x4.extract_lane 0 (local.get $mx)) (f32x4.extract_lane 1 (local.get $mx)))
                               (f32.max (f32x4.extract_lane 2 (local.get $mx)) (f32x4.extract_lane 3 (local.get $mx)))))
        (local.set $sum (v128.const i32x4 0 0 0 0))
        (local.set $c (i32.const 0))
        (loop $exp
          (local.set $v (v128.and
            (call $exp4 (f32x4.sub (v128.load (i32.add (local.get $z) (i32.shl (local.get $c) (i32.const 2)))) (f32x4.splat (local.get $m))))
            (call $lanes (i32.sub (local.get $e) (local.get $c)))))
          (v128.store (i32.add (local.get $y) (i32.shl (local.get $c) (i32.const 2))) (local.get $v))
          (local.set $sum (f32x4.add (local.get $sum) (local.get $v)))
          (br_if $exp (i32.lt_s (local.tee $c (i32.add (local.get $c) (i32.const 4))) (local.get $e))))
        (local.set $sum (f32x4.splat (call $hsum (local.get $sum))))
        (local.set $c (i32.const 0))
        (loop $div
          (local.set $o (i32.add (local.get $y) (i32.shl (local.get $c) (i32.const 2))))
          (v128.store (local.get $o) (f32x4.div (v128.load (local.get $o)) (local.get $sum)))
          (br_if $div (i32.lt_s (local.tee $c (i32.add (local.get $c) (i32.const 4))) (local.get $e))))
        (local.set $z (i32.add (local.get $z) (local.get $ld)))
        (local.set $y (i32.add (local.get $y) (local.get $ld)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; softmax_bwd: dz[r] (+)= y[r] (dy[r] - <dy[r], y[r]>). args: 1 dy, 2 y, 3 dz, 4 ld, 5 e, 6 flags.
  (func $softmax_bwd (param $pc i32) (param $rows i32)
    (local $dy i32) (local $y i32) (local $dz i32) (local $ld i32) (local $e i32) (local $acc i32)
    (local $r i32) (local $c i32) (local $o i32) (local $dot v128) (local $v v128)
    (local.set $dy (i32.load offset=4 (local.get $pc)))
    (local.set $y (i32.load offset=8 (local.get $pc)))
    (local.set $dz (i32.load offset=12 (local.get $pc)))
    (local.set $ld (i32.load offset=16 (local.get $pc)))
    (local.set $e (i32.load offset=20 (local.get $pc)))
    (local.set $acc (i32.and (i32.load offset=24 (local.get $pc)) (i32.const 1)))
    (block $done
      (loop $row
        (br_if $done (i32.ge_s (local.get $r) (local.get $rows)))
        (local.set $dot (v128.const i32x4 0 0 0 0))
        (local.set $c (i32.const 0))
        (loop $sum
          (local.set $o (i32.shl (local.get $c) (i32.const 2)))
          (local.set $dot (f32x4.add (local.get $dot)
            (v128.and (f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $o))) (v128.load (i32.add (local.get $y) (local.get $o))))
                      (call $lanes (i32.sub (local.get $e) (local.get $c))))))
          (br_if $sum (i32.lt_s (local.tee $c (i32.add (local.get $c) (i32.const 4))) (local.get $e))))
        (local.set $dot (f32x4.splat (call $hsum (local.get $dot))))
        (local.set $c (i32.const 0))
        (loop $grad
          (local.set $o (i32.shl (local.get $c) (i32.const 2)))
          (local.set $v (v128.and
            (f32x4.mul (v128.load (i32.add (local.get $y) (local.get $o))) (f32x4.sub (v128.load (i32.add (local.get $dy) (local.get $o))) (local.get $dot)))
            (call $lanes (i32.sub (local.get $e) (local.get $c)))))
          (if (local.get $acc) (then (local.set $v (f32x4.add (local.get $v) (v128.load (i32.add (local.get $dz) (local.get $o)))))))
          (v128.store (i32.add (local.get $dz) (local.get $o)) (local.get $v))
          (br_if $grad (i32.lt_s (local.tee $c (i32.add (local.get $c) (i32.const 4))) (local.get $e))))
        (local.set $dy (i32.add (local.get $dy) (local.get $ld)))
        (local.set $y (i32.add (local.get $y) (local.get $ld)))
        (local.set $dz (i32.add (local.get $dz) (local.get $ld)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; mix_fwd: out[r, u] = scale sum_e g[r, e] bank[r, e u_count + u] for u < U (a gate-weighted
  ;; sum of experts; scale 1/E makes it the mean tfjs' GlobalAveragePooling1D takes).
  ;; args: 1 g, 2 ldg, 3 bank, 4 ldbank, 5 out, 6 ldout, 7 E, 8 U, 9 scale (f32).
  (func $mix_fwd (param $pc i32) (param $rows i32)
    (local $g i32) (local $ldg i32) (local $bank i32) (local $ldb i32) (local $out i32) (local $ldo i32)
    (local $ne i32) (local $nu i32) (local $scale f32) (local $eb i32)
    (local $r i32) (local $u i32) (local $e i32) (local $acc v128) (local $s f32)
    (local.set $g (i32.load offset=4 (local.get $pc)))
    (local.set $ldg (i32.load offset=8 (local.get $pc)))
    (local.set $bank (i32.load offset=12 (local.get $pc)))
    (local.set $ldb (i32.load offset=16 (local.get $pc)))
    (local.set $out (i32.load offset=20 (local.get $pc)))
    (local.set $ldo (i32.load offset=24 (local.get $pc)))
    (local.set $ne (i32.load offset=28 (local.get $pc)))
    (local.set $nu (i32.load offset=32 (local.get $pc)))
    (local.set $scale (f32.load offset=36 (local.get $pc)))
    (local.set $eb (i32.shl (local.get $nu) (i32.const 2)))
    (block $done
      (loop $row
        (br_if $done (i32.ge_s (local.get $r) (local.get $rows)))
        (local.set $u (i32.const 0))
        (block $vec_done
          (loop $vec
            (br_if $vec_done (i32.gt_s (i32.add (local.get $u) (i32.const 4)) (local.get $nu)))
            (local.set $acc (v128.const i32x4 0 0 0 0))
            (local.set $e (i32.const 0))
            (loop $expert
              (local.set $acc (f32x4.add (local.get $acc)
                (f32x4.mul (v128.load32_splat (i32.add (local.get $g) (i32.shl (local.get $e) (i32.const 2))))
                           (v128.load (i32.add (local.get $bank) (i32.add (i32.mul (local.get $e) (local.get $eb)) (i32.shl (local.get $u) (i32.const 2))))))))
              (br_if $expert (i32.lt_s (local.tee $e (i32.add (local.get $e) (i32.const 1))) (local.get $ne))))
            (v128.store (i32.add (local.get $out) (i32.shl (local.get $u) (i32.const 2))) (f32x4.mul (local.get $acc) (f32x4.splat (local.get $scale))))
            (local.set $u (i32.add (local.get $u) (i32.const 4)))
            (br $vec)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_s (local.get $u) (local.get $nu)))
            (local.set $s (f32.const 0))
            (local.set $e (i32.const 0))
            (loop $expert
              (local.set $s (f32.add (local.get $s)
                (f32.mul (f32.load (i32.add (local.get $g) (i32.shl (local.get $e) (i32.const 2))))
                         (f32.load (i32.add (local.get $bank) (i32.add (i32.mul (local.get $e) (local.get $eb)) (i32.shl (local.get $u) (i32.const 2))))))))
              (br_if $expert (i32.lt_s (local.tee $e (i32.add (local.get $e) (i32.const 1))) (local.get $ne))))
            (f32.store (i32.add (local.get $out) (i32.shl (local.get $u) (i32.const 2))) (f32.mul (local.get $s) (local.get $scale)))
            (local.set $u (i32.add (local.get $u) (i32.const 1)))
            (br $tail)))
        (local.set $g (i32.add (local.get $g) (local.get $ldg)))
        (local.set $bank (i32.add (local.get $bank) (local.get $ldb)))
        (local.set $out (i32.add (local.get $out) (local.get $ldo)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; mix_bwd: dg[r, e] (+)= scale <dout[r], bank[r, e]>, dbank[r, e] (+)= scale g[r, e] dout[r].
  ;; args: 1 g, 2 ldg, 3 bank, 4 ldbank, 5 dout, 6 ldout, 7 E, 8 U, 9 scale, 10 dg, 11 dbank,
  ;; 12 flags (1: add to dg, 2: add to dbank). dg has g's stride, dbank the bank's.
  (func $mix_bwd (param $pc i32) (param $rows i32)
    (local $g i32) (local $ldg i32) (local $bank i32) (local $ldb i32) (local $dout i32) (local $ldo i32)
    (local $ne i32) (local $nu i32) (local $scale f32) (local $dg i32) (local $dbank i32) (local $flags i32) (local $eb i32)
    (local $r i32) (local $u i32) (local $e i32) (local $o i32) (local $gs v128) (local $dot v128) (local $d v128) (local $v v128)
    (local $dots f32) (local $ds f32) (local $vs f32)
    (local.set $g (i32.load offset=4 (local.get $pc)))
    (local.set $ldg (i32.load offset=8 (local.get $pc)))
    (local.set $bank (i32.load offset=12 (local.get $pc)))
    (local.set $ldb (i32.load offset=16 (local.get $pc)))
    (local.set $dout (i32.load offset=20 (local.get $pc)))
    (local.set $ldo (i32.load offset=24 (local.get $pc)))
    (local.set $ne (i32.load offset=28 (local.get $pc)))
    (local.set $nu (i32.load offset=32 (local.get $pc)))
    (local.set $scale (f32.load offset=36 (local.get $pc)))
    (local.set $dg (i32.load offset=40 (local.get $pc)))
    (local.set $dbank (i32.load offset=44 (local.get $pc)))
    (local.set $flags (i32.load offset=48 (local.get $pc)))
    (local.set $eb (i32.shl (local.get $nu) (i32.const 2)))
    (block $done
      (loop $row
        (br_if $done (i32.ge_s (local.get $r) (local.get $rows)))
        (local.set $e (i32.const 0))
        (loop $expert
          (local.set $gs (f32x4.splat (f32.mul (f32.load (i32.add (local.get $g) (i32.shl (local.get $e) (i32.const 2)))) (local.get $scale))))
          (local.set $dot (v128.const i32x4 0 0 0 0))
          (local.set $dots (f32.const 0))
          (local.set $u (i32.const 0))
          (block $vec_done
            (loop $vec
              (br_if $vec_done (i32.gt_s (i32.add (local.get $u) (i32.const 4)) (local.get $nu)))
              (local.set $o (i32.add (i32.mul (local.get $e) (local.get $eb)) (i32.shl (local.get $u) (i32.const 2))))
              (local.set $d (v128.load (i32.add (local.get $dout) (i32.shl (local.get $u) (i32.const 2)))))
              (local.set $dot (f32x4.add (local.get $dot) (f32x4.mul (local.get $d) (v128.load (i32.add (local.get $bank) (local.get $o))))))
              (local.set $v (f32x4.mul (local.get $gs) (local.get $d)))
              (if (i32.and (local.get $flags) (i32.const 2))
                (then (local.set $v (f32x4.add (local.get $v) (v128.load (i32.add (local.get $dbank) (local.get $o)))))))
              (v128.store (i32.add (local.get $dbank) (local.get $o)) (local.get $v))
              (local.set $u (i32.add (local.get $u) (i32.const 4)))
              (br $vec)))
          (block $tail_done
            (loop $tail
              (br_if $tail_done (i32.ge_s (local.get $u) (local.get $nu)))
              (local.set $o (i32.add (i32.mul (local.get $e) (local.get $eb)) (i32.shl (local.get $u) (i32.const 2))))
              (local.set $ds (f32.load (i32.add (local.get $dout) (i32.shl (local.get $u) (i32.const 2)))))
              (local.set $dots (f32.add (local.get $dots) (f32.mul (local.get $ds) (f32.load (i32.add (local.get $bank) (local.get $o))))))
              (local.set $vs (f32.mul (f32x4.extract_lane 0 (local.get $gs)) (local.get $ds)))
              (if (i32.and (local.get $flags) (i32.const 2))
                (then (local.set $vs (f32.add (local.get $vs) (f32.load (i32.add (local.get $dbank) (local.get $o)))))))
              (f32.store (i32.add (local.get $dbank) (local.get $o)) (local.get $vs))
              (local.set $u (i32.add (local.get $u) (i32.const 1)))
              (br $tail)))
          (local.set $o (i32.add (local.get $dg) (i32.shl (local.get $e) (i32.const 2))))
          (local.set $dots (f32.mul (f32.add (call $hsum (local.get $dot)) (local.get $dots)) (local.get $scale)))
          (if (i32.and (local.get $flags) (i32.const 1)) (then (local.set $dots (f32.add (local.get $dots) (f32.load (local.get $o))))))
          (f32.store (local.get $o) (local.get $dots))
          (br_if $expert (i32.lt_s (local.tee $e (i32.add (local.get $e) (i32.const 1))) (local.get $ne))))
        (local.set $g (i32.add (local.get $g) (local.get $ldg)))
        (local.set $dg (i32.add (local.get $dg) (local.get $ldg)))
        (local.set $bank (i32.add (local.get $bank) (local.get $ldb)))
        (local.set $dbank (i32.add (local.get $dbank) (local.get $ldb)))
        (local.set $dout (i32.add (local.get $dout) (local.get $ldo)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; scale: y (+)= s x over rows x ld floats (tfjs' Rescaling with offset 0, and its gradient).
  ;; args: 1 x, 2 y, 3 ld, 4 s (f32), 5 flags.
  (func $scale (param $pc i32) (param $rows i32)
    (local $x i32) (local $y i32) (local $end i32) (local $s v128) (local $v v128) (local $acc i32)
    (local.set $x (i32.load offset=4 (local.get $pc)))
    (local.set $y (i32.load offset=8 (local.get $pc)))
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.mul (local.get $rows) (i32.load offset=12 (local.get $pc))) (i32.const 2))))
    (local.set $s (v128.load32_splat offset=16 (local.get $pc)))
    (local.set $acc (i32.and (i32.load offset=20 (local.get $pc)) (i32.const 1)))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $v (f32x4.mul (v128.load (local.get $x)) (local.get $s)))
        (if (local.get $acc) (then (local.set $v (f32x4.add (local.get $v) (v128.load (local.get $y))))))
        (v128.store (local.get $y) (local.get $v))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (br $vec))))

  ;; copy: dst[r, 0..n) (+)= src[r, 0..n) for every row (concatenation, and its gradient; the
  ;; compiler points src or dst at the column where a part starts). args: 1 src, 2 ld_src, 3 dst,
  ;; 4 ld_dst, 5 n (floats), 6 flags.
  (func $copy (param $pc i32) (param $rows i32)
    (local $src i32) (local $lds i32) (local $dst i32) (local $ldd i32) (local $n i32) (local $acc i32)
    (local $r i32) (local $j i32) (local $v v128) (local $f f32)
    (local.set $src (i32.load offset=4 (local.get $pc)))
    (local.set $lds (i32.load offset=8 (local.get $pc)))
    (local.set $dst (i32.load offset=12 (local.get $pc)))
    (local.set $ldd (i32.load offset=16 (local.get $pc)))
    (local.set $n (i32.shl (i32.load offset=20 (local.get $pc)) (i32.const 2)))
    (local.set $acc (i32.and (i32.load offset=24 (local.get $pc)) (i32.const 1)))
    (block $done
      (loop $row
        (br_if $done (i32.ge_s (local.get $r) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $vec_done
          (loop $vec
            (br_if $vec_done (i32.gt_s (i32.add (local.get $j) (i32.const 16)) (local.get $n)))
            (local.set $v (v128.load (i32.add (local.get $src) (local.get $j))))
            (if (local.get $acc) (then (local.set $v (f32x4.add (local.get $v) (v128.load (i32.add (local.get $dst) (local.get $j)))))))
            (v128.store (i32.add (local.get $dst) (local.get $j)) (local.get $v))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $vec)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_s (local.get $j) (local.get $n)))
            (local.set $f (f32.load (i32.add (local.get $src) (local.get $j))))
            (if (local.get $acc) (then (local.set $f (f32.add (local.get $f) (f32.load (i32.add (local.get $dst) (local.get $j)))))))
            (f32.store (i32.add (local.get $dst) (local.get $j)) (local.get $f))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $tail)))
        (local.set $src (i32.add (local.get $src) (local.get $lds)))
        (local.set $dst (i32.add (local.get $dst) (local.get $ldd)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; ---------------------------------------------------------------------------------------------
  ;; reduce: the threads' gradients of a range of weights summed into the first thread's, in thread
  ;; order, plus the L2 term 2 l2 w; writes (sum g^2, sum w^2) as two f64 for clipping and the
  ;; penalty. args: 1 g0, 2 bytes between threads' gradients, 3 threads, 4 w, 5 n (floats, a
  ;; multiple of 4), 6 l2 (f32), 7 out (16 bytes, 8-aligned).
  (func $reduce (param $pc i32)
    (local $g0 i32) (local $stride i32) (local $threads i32) (local $w i32) (local $end i32) (local $l2 v128) (local $out i32)
    (local $t i32) (local $p i32) (local $g v128) (local $wv v128) (local $sg v128) (local $sw v128) (local $sq v128)
    (local.set $g0 (i32.load offset=4 (local.get $pc)))
    (local.set $stride (i32.load offset=8 (local.get $pc)))
    (local.set $threads (i32.load offset=12 (local.get $pc)))
    (local.set $w (i32.load offset=16 (local.get $pc)))
    (local.set $end (i32.add (local.get $g0) (i32.shl (i32.load offset=20 (local.get $pc)) (i32.const 2))))
    (local.set $l2 (f32x4.splat (f32.mul (f32.load offset=24 (local.get $pc)) (f32.const 2))))
    (local.set $out (i32.load offset=28 (local.get $pc)))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $g0) (local.get $end)))
        (local.set $g (v128.load (local.get $g0)))
        (local.set $p (local.get $g0))
        (local.set $t (i32.const 1))
        (block $threads_done
          (loop $thread
            (br_if $threads_done (i32.ge_s (local.get $t) (local.get $threads)))
            (local.set $p (i32.add (local.get $p) (local.get $stride)))
            (local.set $g (f32x4.add (local.get $g) (v128.load (local.get $p))))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $thread)))
        (local.set $wv (v128.load (local.get $w)))
        (if (v128.any_true (local.get $l2))
          (then (local.set $g (f32x4.add (local.get $g) (f32x4.mul (local.get $l2) (local.get $wv))))))
        (v128.store (local.get $g0) (local.get $g))
        (local.set $sq (f32x4.mul (local.get $g) (local.get $g)))
        (local.set $sg (f64x2.add (local.get $sg) (f64x2.add (f64x2.promote_low_f32x4 (local.get $sq))
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $sq) (local.get $sq))))))
        (local.set $sq (f32x4.mul (local.get $wv) (local.get $wv)))
        (local.set $sw (f64x2.add (local.get $sw) (f64x2.add (f64x2.promote_low_f32x4 (local.get $sq))
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $sq) (local.get $sq))))))
        (local.set $g0 (i32.add (local.get $g0) (i32.const 16)))
        (local.set $w (i32.add (local.get $w) (i32.const 16)))
        (br $vec)))
    (f64.store (local.get $out) (f64.add (f64x2.extract_lane 0 (local.get $sg)) (f64x2.extract_lane 1 (local.get $sg))))
    (f64.store offset=8 (local.get $out) (f64.add (f64x2.extract_lane 0 (local.get $sw)) (f64x2.extract_lane 1 (local.get $sw)))))

  ;; adam: g' = clip g; m = b1 m + (1 - b1) g'; v = b2 v + (1 - b2) g'^2; w -= lr_t m / (sqrt(v) + eps)
  ;; (lr_t carries the bias correction, as in sparse-optimizer.ts). args: 1 w, 2 m, 3 v, 4 g, 5 n,
  ;; 6 scalars: f32 [lr_t, b1, 1 - b1, b2, 1 - b2, eps, clip].
  (func $adam (param $pc i32)
    (local $w i32) (local $m i32) (local $v i32) (local $g i32) (local $end i32) (local $s i32)
    (local $lr v128) (local $b1 v128) (local $c1 v128) (local $b2 v128) (local $c2 v128) (local $eps v128) (local $clip v128)
    (local $gv v128) (local $mv v128) (local $vv v128)
    (local.set $w (i32.load offset=4 (local.get $pc)))
    (local.set $m (i32.load offset=8 (local.get $pc)))
    (local.set $v (i32.load offset=12 (local.get $pc)))
    (local.set $g (i32.load offset=16 (local.get $pc)))
    (local.set $end (i32.add (local.get $w) (i32.shl (i32.load offset=20 (local.get $pc)) (i32.const 2))))
    (local.set $s (i32.load offset=24 (local.get $pc)))
    (local.set $lr (v128.load32_splat offset=0 (local.get $s)))
    (local.set $b1 (v128.load32_splat offset=4 (local.get $s)))
    (local.set $c1 (v128.load32_splat offset=8 (local.get $s)))
    (local.set $b2 (v128.load32_splat offset=12 (local.get $s)))
    (local.set $c2 (v128.load32_splat offset=16 (local.get $s)))
    (local.set $eps (v128.load32_splat offset=20 (local.get $s)))
    (local.set $clip (v128.load32_splat offset=24 (local.get $s)))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $w) (local.get $end)))
        (local.set $gv (f32x4.mul (v128.load (local.get $g)) (local.get $clip)))
        (local.set $mv (f32x4.add (f32x4.mul (local.get $b1) (v128.load (local.get $m))) (f32x4.mul (local.get $c1) (local.get $gv))))
        (local.set $vv (f32x4.add (f32x4.mul (local.get $b2) (v128.load (local.get $v)))
                                  (f32x4.mul (local.get $c2) (f32x4.mul (local.get $gv) (local.get $gv)))))
        (v128.store (local.get $m) (local.get $mv))
        (v128.store (local.get $v) (local.get $vv))
        (v128.store (local.get $w) (f32x4.sub (v128.load (local.get $w))
          (f32x4.div (f32x4.mul (local.get $lr) (local.get $mv)) (f32x4.add (f32x4.sqrt (local.get $vv)) (local.get $eps)))))
        (local.set $w (i32.add (local.get $w) (i32.const 16)))
        (local.set $m (i32.add (local.get $m) (i32.const 16)))
        (local.set $v (i32.add (local.get $v) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (br $vec))))

  ;; adagrad: g' = clip g; acc += g'^2; w -= lr g' / sqrt(acc + init + eps) (the accumulator holds
  ;; the sum above its initial value, as in sparse-optimizer.ts). args: 1 w, 2 acc, 3 g, 4 n,
  ;; 5 scalars: f32 [lr, init + eps, clip].
  (func $adagrad (param $pc i32)
    (local $w i32) (local $a i32) (local $g i32) (local $end i32) (local $s i32)
    (local $lr v128) (local $init v128) (local $clip v128) (local $gv v128) (local $av v128)
    (local.set $w (i32.load offset=4 (local.get $pc)))
    (local.set $a (i32.load offset=8 (local.get $pc)))
    (local.set $g (i32.load offset=12 (local.get $pc)))
    (local.set $end (i32.add (local.get $w) (i32.shl (i32.load offset=16 (local.get $pc)) (i32.const 2))))
    (local.set $s (i32.load offset=20 (local.get $pc)))
    (local.set $lr (v128.load32_splat offset=0 (local.get $s)))
    (local.set $init (v128.load32_splat offset=4 (local.get $s)))
    (local.set $clip (v128.load32_splat offset=8 (local.get $s)))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $w) (local.get $end)))
        (local.set $gv (f32x4.mul (v128.load (local.get $g)) (local.get $clip)))
        (local.set $av (f32x4.add (v128.load (local.get $a)) (f32x4.mul (local.get $gv) (local.get $gv))))
        (v128.store (local.get $a) (local.get $av))
        (v128.store (local.get $w) (f32x4.sub (v128.load (local.get $w))
          (f32x4.div (f32x4.mul (local.get $lr) (local.get $gv)) (f32x4.sqrt (f32x4.add (local.get $av) (local.get $init))))))
        (local.set $w (i32.add (local.get $w) (i32.const 16)))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (br $vec)))))

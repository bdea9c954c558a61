"""Denormal floats flushed to zero while the engine trains, evaluates or predicts.

Floats below 1.2e-38 (denormals) turn up in training: the softmax gradient of confident
predictions, Adam's squared gradients. x86 CPUs compute with them far slower than with
normal floats (figures: benchmarks/RESULTS.md). TensorFlow's CPU kernels run with the same flags (flush-to-zero and
denormals-are-zero in MXCSR); results differ only below 1.2e-38. `flush_denormals()` sets
them for a loop's thread and restores them after; the parts a loop posts to the workers
run in its mode (`flushing()` travels with each part). Elsewhere than x86 this is a no-op.
"""

from __future__ import annotations

import platform
import threading

import numba
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from visualnet.engine._jit import njit

_X86 = platform.machine().lower() in ("x86_64", "amd64")
FTZ_DAZ = 0x8040  # MXCSR's flush-to-zero (bit 15) and denormals-are-zero (bit 6)
_local = threading.local()


def _mxcsr_call(builder, name, slot):
    fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), [ir.IntType(8).as_pointer()]),
                                        name)
    builder.call(fn, [builder.bitcast(slot, ir.IntType(8).as_pointer())])


@intrinsic
def _set_flush(typingctx, on):
    """MXCSR's FTZ and DAZ bits set (on) or cleared, the others kept (x86 only)."""
    sig = types.void(types.boolean)

    def codegen(context, builder, signature, args):
        if _X86:
            slot = cgutils.alloca_once(builder, ir.IntType(32))
            _mxcsr_call(builder, "llvm.x86.sse.stmxcsr", slot)
            csr = builder.load(slot)
            bits = ir.Constant(ir.IntType(32), FTZ_DAZ)
            builder.store(builder.select(args[0], builder.or_(csr, bits), builder.and_(csr, builder.not_(bits))), slot)
            _mxcsr_call(builder, "llvm.x86.sse.ldmxcsr", slot)
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def _flush_bits(typingctx):
    """Whether MXCSR's FTZ and DAZ bits are both set (False off x86)."""
    sig = types.boolean()

    def codegen(context, builder, signature, args):
        if not _X86:
            return ir.Constant(ir.IntType(1), 0)
        slot = cgutils.alloca_once(builder, ir.IntType(32))
        _mxcsr_call(builder, "llvm.x86.sse.stmxcsr", slot)
        bits = ir.Constant(ir.IntType(32), FTZ_DAZ)
        return builder.icmp_unsigned("==", builder.and_(builder.load(slot), bits), bits)

    return sig, codegen


@njit
def _flushing_now():
    return _flush_bits()


@njit(inline="always")
def apply(on):
    """Set this thread's mode (MXCSR only; compiled callers inline it: a worker's job loop)."""
    _set_flush(on)


SUPPORTED = _X86 and not numba.config.DISABLE_JIT


def flushing() -> bool:
    """Whether this thread's engine work runs with denormals flushed."""
    return getattr(_local, "on", False)


def set_mode(on: bool) -> None:
    """Set this thread's mode (a worker, before a part)."""
    if SUPPORTED:
        apply(on)
    _local.on = on


class flush_denormals:
    """Context: this thread computes with denormals flushed to zero; the mode it had
    before (flushing or not) comes back after."""

    def __enter__(self):
        self._before = flushing() or (SUPPORTED and bool(_flushing_now()))
        set_mode(True)
        return self

    def __exit__(self, *exc):
        set_mode(self._before)

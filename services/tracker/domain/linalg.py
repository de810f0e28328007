"""Small-matrix linear algebra over stacks, written as elementwise numpy operations.

numpy.linalg loops over a stack of tiny matrices one LAPACK call at a time, which costs
about a microsecond per matrix; for the 1x1 to 4x4 innovation covariances of a tracker the
closed forms below are 10-40 times faster on 1,000 matrices.
"""

from __future__ import annotations

import numpy as np


def inv_sym(S: np.ndarray) -> np.ndarray:
    """Inverse of a stack of symmetric positive-definite matrices, shape (n, m, m).

    A stack of diagonal matrices (box measurements: every axis independent) is inverted
    elementwise; otherwise closed forms (adjugates) for m <= 4 and numpy.linalg beyond.
    Only the upper triangle of S is read for m <= 4.
    """
    m = S.shape[-1]
    if m > 1 and _is_diagonal(S):
        out_d = np.zeros_like(S)
        idx = np.arange(m)
        out_d[:, idx, idx] = 1.0 / S[:, idx, idx]
        return out_d
    if m == 1:
        out: np.ndarray = 1.0 / S
        return out
    if m == 2:
        return _inv2(S)
    if m == 3:
        return _inv3(S)
    if m == 4:
        return _inv4(S)
    inv: np.ndarray = np.linalg.inv(S)
    return inv


def _inv2(S: np.ndarray) -> np.ndarray:
    a, b, d = S[:, 0, 0], S[:, 0, 1], S[:, 1, 1]
    r = 1.0 / (a * d - b * b)
    out = np.empty_like(S)
    out[:, 0, 0] = d * r
    out[:, 1, 1] = a * r
    out[:, 0, 1] = out[:, 1, 0] = -b * r
    return out


def _inv3(S: np.ndarray) -> np.ndarray:
    a, b, c = S[:, 0, 0], S[:, 0, 1], S[:, 0, 2]
    e, f, i = S[:, 1, 1], S[:, 1, 2], S[:, 2, 2]
    c00 = e * i - f * f
    c01 = c * f - b * i
    c02 = b * f - c * e
    r = 1.0 / (a * c00 + b * c01 + c * c02)
    out = np.empty_like(S)
    out[:, 0, 0] = c00 * r
    out[:, 1, 1] = (a * i - c * c) * r
    out[:, 2, 2] = (a * e - b * b) * r
    out[:, 0, 1] = out[:, 1, 0] = c01 * r
    out[:, 0, 2] = out[:, 2, 0] = c02 * r
    out[:, 1, 2] = out[:, 2, 1] = (b * c - a * f) * r
    return out


def _inv4(S: np.ndarray) -> np.ndarray:
    # Adjugate via 2x2 minors of the top and bottom row pairs (Laplace expansion).
    a00, a01, a02, a03 = S[:, 0, 0], S[:, 0, 1], S[:, 0, 2], S[:, 0, 3]
    a11, a12, a13 = S[:, 1, 1], S[:, 1, 2], S[:, 1, 3]
    a22, a23, a33 = S[:, 2, 2], S[:, 2, 3], S[:, 3, 3]
    a10, a20, a30, a21, a31, a32 = a01, a02, a03, a12, a13, a23
    s0 = a00 * a11 - a10 * a01
    s1 = a00 * a12 - a10 * a02
    s2 = a00 * a13 - a10 * a03
    s3 = a01 * a12 - a11 * a02
    s4 = a01 * a13 - a11 * a03
    s5 = a02 * a13 - a12 * a03
    c5 = a22 * a33 - a32 * a23
    c4 = a21 * a33 - a31 * a23
    c3 = a21 * a32 - a31 * a22
    c2 = a20 * a33 - a30 * a23
    c1 = a20 * a32 - a30 * a22
    c0 = a20 * a31 - a30 * a21
    r = 1.0 / (s0 * c5 - s1 * c4 + s2 * c3 + s3 * c2 - s4 * c1 + s5 * c0)
    out = np.empty_like(S)
    out[:, 0, 0] = (a11 * c5 - a12 * c4 + a13 * c3) * r
    out[:, 0, 1] = out[:, 1, 0] = (-a01 * c5 + a02 * c4 - a03 * c3) * r
    out[:, 0, 2] = out[:, 2, 0] = (a31 * s5 - a32 * s4 + a33 * s3) * r
    out[:, 0, 3] = out[:, 3, 0] = (-a21 * s5 + a22 * s4 - a23 * s3) * r
    out[:, 1, 1] = (a00 * c5 - a02 * c2 + a03 * c1) * r
    out[:, 1, 2] = out[:, 2, 1] = (-a30 * s5 + a32 * s2 - a33 * s1) * r
    out[:, 1, 3] = out[:, 3, 1] = (a20 * s5 - a22 * s2 + a23 * s1) * r
    out[:, 2, 2] = (a30 * s4 - a31 * s2 + a33 * s0) * r
    out[:, 2, 3] = out[:, 3, 2] = (-a20 * s4 + a21 * s2 - a23 * s0) * r
    out[:, 3, 3] = (a20 * s3 - a21 * s1 + a22 * s0) * r
    return out


def _is_diagonal(S: np.ndarray) -> bool:
    m = S.shape[-1]
    flat = S.reshape(len(S), m * m)
    return not flat[:, np.arange(m * m) % (m + 1) != 0].any()


def mahalanobis_sq(nu: np.ndarray, S: np.ndarray) -> np.ndarray:
    """νᵀ S⁻¹ ν for stacks ν (p, m) and symmetric positive-definite S (p, m, m).

    Closed forms for m = 2 and 3 (no inverse is built); inv_sym beyond.
    """
    m = nu.shape[1]
    if m == 2:
        a, b, d = S[:, 0, 0], S[:, 0, 1], S[:, 1, 1]
        x, y = nu[:, 0], nu[:, 1]
        out2: np.ndarray = (d * x * x - 2.0 * b * x * y + a * y * y) / (a * d - b * b)
        return out2
    if m == 3:
        a, b, c = S[:, 0, 0], S[:, 0, 1], S[:, 0, 2]
        e, f, i = S[:, 1, 1], S[:, 1, 2], S[:, 2, 2]
        c00, c01, c02 = e * i - f * f, c * f - b * i, b * f - c * e
        c11, c12, c22 = a * i - c * c, b * c - a * f, a * e - b * b
        x, y, z = nu[:, 0], nu[:, 1], nu[:, 2]
        quad = (
            c00 * x * x + c11 * y * y + c22 * z * z
            + 2.0 * (c01 * x * y + c02 * x * z + c12 * y * z)
        )  # fmt: skip
        out3: np.ndarray = quad / (a * c00 + b * c01 + c * c02)
        return out3
    out: np.ndarray = np.einsum("pm,pmk,pk->p", nu, inv_sym(S), nu)
    return out

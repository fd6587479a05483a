// Scale searches shared by the quantizers: given a group of floats, find the scale (and for
// asymmetric formats the minimum) and the integer levels that minimize a weighted squared (or
// absolute) error. These are the published k-quant search procedures; their exact arithmetic
// decides which levels win near ties, so they are written to reproduce the reference bytes.
#pragma once

#include <cmath>
#include <cstdint>

namespace edgellm::quant::detail {

// Groups whose largest magnitude is below this are stored as all zeros.
constexpr float kGroupMaxEps = 1e-15f;

// Round to nearest, ties to even (as float addition of 1.5 * 2^23 does). Non-finite or huge
// inputs give 0 rather than undefined behaviour; callers clamp the result to their level range.
inline int nearest_int(float v) {
  const float r = std::nearbyint(v);
  if (!(std::fabs(r) < 4194304.0f)) return 0;
  return static_cast<int>(r);
}

// Symmetric levels L[i] in [0, 2 nmax) (stored with an offset of nmax) for x ~ scale * (L - nmax),
// scale returned. rmse_type 0: plain rounding at scale max / -nmax. rmse_type 1..4: least-squares
// refinement over 19 candidate scales with weights x^2, 1, |x| or sqrt|x| (or `weights` when
// given). A negative rmse_type refines once and returns without searching.
float make_qx_quants(int n, int nmax, const float* x, int8_t* L, int rmse_type,
                     const float* weights);

// Symmetric 3-bit style levels with iterative per-element refinement (weights x^2), as Q3_K's
// reference quantizer uses. L[i] in [0, 2 nmax).
float make_q3_quants(int n, int nmax, const float* x, int8_t* L, bool do_rmse);

// Asymmetric levels L[i] in [0, nmax] for x ~ scale * L - the_min, trying nstep + 1 candidate
// scales around (nmax + rmin + k rdelta) / (max - min). Weighted squared error, or absolute error
// with use_mad. Returns scale; *the_min >= 0 is the negated minimum.
float make_qkx2_quants(int n, int nmax, const float* x, const float* weights, uint8_t* L,
                       float* the_min, uint8_t* Laux, float rmin, float rdelta, int nstep,
                       bool use_mad);

// Index of the value in the sorted table val[0..n) nearest to x (ties go up).
int best_index_int8(int n, const int8_t* val, float x);

}  // namespace edgellm::quant::detail

// Exact scale searches for the optimized (weighted) quantizers.
//
// For a group x[0..n) with weights w, and a fixed set of levels, the error of storing x as
// d * level[q_i] is E(d, q) = sum_i w_i (x_i - d level[q_i])^2. For fixed levels q the best d is
// the weighted least-squares fit, and for fixed d the best q_i is the nearest level. Sweeping the
// inverse scale id = 1/d upward, each q_i changes only where x_i * id crosses a midpoint between
// two levels; between such events the levels are constant. So visiting the events in order, and
// keeping running sums, evaluates the least-squares optimum of every level assignment that
// rounding can produce: the best of them is the global optimum over rounding-generated
// assignments, found in O(events log events) instead of by trying a handful of scales.
//
// The affine variant fits x ~ d * q + b (q in 0..nmax) with both d and b by least squares for each
// assignment, sweeping over the scale for a fixed offset and re-centering a few times.
#pragma once

#include <cstdint>

namespace edgellm::quant::detail {

struct SymmetricFit {
  float d = 0.0f;      // scale (may be negative: then x ~ d * level maps the signs the other way)
  double err = 0.0;    // weighted squared error of the best assignment at its optimal d
};

// levels: ascending table of nl values (integers as floats for uniform formats). `reach`: how
// far from the nominal scale (the largest element on the table's widest end) the sweep goes, as
// a fraction of that end's magnitude (0.4 means inverse scales from 0.6x to 1.4x nominal).
SymmetricFit sweep_symmetric(const float* x, const float* w, int n, const float* levels, int nl,
                             float reach);

struct AffineFit {
  float d = 0.0f;    // scale, >= 0
  float b = 0.0f;    // offset: x ~ d * q + b
  double err = 0.0;
};

// Levels q in [0, nmax]. With nonpositive_offset, b is constrained to b <= 0 (the k-quants store
// a non-negative min that is subtracted).
AffineFit sweep_affine(const float* x, const float* w, int n, int nmax, bool nonpositive_offset);

// Error of storing x with scale d on the given levels (nearest level for each element); writes the
// chosen indices to q when non-null.
double symmetric_error(const float* x, const float* w, int n, float d, const float* levels, int nl,
                       uint8_t* q);
// Error of x ~ d * q + b with q = clamp(round((x - b) / d), 0, nmax); indices to q when non-null.
double affine_error(const float* x, const float* w, int n, float d, float b, int nmax, uint8_t* q);

// Index of the level nearest to v in an ascending table.
int nearest_level(const float* levels, int nl, float v);

}  // namespace edgellm::quant::detail

// Event sweeps over the inverse scale (see sweep.h). Sums are kept in double: the error of an
// assignment is computed as sum(w x^2) minus the fitted part, which would cancel badly in float.
#include "quant/sweep.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace edgellm::quant::detail {
namespace {

struct Event {
  float id;     // inverse scale at which element i moves one level
  int16_t i;
  int8_t step;  // +1 or -1
};

std::vector<Event>& event_buffer() {
  thread_local std::vector<Event> events;
  events.clear();
  return events;
}

bool is_uniform(const float* levels, int nl) {
  return levels[nl - 1] - levels[0] == static_cast<float>(nl - 1);
}

}  // namespace

int nearest_level(const float* levels, int nl, float v) {
  if (is_uniform(levels, nl)) {
    const float r = std::nearbyint(v - levels[0]);
    if (!(r > 0.0f)) return 0;
    return r >= static_cast<float>(nl - 1) ? nl - 1 : static_cast<int>(r);
  }
  if (!(v > levels[0])) return 0;
  if (v >= levels[nl - 1]) return nl - 1;
  int lo = 0, hi = nl - 1;
  while (hi - lo > 1) {
    const int mid = (lo + hi) / 2;
    if (v < levels[mid]) {
      hi = mid;
    } else {
      lo = mid;
    }
  }
  return v - levels[lo] < levels[hi] - v ? lo : hi;
}

double symmetric_error(const float* x, const float* w, int n, float d, const float* levels, int nl,
                       uint8_t* q) {
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  double err = 0.0;
  for (int i = 0; i < n; ++i) {
    const int k = nearest_level(levels, nl, x[i] * id);
    if (q) q[i] = static_cast<uint8_t>(k);
    const double e = static_cast<double>(x[i]) - static_cast<double>(d) * levels[k];
    err += w[i] * e * e;
  }
  return err;
}

double affine_error(const float* x, const float* w, int n, float d, float b, int nmax, uint8_t* q) {
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  double err = 0.0;
  for (int i = 0; i < n; ++i) {
    const float r = std::nearbyint((x[i] - b) * id);
    const int k = r > 0.0f ? (r < static_cast<float>(nmax) ? static_cast<int>(r) : nmax) : 0;
    if (q) q[i] = static_cast<uint8_t>(k);
    const double e = static_cast<double>(x[i]) - (static_cast<double>(d) * k + b);
    err += w[i] * e * e;
  }
  return err;
}

SymmetricFit sweep_symmetric(const float* x, const float* w, int n, const float* levels, int nl,
                             float reach) {
  SymmetricFit best;
  float amax = 0.0f;
  double sxx = 0.0;
  for (int i = 0; i < n; ++i) {
    amax = std::max(amax, std::fabs(x[i]));
    sxx += static_cast<double>(w[i]) * x[i] * x[i];
  }
  best.err = sxx;
  if (!(amax > 0.0f) || !std::isfinite(amax)) return best;
  const float lext = std::max(std::fabs(levels[0]), std::fabs(levels[nl - 1]));
  const float id_lo = lext * (1.0f - reach) / amax;
  const float id_hi = lext * (1.0f + reach) / amax;
  thread_local std::vector<uint8_t> cur;
  cur.resize(static_cast<size_t>(n));
  // Orientation s = +1 fits x ~ d level with d > 0; s = -1 fits -x, i.e. d < 0. The two differ
  // when the table is not symmetric (Q4_0's -8..7, the IQ4 table).
  for (float s : {1.0f, -1.0f}) {
    std::vector<Event>& events = event_buffer();
    double sxq = 0.0, sqq = 0.0;
    for (int i = 0; i < n; ++i) {
      const float y = s * x[i];
      const int q0 = nearest_level(levels, nl, y * id_lo);
      const int q1 = nearest_level(levels, nl, y * id_hi);
      cur[static_cast<size_t>(i)] = static_cast<uint8_t>(q0);
      sxq += static_cast<double>(w[i]) * y * levels[q0];
      sqq += static_cast<double>(w[i]) * levels[q0] * levels[q0];
      // Level k -> k +/- 1 happens where y * id crosses the midpoint between the two levels.
      for (int k = q0; k < q1; ++k) {
        events.push_back({0.5f * (levels[k] + levels[k + 1]) / y, static_cast<int16_t>(i), 1});
      }
      for (int k = q0; k > q1; --k) {
        events.push_back({0.5f * (levels[k - 1] + levels[k]) / y, static_cast<int16_t>(i), -1});
      }
    }
    std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.id < b.id; });
    auto consider = [&]() {
      if (sqq <= 0.0 || sxq <= 0.0) return;
      const double err = sxx - sxq * sxq / sqq;
      if (err < best.err) {
        best.err = err;
        best.d = static_cast<float>(s * sxq / sqq);
      }
    };
    consider();
    for (const Event& e : events) {
      const size_t i = static_cast<size_t>(e.i);
      const float y = s * x[i];
      const float lo = levels[cur[i]];
      cur[i] = static_cast<uint8_t>(cur[i] + e.step);
      const float ln = levels[cur[i]];
      sxq += static_cast<double>(w[i]) * y * (ln - lo);
      sqq += static_cast<double>(w[i]) * (static_cast<double>(ln) * ln - static_cast<double>(lo) * lo);
      consider();
    }
  }
  return best;
}

AffineFit sweep_affine(const float* x, const float* w, int n, int nmax, bool nonpositive_offset) {
  double sw = 0.0, sx = 0.0, sxx = 0.0;
  float mn = x[0], mx = x[0];
  for (int i = 0; i < n; ++i) {
    sw += w[i];
    sx += static_cast<double>(w[i]) * x[i];
    sxx += static_cast<double>(w[i]) * x[i] * x[i];
    mn = std::min(mn, x[i]);
    mx = std::max(mx, x[i]);
  }
  AffineFit best;
  if (nonpositive_offset) mn = std::min(mn, 0.0f);
  best.b = mn;
  best.err = affine_error(x, w, n, 0.0f, mn, nmax, nullptr);
  if (!(mx > mn) || !std::isfinite(mx - mn)) return best;
  // Start from the plain min/max fit, which is always valid.
  best.d = (mx - mn) / static_cast<float>(nmax);
  best.err = affine_error(x, w, n, best.d, mn, nmax, nullptr);

  const float reach = std::min(0.5f, 3.0f / static_cast<float>(nmax));
  thread_local std::vector<uint8_t> cur;
  cur.resize(static_cast<size_t>(n));
  float b0 = mn;
  for (int iter = 0; iter < 3; ++iter) {
    float range = 0.0f;
    for (int i = 0; i < n; ++i) range = std::max(range, x[i] - b0);
    if (!(range > 0.0f)) break;
    const float id_lo = static_cast<float>(nmax) * (1.0f - reach) / range;
    const float id_hi = static_cast<float>(nmax) * (1.0f + reach) / range;
    std::vector<Event>& events = event_buffer();
    double sq = 0.0, sqq = 0.0, sxq = 0.0;
    auto level_at = [nmax](float v) {
      const float r = std::nearbyint(v);
      return r > 0.0f ? (r < static_cast<float>(nmax) ? static_cast<int>(r) : nmax) : 0;
    };
    for (int i = 0; i < n; ++i) {
      const float y = x[i] - b0;
      const int q0 = level_at(y * id_lo), q1 = level_at(y * id_hi);
      cur[static_cast<size_t>(i)] = static_cast<uint8_t>(q0);
      sq += static_cast<double>(w[i]) * q0;
      sqq += static_cast<double>(w[i]) * q0 * q0;
      sxq += static_cast<double>(w[i]) * x[i] * q0;
      for (int k = q0; k < q1; ++k) {
        events.push_back({(static_cast<float>(k) + 0.5f) / y, static_cast<int16_t>(i), 1});
      }
    }
    std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.id < b.id; });
    const double prev_err = best.err;
    auto consider = [&]() {
      const double det = sw * sqq - sq * sq;
      if (det <= 0.0) return;
      double d = (sw * sxq - sq * sx) / det;
      double b = (sqq * sx - sq * sxq) / det;
      double err;
      if (nonpositive_offset && b > 0.0) {
        b = 0.0;
        d = sxq / sqq;
        err = sxx - sxq * sxq / sqq;
      } else {
        err = sxx - d * sxq - b * sx;
      }
      if (d > 0.0 && err < best.err) {
        best.err = err;
        best.d = static_cast<float>(d);
        best.b = static_cast<float>(b);
      }
    };
    consider();
    for (const Event& e : events) {
      const size_t i = static_cast<size_t>(e.i);
      const int q = cur[i];
      cur[i] = static_cast<uint8_t>(q + 1);
      sq += w[i];
      sqq += static_cast<double>(w[i]) * (2 * q + 1);
      sxq += static_cast<double>(w[i]) * x[i];
      consider();
    }
    // Re-center on the fitted offset: elements below it now clamp to level 0, which changes
    // which assignments the next sweep visits.
    if (best.err >= prev_err && iter > 0) break;
    b0 = best.b;
  }
  return best;
}

}  // namespace edgellm::quant::detail

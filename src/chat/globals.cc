// Template globals: range, namespace, dict, raise_exception and strftime_now (whose date can be
// fixed by RenderOptions::strftime_date or EDGELLM_STRFTIME_NOW for reproducible renders).
#include <cstdlib>
#include <ctime>

#include "chat/interp.h"

namespace edgellm::chat {
namespace {

Result<std::tm> now_tm(const RenderOptions& opt) {
  std::string fixed = opt.strftime_date;
  if (fixed.empty()) {
    if (const char* env = std::getenv("EDGELLM_STRFTIME_NOW")) fixed = env;
  }
  std::tm tm{};
  if (fixed.empty()) {
    const std::time_t t = std::time(nullptr);
    localtime_r(&t, &tm);
    return tm;
  }
  int y = 0, m = 0, d = 0;
  if (std::sscanf(fixed.c_str(), "%d-%d-%d", &y, &m, &d) != 3 || m < 1 || m > 12 || d < 1 ||
      d > 31) {
    return Status(ErrorCode::kInvalidArgument, "strftime date '" + fixed + "' is not YYYY-MM-DD");
  }
  tm.tm_year = y - 1900;
  tm.tm_mon = m - 1;
  tm.tm_mday = d;
  tm.tm_hour = 0;
  tm.tm_isdst = -1;
  std::tm copy = tm;
  std::mktime(&copy);  // fills in the weekday and day of the year
  tm.tm_wday = copy.tm_wday;
  tm.tm_yday = copy.tm_yday;
  return tm;
}

}  // namespace

void add_globals(Interp& in, Scope* root) {
  Interp* ip = &in;
  root->set(
      "range", Value::callable("range", [ip](const CallArgs& a) -> Result<Value> {
        for (const auto& v : a.pos) {
          if (!v.is_int() && !v.is_bool()) {
            return type_error("'" + type_name(v) + "' object cannot be interpreted as an integer");
          }
        }
        int64_t start = 0, stop = 0, step = 1;
        if (a.pos.size() == 1) {
          stop = a.pos[0].as_int();
        } else if (a.pos.size() == 2 || a.pos.size() == 3) {
          start = a.pos[0].as_int();
          stop = a.pos[1].as_int();
          if (a.pos.size() == 3) step = a.pos[2].as_int();
        } else {
          return type_error("range expected 1 to 3 arguments");
        }
        if (step == 0)
          return Status(ErrorCode::kInvalidArgument, "ValueError: range() arg 3 must not be zero");
        const double count = std::max(0.0, std::ceil((static_cast<double>(stop) - start) / step));
        EDGELLM_RETURN_IF_ERROR(ip->count_iterations(static_cast<size_t>(std::min(count, 1e18))));
        std::vector<Value> items;
        for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step)
          items.push_back(Value::integer(i));
        return Value::list(std::move(items));
      }));
  auto make_mapping = [](bool ns) {
    return [ns](const CallArgs& a) -> Result<Value> {
      Value d = ns ? Value::namespace_() : Value::dict();
      if (!a.pos.empty()) {
        if (a.pos[0].is_mapping()) {
          d.dict_obj().items = a.pos[0].dict_obj().items;
        } else {
          EDGELLM_ASSIGN_OR_RETURN(std::vector<Value> pairs, iterate(a.pos[0]));
          for (const auto& p : pairs) {
            EDGELLM_ASSIGN_OR_RETURN(std::vector<Value> kv, iterate(p));
            if (kv.size() != 2)
              return Status(ErrorCode::kInvalidArgument,
                            "ValueError: dictionary update sequence element has wrong length");
            d.dict_obj().set(kv[0], kv[1]);
          }
        }
      }
      for (const auto& kv : a.kw) d.dict_obj().set(Value::string(kv.first), kv.second);
      return d;
    };
  };
  root->set("namespace", Value::callable("namespace", make_mapping(true)));
  root->set("dict", Value::callable("dict", make_mapping(false)));
  root->set("raise_exception",
            Value::callable("raise_exception", [](const CallArgs& a) -> Result<Value> {
              const Value* m = arg(a, 0, "message");
              return Status(ErrorCode::kInvalidArgument,
                            m ? to_str(*m) : std::string("raise_exception called"));
            }));
  root->set("strftime_now",
            Value::callable("strftime_now", [ip](const CallArgs& a) -> Result<Value> {
              const Value* f = arg(a, 0, "format");
              if (f == nullptr || !f->is_string())
                return type_error("strftime_now() needs a format string");
              EDGELLM_ASSIGN_OR_RETURN(std::tm tm, now_tm(ip->options()));
              char buf[512];
              const size_t n = std::strftime(buf, sizeof(buf), f->str().c_str(), &tm);
              if (n == 0 && !f->str().empty())
                return Status(ErrorCode::kInvalidArgument, "strftime_now: result too long");
              return Value::string(std::string(buf, n));
            }));
}

}  // namespace edgellm::chat

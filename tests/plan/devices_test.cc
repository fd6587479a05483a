// Device profiles: the built-in table, the user's JSON file (overrides, additions) and the errors
// for malformed files, which name the file and the field.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "common/testdata.h"
#include "plan/devices.h"

namespace edgellm::plan {
namespace {

// Sets an environment variable for one test and restores it afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old, had_ = true;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (had_) {
      ::setenv(name_, old_.c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

TEST(Devices, BuiltinProfilesAreComplete) {
  const char* names[] = {"mobile-4gb", "mobile-8gb",       "edge-16gb",       "edge-24gb",
                         "rpi5-8gb",   "jetson-orin-32gb", "jetson-orin-64gb"};
  for (const char* n : names) {
    Result<DeviceProfile> d = find_device(builtin_devices(), n);
    ASSERT_TRUE(d.ok()) << n;
    EXPECT_GT(d->os_reserved_bytes, 0u) << n;
    EXPECT_LT(d->usable_bytes(), d->memory_bytes) << n;
    EXPECT_GT(d->usable_bytes(), d->memory_bytes / 2) << n;
    EXPECT_GT(d->cores, 0) << n;
    EXPECT_GT(d->bandwidth_gbps, 0) << n;
    EXPECT_FALSE(d->description.empty()) << n;
  }
  EXPECT_EQ(find_device(builtin_devices(), "RPI5-8GB")->cores, 4);
  Result<DeviceProfile> missing = find_device(builtin_devices(), "toaster");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("rpi5-8gb"), std::string::npos);
}

TEST(Devices, ParsesUserFile) {
  Result<std::vector<DeviceProfile>> d = parse_devices_json(
      R"({"devices": [{"name": "board", "memory": "8GiB", "os_reserved": "1GiB", "cores": 6,
                       "bandwidth_gbps": 12.5, "description": "my board"},
                      {"name": "tiny", "memory": 268435456}]})",
      "devices.json");
  ASSERT_TRUE(d.ok()) << d.status().message();
  ASSERT_EQ(d->size(), 2u);
  EXPECT_EQ((*d)[0].usable_bytes(), 7ull << 30);
  EXPECT_EQ((*d)[0].cores, 6);
  EXPECT_DOUBLE_EQ((*d)[0].bandwidth_gbps, 12.5);
  EXPECT_EQ((*d)[0].source, "devices.json");
  EXPECT_EQ((*d)[1].usable_bytes(), 256ull << 20);
  EXPECT_EQ((*d)[1].cores, 4);
  // A top-level array works too.
  EXPECT_TRUE(parse_devices_json(R"([{"name": "x", "memory": "1G"}])", "a.json").ok());
}

TEST(Devices, MalformedFilesNameFileAndField) {
  struct Case {
    const char* json;
    const char* expected;
  };
  const Case cases[] = {
      {"{", "d.json: not valid JSON"},
      {R"({"boards": []})", "d.json: missing field \"devices\""},
      {R"({"devices": {}})", "d.json: devices: expected an array"},
      {R"({"devices": [{"memory": "1G"}]})", "d.json: devices[0].name"},
      {R"({"devices": [{"name": "a", "memory": "1G"}, {"name": "b"}]})",
       "d.json: devices[1].memory: missing"},
      {R"({"devices": [{"name": "a", "memory": "lots"}]})", "d.json: devices[0].memory: 'lots'"},
      {R"({"devices": [{"name": "a", "memory": true}]})", "d.json: devices[0].memory: expected"},
      {R"({"devices": [{"name": "a", "memory": "1G", "os_reserved": "2G"}]})",
       "d.json: devices[0].os_reserved: must be less"},
      {R"({"devices": [{"name": "a", "memory": "1G", "cores": 0}]})", "d.json: devices[0].cores"},
      {R"({"devices": [{"name": "a", "memory": "1G", "bandwidth_gbps": "fast"}]})",
       "d.json: devices[0].bandwidth_gbps"},
  };
  for (const Case& c : cases) {
    Result<std::vector<DeviceProfile>> r = parse_devices_json(c.json, "d.json");
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(c.expected), std::string::npos)
        << c.json << " -> " << r.status().message();
  }
}

TEST(Devices, EnvironmentFileAddsAndOverrides) {
  testing::TempDir dir;
  const std::string path = dir.file("devices.json");
  write(path, R"({"devices": [{"name": "rpi5-8gb", "memory": "8GiB", "os_reserved": "2GiB",
                               "cores": 4},
                              {"name": "lab-box", "memory": "32GiB", "cores": 16}]})");
  ScopedEnv env("EDGELLM_DEVICES", path);
  EXPECT_EQ(devices_file_path(), path);
  Result<std::vector<DeviceProfile>> all = all_devices();
  ASSERT_TRUE(all.ok()) << all.status().message();
  EXPECT_EQ(find_device(*all, "rpi5-8gb")->usable_bytes(), 6ull << 30);
  EXPECT_EQ(find_device(*all, "rpi5-8gb")->source, path);
  EXPECT_EQ(find_device(*all, "lab-box")->cores, 16);
  EXPECT_TRUE(find_device(*all, "edge-16gb").ok());

  write(path, R"({"devices": [{"name": "x", "memory": "-3G"}]})");
  Result<std::vector<DeviceProfile>> bad = all_devices();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(path + ": devices[0].memory"), std::string::npos)
      << bad.status().message();
}

TEST(Devices, MissingEnvironmentFileIsAnError) {
  ScopedEnv env("EDGELLM_DEVICES", "/nonexistent/devices.json");
  Result<std::vector<DeviceProfile>> r = all_devices();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("/nonexistent/devices.json"), std::string::npos);
}

}  // namespace
}  // namespace edgellm::plan

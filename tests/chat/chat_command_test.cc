// End-to-end tests of `edgellm chat` on kjv-chat-7m, a small real chat model whose reference
// replies at temperature 0 are listed in the shared README: one-shot (-p), piped (one message per
// line) and the REPL driven through a pseudo-terminal, plus history truncation and errors.
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/testdata.h"

namespace edgellm::testing {
namespace {

const char* kKjv = "models/kjv-chat-7m-f16.gguf";

#define REQUIRE_KJV()                                                                 \
  do {                                                                                \
    EDGELLM_REQUIRE_BINARY();                                                         \
    EDGELLM_REQUIRE_FILE(testdata_path(kKjv));                                        \
  } while (0)

CommandResult chat(std::vector<std::string> args, const std::string& input = "") {
  args.insert(args.begin(), {edgellm_bin(), "chat", "-m", testdata_path(kKjv), "--temp", "0"});
  return run_command(args, input);
}

// The reference implementation's greedy replies (shared README); the Ge1:2 one was cut off by
// the reference's token limit, so it is compared as a prefix.
struct Reply {
  const char* message;
  const char* reply;
  bool prefix;
};
const Reply kReplies[] = {
    {"Recite Ge1:1",
     "And God said, Let there be lights in the firmament of the heaven to divide the day from the "
     "night; and let them be for signs, and for seasons, and for days, and years:",
     false},
    {"Recite Ge1:13", "And the evening and the morning were the third day.", false},
    {"Recite Ge1:19", "And the evening and the morning were the third day.", false},
    {"Recite Ge1:2",
     "And God said, Let us make man in our image, after our likeness: and let them have dominion "
     "over the fish of the sea, and over the fowl of the air, and over the cattle, and over the "
     "cattle, and over the fowl of the air, and over every creeping thing that cre",
     true},
    {"Recite Ge2:1",
     "And he said, Let us make us a firmament in the midst of the waters, and let us make the "
     "waters in the midst of the waters.",
     false},
};

TEST(ChatCommand, OneShotRepliesMatchTheReference) {
  REQUIRE_KJV();
  for (const Reply& r : kReplies) {
    CommandResult res = chat({"-p", r.message});
    ASSERT_EQ(res.exit_code, 0) << res.err;
    ASSERT_FALSE(res.out.empty());
    const std::string got = res.out.substr(0, res.out.size() - 1);  // the final newline
    if (r.prefix) {
      EXPECT_EQ(got.rfind(r.reply, 0), 0u) << r.message << ": " << got;
    } else {
      EXPECT_EQ(got, r.reply) << r.message;
    }
  }
}

TEST(ChatCommand, PipedStdinGivesOneReplyPerLine) {
  REQUIRE_KJV();
  CommandResult res = chat({}, "Recite Ge1:13\nRecite Ge2:1\n");
  ASSERT_EQ(res.exit_code, 0) << res.err;
  std::istringstream lines(res.out);
  std::string first, second, extra;
  ASSERT_TRUE(std::getline(lines, first));
  ASSERT_TRUE(std::getline(lines, second));
  EXPECT_FALSE(std::getline(lines, extra)) << extra;
  EXPECT_EQ(first, "And the evening and the morning were the third day.");
  EXPECT_FALSE(second.empty());
}

TEST(ChatCommand, HistoryThatNoLongerFitsDropsOldTurnsWithANotice) {
  REQUIRE_KJV();
  std::string input;
  for (int i = 1; i <= 6; ++i) input += "Recite Ge1:" + std::to_string(i) + "\n";
  CommandResult res = chat({"-c", "160", "-n", "24", "--system", "You recite scripture."}, input);
  ASSERT_EQ(res.exit_code, 0) << res.err;
  EXPECT_NE(res.err.find("dropped the"), std::string::npos) << res.err;
  EXPECT_NE(res.err.find("kept the system prompt"), std::string::npos) << res.err;
  // A single message longer than the context is an error for that message.
  std::string huge = "Recite";
  for (int i = 0; i < 200; ++i) huge += " Ge1:1";
  CommandResult big = chat({"-c", "128", "-p", huge});
  EXPECT_EQ(big.exit_code, 1);
  EXPECT_NE(big.err.find("raise it with -c"), std::string::npos) << big.err;
}

TEST(ChatCommand, TemplateErrorsAndMissingTemplatesAreClear) {
  REQUIRE_KJV();
  EDGELLM_REQUIRE_FILE(testdata_path("models/stories260K.gguf"));
  CommandResult none = run_command({edgellm_bin(), "chat", "-m",
                                    testdata_path("models/stories260K.gguf"), "-p", "hi"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("no chat template"), std::string::npos) << none.err;
  TempDir dir;
  // A template of another family (not from shared data): the model still answers, and a template
  // that raises reaches the user as an error.
  {
    std::ofstream(dir.file("inst.jinja"))
        << "{% for m in messages %}{% if m.role == 'user' %}[INST] {{ m.content }} [/INST]"
           "{% else %}{{ m.content }}{% endif %}{% endfor %}";
    std::ofstream(dir.file("raise.jinja"))
        << "{% if messages|length > 0 %}{{ raise_exception('only system messages') }}{% endif %}";
  }
  CommandResult inst = chat({"--chat-template-file", dir.file("inst.jinja"), "-n", "8", "-p", "Hi"});
  EXPECT_EQ(inst.exit_code, 0) << inst.err;
  CommandResult raise = chat({"--chat-template-file", dir.file("raise.jinja"), "-p", "Hi"});
  EXPECT_EQ(raise.exit_code, 1);
  EXPECT_NE(raise.err.find("only system messages"), std::string::npos) << raise.err;
}

// Reads from the pty until `needle` appears in the accumulated output or the time runs out.
bool read_until(int fd, std::string& acc, const std::string& needle, int timeout_ms) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (acc.find(needle) == std::string::npos) {
    const int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          end - std::chrono::steady_clock::now())
                                          .count());
    if (left <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, left) <= 0) continue;
    char buf[4096];
    const ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0) return acc.find(needle) != std::string::npos;
    acc.append(buf, static_cast<size_t>(n));
  }
  return true;
}

TEST(ChatCommand, ReplOnATerminalStreamsRepliesAndTakesCommands) {
  REQUIRE_KJV();
  TempDir dir;
  const std::string bin = edgellm_bin(), model = testdata_path(kKjv);
  int fd = -1;
  const pid_t pid = forkpty(&fd, nullptr, nullptr, nullptr);
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    execl(bin.c_str(), bin.c_str(), "chat", "-m", model.c_str(), "--temp", "0", "-t", "1",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  std::string out;
  ASSERT_TRUE(read_until(fd, out, "> ", 30000)) << out;
  const std::string msg = "Recite Ge1:13\r";
  ASSERT_EQ(write(fd, msg.data(), msg.size()), static_cast<ssize_t>(msg.size()));
  EXPECT_TRUE(read_until(fd, out, "the third day.", 60000)) << out;
  const std::string save = "/save " + dir.file("chat.json") + "\r";
  ASSERT_GT(write(fd, save.data(), save.size()), 0);
  EXPECT_TRUE(read_until(fd, out, "saved", 30000)) << out;
  ASSERT_GT(write(fd, "/stats\r", 7), 0);
  EXPECT_TRUE(read_until(fd, out, "turns: 1", 30000)) << out;
  ASSERT_GT(write(fd, "/reset\r", 7), 0);
  EXPECT_TRUE(read_until(fd, out, "conversation reset", 30000)) << out;
  // Ctrl-C at the prompt does not leave: the next message still gets its reply.
  ASSERT_GT(write(fd, "\x03", 1), 0);
  usleep(200000);
  ASSERT_EQ(write(fd, msg.data(), msg.size()), static_cast<ssize_t>(msg.size()));
  std::string after;
  EXPECT_TRUE(read_until(fd, after, "the third day.", 60000)) << out << after;
  out += after;
  ASSERT_GT(write(fd, "\x04", 1), 0);  // Ctrl-D leaves
  int status = 0;
  for (int i = 0; i < 100 && waitpid(pid, &status, WNOHANG) == 0; ++i) usleep(100000);
  if (waitpid(pid, &status, WNOHANG) == 0 && !WIFEXITED(status)) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    FAIL() << "chat did not leave on Ctrl-D: " << out;
  }
  close(fd);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out;
  const auto saved = nlohmann::json::parse(read_file_or_die(dir.file("chat.json")));
  ASSERT_EQ(saved["messages"].size(), 2u);  // saved before /reset
  EXPECT_EQ(saved["messages"][1]["content"], "And the evening and the morning were the third day.");
}

}  // namespace
}  // namespace edgellm::testing

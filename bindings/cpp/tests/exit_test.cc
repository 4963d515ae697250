// A C++ process that returns from main, or calls std::exit, while its threads
// are inside libuid2 calls exits promptly and cleanly (exit code 0, no
// signal). The host is a program of its own (exit/busy_main.cc): a forked
// child of this test would be refused, as the library is loaded here.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

extern char** environ;

namespace {

// Runs the host in `mode`; its exit code, or minus the signal that ended it.
// A host still running after 30 s is killed: a hang fails the test.
int RunHost(const std::string& mode) {
  const std::string path = uid2test::Env("UID2_CPP_EXIT_HOST");
  std::vector<char*> argv{const_cast<char*>(path.c_str()), const_cast<char*>(mode.c_str()),
                          nullptr};
  pid_t pid = 0;
  if (::posix_spawn(&pid, path.c_str(), nullptr, nullptr, argv.data(), environ) != 0) {
    ADD_FAILURE() << "cannot start " << path;
    return -1000;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  int st = 0;
  while (::waitpid(pid, &st, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &st, 0);
      ADD_FAILURE() << "the host (" << mode << ") hung at exit";
      return -SIGKILL;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
}

TEST(Exit, ReturnFromMainWhileThreadsAreInsideCalls) { EXPECT_EQ(RunHost("return"), 0); }

TEST(Exit, StdExitWhileThreadsAreInsideCalls) { EXPECT_EQ(RunHost("exit"), 0); }

}  // namespace

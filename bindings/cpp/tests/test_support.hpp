// Test-only helpers for the C++ binding tests: key JSON fixtures, a
// decrypt load and a program runner. No token or crypto logic: keys are plain JSON. (The local key
// service is tests/keyservice/key_service.hpp.)
#ifndef UID2_CPP_TEST_SUPPORT_HPP
#define UID2_CPP_TEST_SUPPORT_HPP

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <thread>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <uid2/uid2.hpp>

extern char** environ;

namespace uid2test {

inline std::int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

// Base64 of 32 fixed bytes each (AES-256 keys for the fixtures).
constexpr const char* kMasterSecret = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
constexpr const char* kSiteSecret = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";
constexpr const char* kOtherSiteSecret = "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=";
constexpr const char* kNewSiteSecret = "YGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn8=";
// Base64 of 32 bytes: the client secret of the key service fixtures.
constexpr const char* kClientSecret = "ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=";
constexpr const char* kApiKey = "test-api-key";

constexpr int kCallerSiteId = 999;
constexpr std::int64_t kMasterKeysetId = 9999999;
constexpr std::int64_t kDefaultKeysetId = 99999;
constexpr std::int64_t kMasterKeyId = 101;
constexpr std::int64_t kSiteKeyId = 102;
constexpr std::int64_t kOtherSiteKeyId = 103;  // another keyset; decrypt-only
constexpr std::int64_t kNewSiteKeyId = 104;

// Raw UIDs (base64 text of 32 or 33 bytes, as the operator makes them).
constexpr const char* kRawUid1 = "ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=";
constexpr const char* kRawUid2 = "AKCoB2wKYiX9k+dbIw6sIUHwGF4a6qPq4xKbXnV3qIQt";

struct KeyFixture {
  std::int64_t id;
  std::int64_t keysetId;  // 0: no keyset_id field
  std::int64_t activatesSec;
  std::int64_t expiresSec;
  const char* secret;
};

inline std::string KeyJson(const KeyFixture& k) {
  std::string s = "{\"id\":" + std::to_string(k.id);
  if (k.keysetId != 0) s += ",\"keyset_id\":" + std::to_string(k.keysetId);
  s += ",\"created\":" + std::to_string(k.activatesSec) +
       ",\"activates\":" + std::to_string(k.activatesSec) +
       ",\"expires\":" + std::to_string(k.expiresSec) + ",\"secret\":\"" + k.secret + "\"}";
  return s;
}

// The keys of a /v2/key/sharing response for site kCallerSiteId: a master
// key, a site key in the default keyset, and another site's key.
inline std::vector<KeyFixture> DefaultKeys(std::int64_t nowSec) {
  const std::int64_t from = nowSec - 86400, to = nowSec + 365 * 86400;
  return {{kMasterKeyId, kMasterKeysetId, from, to, kMasterSecret},
          {kSiteKeyId, kDefaultKeysetId, from, to, kSiteSecret},
          {kOtherSiteKeyId, 0, from, to, kOtherSiteSecret}};
}

inline std::string SharingKeysJson(const std::vector<KeyFixture>& keys,
                                   const char* scope = "UID2",
                                   std::int64_t tokenExpirySec = 2592000) {
  std::string s = "{\"body\":{\"caller_site_id\":" + std::to_string(kCallerSiteId) +
                  ",\"master_keyset_id\":" + std::to_string(kMasterKeysetId) +
                  ",\"default_keyset_id\":" + std::to_string(kDefaultKeysetId) +
                  ",\"token_expiry_seconds\":\"" + std::to_string(tokenExpirySec) +
                  "\",\"identity_scope\":\"" + scope +
                  "\",\"allow_clock_skew_seconds\":1800,\"keys\":[";
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (i) s += ',';
    s += KeyJson(keys[i]);
  }
  s += "]},\"status\":\"success\"}";
  return s;
}

inline std::string SharingKeysJson(std::int64_t nowSec, const char* scope = "UID2") {
  return SharingKeysJson(DefaultKeys(nowSec), scope);
}

// A /v2/key/bidstream body with the same keys (no keyset ids).
inline std::string BidstreamKeysJson(std::int64_t nowSec) {
  std::string s =
      "{\"body\":{\"identity_scope\":\"UID2\",\"allow_clock_skew_seconds\":1800,"
      "\"max_bidstream_lifetime_seconds\":2592010,\"site_data\":[{\"id\":" +
      std::to_string(kCallerSiteId) + ",\"domain_names\":[\"example.com\"]}],\"keys\":[";
  bool first = true;
  for (KeyFixture k : DefaultKeys(nowSec)) {
    k.keysetId = 0;
    if (!first) s += ',';
    first = false;
    s += KeyJson(k);
  }
  s += "]},\"status\":\"success\"}";
  return s;
}

struct LoadResult {
  long calls = 0;  // single decrypts
  long bad = 0;    // wrong results
};

// Runs 8 threads that decrypt tokens[i] and check they give raws[i] (every
// 16th iteration also as a batch, and with encryptToo an encrypt round trip)
// for `duration`, while `background` runs in another thread until its stop
// flag is set (e.g. refreshing keys).
inline LoadResult RunDecryptLoad(const uid2::SharingClient& c,
                                 const std::vector<std::string>& tokens,
                                 const std::vector<std::string>& raws,
                                 std::chrono::milliseconds duration, bool encryptToo,
                                 const std::function<void(const std::atomic<bool>&)>& background) {
  std::atomic<bool> stop{false};
  std::atomic<long> calls{0}, bad{0};
  std::thread bg([&] { background(stop); });
  std::vector<std::thread> workers;
  for (int t = 0; t < 8; ++t) {
    workers.emplace_back([&, t] {
      long n = 0;
      while (!stop.load()) {
        const std::size_t i = static_cast<std::size_t>(n + t) % tokens.size();
        if (c.DecryptTokenIntoRawUid(tokens[i]).GetUid() != raws[i]) bad++;
        if (n % 16 == 0) {
          const auto rs = c.DecryptTokensIntoRawUids(tokens);
          for (std::size_t k = 0; k < rs.size(); ++k)
            if (rs[k].GetUid() != raws[k]) bad++;
          if (encryptToo) {
            const auto e = c.EncryptRawUidIntoToken(raws[i]);
            if (!e.IsSuccess() ||
                c.DecryptTokenIntoRawUid(e.GetEncryptedData()).GetUid() != raws[i])
              bad++;
          }
        }
        ++n;
      }
      calls += n;
    });
  }
  std::this_thread::sleep_for(duration);
  stop = true;
  for (auto& w : workers) w.join();
  bg.join();
  return {calls.load(), bad.load()};
}

// What a program run by RunProgram did.
struct ProgramRun {
  int exitCode = -1000;  // its exit code, minus the signal that ended it, or -1000
  std::string out;       // its standard output and error
};

// Runs path with `env` added to this process's environment (credentials go
// there, not on a command line), its output into a file under TEST_TMPDIR. A
// program still running after `limit` is killed.
inline ProgramRun RunProgram(const std::string& path, const std::vector<std::string>& env,
                             std::chrono::seconds limit = std::chrono::seconds(60)) {
  ProgramRun run;
  const std::string tmp = Env("TEST_TMPDIR").empty() ? "/tmp" : Env("TEST_TMPDIR");
  std::string outPath = tmp + "/program-out.XXXXXX";
  const int fd = ::mkstemp(&outPath[0]);
  if (fd < 0) return run;
  ::close(fd);
  std::vector<std::string> envStrings(env);
  for (char** e = environ; *e != nullptr; ++e) envStrings.push_back(*e);
  std::vector<char*> envp, argv{const_cast<char*>(path.c_str()), nullptr};
  for (auto& e : envStrings) envp.push_back(&e[0]);
  envp.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, outPath.c_str(), O_WRONLY | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, path.c_str(), &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc == 0) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    int st = 0;
    while (::waitpid(pid, &st, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) ::kill(pid, SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    run.exitCode = WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
  }
  std::ifstream f(outPath);
  std::stringstream ss;
  ss << f.rdbuf();
  run.out = ss.str();
  ::unlink(outPath.c_str());
  return run;
}

}  // namespace uid2test

#endif  // UID2_CPP_TEST_SUPPORT_HPP

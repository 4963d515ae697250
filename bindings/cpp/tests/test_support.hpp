// Test-only helpers for the C++ binding tests: key JSON fixtures, the local
// key service (uid2-testserver) as a child process, and a minimal HTTP POST
// for its /test controls. No token or crypto logic: keys are plain JSON.
#ifndef UID2_CPP_TEST_SUPPORT_HPP
#define UID2_CPP_TEST_SUPPORT_HPP

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
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

inline void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  if (!f) throw std::runtime_error("cannot write " + path);
}

// POST path on http://127.0.0.1:port with a body; returns the HTTP status
// code, or -1 on a connection error.
inline int HttpPost(const std::string& baseUrl, const std::string& path,
                    const std::string& body = std::string()) {
  const std::string prefix = "http://127.0.0.1:";
  if (baseUrl.compare(0, prefix.size(), prefix) != 0) return -1;
  const int port = std::atoi(baseUrl.c_str() + prefix.size());
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  const std::string req = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                          "Content-Type: application/json\r\nConnection: close\r\n" +
                          "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
                          body;
  std::size_t off = 0;
  while (off < req.size()) {
    const ssize_t n = ::write(fd, req.data() + off, req.size() - off);
    if (n <= 0) {
      ::close(fd);
      return -1;
    }
    off += static_cast<std::size_t>(n);
  }
  std::string resp;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) resp.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  // "HTTP/1.1 200 OK"
  if (resp.size() < 12 || resp.compare(0, 5, "HTTP/") != 0) return -1;
  return std::atoi(resp.c_str() + 9);
}

// The local key service as a child process (posix_spawn: nothing runs in
// the child before exec, so this is safe after libuid2's Go runtime started).
class TestServer {
 public:
  // binary: path of uid2-testserver; keysJson: the keys it serves first.
  TestServer(const std::string& binary, const std::string& keysJson) {
    std::string base = Env("TEST_TMPDIR");
    if (base.empty()) base = Env("TMPDIR");
    if (base.empty()) base = "/tmp";
    std::string dir = base + "/uid2-cpp-test.XXXXXX";
    if (!::mkdtemp(dir.data())) throw std::runtime_error("mkdtemp failed in " + base);
    dir_ = dir;
    keysFile_ = dir_ + "/keys.json";
    WriteFile(keysFile_, keysJson);
    // Its stdout goes to a file (a closed pipe would kill it with SIGPIPE).
    outFile_ = dir_ + "/stdout";
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, outFile_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    std::vector<std::string> args = {binary,      "--keys",   keysFile_,
                                     "--api-key", kApiKey,    "--secret",
                                     kClientSecret, "--listen", "127.0.0.1:0"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = ::posix_spawn(&pid_, binary.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
      pid_ = -1;
      Stop();
      throw std::runtime_error("cannot start " + binary + ": " + std::strerror(rc));
    }
    // The first line of stdout is the base URL.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      std::ifstream f(outFile_);
      std::string line;
      if (std::getline(f, line) && !f.eof()) {
        url_ = line;
        break;
      }
      int st;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      ::usleep(20000);
    }
    while (!url_.empty() && (url_.back() == '\r' || url_.back() == ' ')) url_.pop_back();
    if (url_.compare(0, 7, "http://") != 0) {
      Stop();
      throw std::runtime_error("uid2-testserver printed no URL (got '" + url_ + "')");
    }
  }
  ~TestServer() { Stop(); }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  const std::string& Url() const { return url_; }
  int SetKeys(const std::string& keysJson) const { return HttpPost(url_, "/test/keys", keysJson); }
  int SetFailure(const std::string& mode) const {
    return HttpPost(url_, "/test/fail?mode=" + mode);
  }

 private:
  void Stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int st;
      ::waitpid(pid_, &st, 0);
      pid_ = -1;
    }
    if (!keysFile_.empty()) ::unlink(keysFile_.c_str());
    if (!outFile_.empty()) ::unlink(outFile_.c_str());
    if (!dir_.empty()) ::rmdir(dir_.c_str());
  }
  pid_t pid_ = -1;
  std::string dir_, keysFile_, outFile_, url_;
};

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

}  // namespace uid2test

#endif  // UID2_CPP_TEST_SUPPORT_HPP

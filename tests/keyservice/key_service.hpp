// Test-only, for the C ABI and C++ binding tests: the local key service
// `uid2 serve --memory --faults` (the uid2 command named by UID2_CLI) as a
// child process on a loopback port, driven through its admin API (JSON over
// HTTP, go/keyservice/admin.go). Its sharing tokens last 72 h, the
// bidstream's maximum, so that a bidstream client accepts them too.
// POSIX; nlohmann-json (a test-only Debian header).
#ifndef UID2_TESTS_KEY_SERVICE_HPP
#define UID2_TESTS_KEY_SERVICE_HPP

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace uid2test {

struct HttpResponse {
  int status = -1;  // -1: no connection or no HTTP answer
  std::string body;
};

// One HTTP request to baseUrl (http://127.0.0.1:PORT); headers are
// whole lines, each ending in \r\n.
inline HttpResponse HttpRequest(const std::string& baseUrl, const std::string& method,
                                const std::string& path, const std::string& headers = "",
                                const std::string& body = "") {
  HttpResponse out;
  const std::string prefix = "http://127.0.0.1:";
  if (baseUrl.compare(0, prefix.size(), prefix) != 0) return out;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return out;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(std::atoi(baseUrl.c_str() + prefix.size())));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return out;
  }
  // HTTP/1.0: the answer is never chunked, and the connection closes after it.
  const std::string req = method + " " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n" + headers +
                          "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  std::size_t off = 0;
  while (off < req.size()) {
    const ssize_t n = ::write(fd, req.data() + off, req.size() - off);
    if (n <= 0) {
      ::close(fd);
      return out;
    }
    off += static_cast<std::size_t>(n);
  }
  std::string resp;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) resp.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  // "HTTP/1.0 200 OK\r\n...\r\n\r\nbody"
  const std::size_t end = resp.find("\r\n\r\n");
  if (resp.compare(0, 5, "HTTP/") != 0 || end == std::string::npos) return out;
  out.status = std::atoi(resp.c_str() + 9);
  out.body = resp.substr(end + 4);
  return out;
}

// A site of the key service and one API key of it.
struct Participant {
  int siteId = 0;
  std::string apiKey, secret;
};

class KeyService {
 public:
  KeyService() {
    const char* bin = std::getenv("UID2_CLI");
    if (bin == nullptr || *bin == '\0') throw std::runtime_error("UID2_CLI (the uid2 command) is not set");
    std::random_device rd;
    for (int i = 0; i < 32; ++i) adminToken_ += "0123456789abcdef"[rd() % 16];
    const char* tmp = std::getenv("TEST_TMPDIR");
    std::string dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/uid2-key-service.XXXXXX";
    if (!::mkdtemp(dir.data())) throw std::runtime_error("mkdtemp failed: " + dir);
    dir_ = dir;
    // Its stdout goes to a file (a closed pipe would kill it with SIGPIPE).
    outFile_ = dir_ + "/stdout";
    std::vector<std::string> args = {bin, "serve", "--memory", "--faults", "--listen", "127.0.0.1:0",
                                     "--token-expiry", "72h", "--until-stdin-closes"};
    std::vector<std::string> env = {"UID2_ADMIN_TOKEN=" + adminToken_};
    for (char** e = environ; *e; ++e)
      if (std::strncmp(*e, "UID2_ADMIN_TOKEN=", 17) != 0) env.push_back(*e);
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    for (auto& e : env) envp.push_back(e.data());
    argv.push_back(nullptr);
    envp.push_back(nullptr);
    // Its stdin is a pipe whose write end only this process holds: if the
    // test dies without Stop(), the service sees EOF and ends too.
    int lifeline[2];
    if (::pipe2(lifeline, O_CLOEXEC) != 0) {
      Stop();
      throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
    }
    lifeline_ = lifeline[1];
    // posix_spawn: nothing runs in the child before exec, so this is safe
    // after libuid2's Go runtime started.
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, lifeline[0], 0);
    posix_spawn_file_actions_addopen(&fa, 1, outFile_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int rc = ::posix_spawn(&pid_, bin, &fa, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    ::close(lifeline[0]);
    if (rc != 0) {
      pid_ = -1;
      Stop();
      throw std::runtime_error(std::string("cannot start ") + bin + ": " + std::strerror(rc));
    }
    // The first line of its stdout is the base URL.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (url_.empty() && std::chrono::steady_clock::now() < deadline) {
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
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (url_.compare(0, 7, "http://") != 0) {
      Stop();
      throw std::runtime_error("uid2 serve printed no URL (got '" + url_ + "')");
    }
  }
  ~KeyService() { Stop(); }
  KeyService(const KeyService&) = delete;
  KeyService& operator=(const KeyService&) = delete;

  const std::string& Url() const { return url_; }

  // One admin call: the JSON answer; throws with the service's error.
  nlohmann::json Admin(const std::string& method, const std::string& path,
                       const nlohmann::json& body = nullptr) const {
    const HttpResponse r =
        HttpRequest(url_, method, "/admin/v1" + path,
                    "Authorization: Bearer " + adminToken_ + "\r\nContent-Type: application/json\r\n",
                    body.is_null() ? "" : body.dump());
    if (r.status / 100 != 2)
      throw std::runtime_error(method + " " + path + ": HTTP " + std::to_string(r.status) + " " + r.body);
    return nlohmann::json::parse(r.body);
  }

  Participant AddParticipant(const std::string& name, const std::vector<std::string>& types,
                             const std::vector<std::string>& roles,
                             const std::vector<std::string>& domains = {}) const {
    const auto site = Admin("POST", "/sites", {{"name", name}, {"types", types}, {"domain_names", domains}});
    const int id = site.at("id");
    const auto key = Admin("POST", "/sites/" + std::to_string(id) + "/apikeys", {{"roles", roles}});
    return {id, key.at("api_key").get<std::string>(), key.at("secret").get<std::string>()};
  }

  void Grant(const Participant& sender, const Participant& receiver) const {
    Admin("POST", "/sites/" + std::to_string(sender.siteId) + "/grants", {{"site", receiver.siteId}});
  }

  void Revoke(const Participant& sender, const Participant& receiver) const {
    Admin("DELETE", "/sites/" + std::to_string(sender.siteId) + "/grants/site/" +
                        std::to_string(receiver.siteId));
  }

  // Gives the site a new current key; returns once it is active (it may
  // activate a second later).
  void Rotate(const Participant& site) const {
    const std::int64_t activates =
        Admin("POST", "/sites/" + std::to_string(site.siteId) + "/keys/rotate").at("activates");
    std::this_thread::sleep_until(std::chrono::system_clock::time_point(std::chrono::seconds(activates)));
  }

  // none, 500, garbage, wrong-nonce, wrong-secret or slow.
  void Fault(const std::string& mode) const { Admin("POST", "/faults", {{"mode", mode}}); }

 private:
  void Stop() {
    if (lifeline_ >= 0) {
      ::close(lifeline_);
      lifeline_ = -1;
    }
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int st;
      ::waitpid(pid_, &st, 0);
      pid_ = -1;
    }
    if (!outFile_.empty()) ::unlink(outFile_.c_str());
    if (!dir_.empty()) ::rmdir(dir_.c_str());
  }
  pid_t pid_ = -1;
  int lifeline_ = -1;  // write end of the service's stdin
  std::string adminToken_, dir_, outFile_, url_;
};

// The sites of the HTTP refresh tests: a sender that grants sharing to a
// receiver, and a bidder, which gets the sender's keys because the sender
// (a publisher) generates tokens for the bidstream.
struct SharingSites {
  Participant sender, receiver, bidder;

  explicit SharingSites(const KeyService& s)
      : sender(s.AddParticipant("sender", {"publisher"}, {"sharer", "generator"}, {"example.com"})),
        receiver(s.AddParticipant("receiver", {"advertiser"}, {"sharer"})),
        bidder(s.AddParticipant("bidder", {"dsp"}, {"bidder"})) {
    s.Grant(sender, receiver);
  }
};

}  // namespace uid2test

#endif  // UID2_TESTS_KEY_SERVICE_HPP

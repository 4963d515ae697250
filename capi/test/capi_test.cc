// Tests of the C ABI (uid2.h) through the shared library, as a C or C++
// program sees it: every function, every status, the shared vectors byte
// for byte, buffers, handles, threads, fork, and memory over many cycles.
//
// Needs UID2_VECTORS (the tests/vectors directory) and UID2_CLI (the uid2
// command, whose local key service the HTTP tests run) in the environment.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/keyservice/key_service.hpp"

extern "C" {
#include "uid2.h"
}

using json = nlohmann::json;

// test/raw_scope.c: passes an int the C++ enum cannot hold.
extern "C" uid2_status set_default_scope_raw(uid2_client client, int scope);

namespace {

// Status numbers are part of the ABI: they never change.
static_assert(UID2_STATUS_SUCCESS == 0 && UID2_STATUS_NOT_AUTHORIZED_FOR_KEY == 1 &&
              UID2_STATUS_NOT_AUTHORIZED_FOR_MASTER_KEY == 2 && UID2_STATUS_NOT_INITIALIZED == 3 &&
              UID2_STATUS_INVALID_PAYLOAD == 4 && UID2_STATUS_EXPIRED_TOKEN == 5 &&
              UID2_STATUS_KEYS_NOT_SYNCED == 6 && UID2_STATUS_VERSION_NOT_SUPPORTED == 7 &&
              UID2_STATUS_INVALID_PAYLOAD_TYPE == 8 && UID2_STATUS_INVALID_IDENTITY_SCOPE == 9 &&
              UID2_STATUS_INVALID_TOKEN_LIFETIME == 10 &&
              UID2_STATUS_DOMAIN_OR_APP_NAME_CHECK_FAILED == 11 && UID2_STATUS_USER_OPTED_OUT == 12 &&
              UID2_STATUS_ENCRYPTION_FAILURE == 13 && UID2_STATUS_TOKEN_DECRYPT_FAILURE == 14 &&
              UID2_STATUS_KEY_INACTIVE == 15 && UID2_STATUS_BUFFER_TOO_SMALL == 100 &&
              UID2_STATUS_INVALID_HANDLE == 101 && UID2_STATUS_INVALID_ARGUMENT == 102 &&
              UID2_STATUS_INTERNAL_ERROR == 103 && UID2_STATUS_FORKED_PROCESS == 104 &&
              UID2_STATUS_REFRESH_FAILED == 105 && UID2_STATUS_INVALID_KEYS == 106 &&
              UID2_STATUS_WRONG_CLIENT_TYPE == 107 && UID2_STATUS_UNSUPPORTED_HOST == 108 &&
              UID2_STATUS_TIMED_OUT == 109,
              "status numbers are fixed forever");

constexpr const char *kSecret = "ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=";
constexpr const char *kApiKey = "capi-test-key";

std::string env(const char *name) {
  const char *v = std::getenv(name);
  if (v == nullptr) {
    ADD_FAILURE() << name << " is not set";
    return "";
  }
  return v;
}

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::pair<std::string, json>> vectorFiles() {
  std::vector<std::pair<std::string, json>> out;
  for (const auto &e : std::filesystem::directory_iterator(env("UID2_VECTORS"))) {
    if (e.path().extension() == ".json") out.emplace_back(e.path().filename().string(), json::parse(readFile(e.path().string())));
  }
  std::sort(out.begin(), out.end(), [](auto &a, auto &b) { return a.first < b.first; });
  return out;
}

json vectorFile(const std::string &name) {
  for (auto &[n, f] : vectorFiles())
    if (n == name) return f;
  ADD_FAILURE() << "no vector file " << name;
  return json();
}

std::string lastError() {
  char buf[512];
  uid2_last_error_message(buf, sizeof buf);
  return buf;
}

// A client owned by a test.
struct Client {
  uid2_client h = 0;
  explicit Client(uid2_client_type type, const char *url = nullptr, const char *key = nullptr,
                  const char *secret = nullptr) {
    EXPECT_EQ(UID2_STATUS_SUCCESS, uid2_client_new(type, url, key, secret, &h)) << lastError();
  }
  ~Client() {
    if (h != 0) uid2_client_free(h);
  }
  void load(const json &keys) {
    std::string s = keys.dump();
    ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_refresh_json(h, s.data(), s.size())) << lastError();
  }
};

uid2_client_type typeOf(const json &file) {
  return file["client"] == "sharing" ? UID2_CLIENT_SHARING : UID2_CLIENT_BIDSTREAM;
}

// What a decrypt returned, in the vectors' terms.
json resultJson(const uid2_decryption_result &r, const std::string &uid) {
  json j;
  j["status"] = uid2_status_name(r.status);
  j["uid"] = uid;
  j["established_ms"] = r.established_ms;
  j["expiry_ms"] = r.expiry_ms;
  j["site_id"] = r.site_id;
  j["site_key_site_id"] = r.site_key_site_id;
  j["identity_scope"] = r.identity_scope == UID2_IDENTITY_SCOPE_EUID ? "EUID" : "UID2";
  j["identity_type"] = r.identity_type == UID2_IDENTITY_TYPE_EMAIL   ? json("EMAIL")
                       : r.identity_type == UID2_IDENTITY_TYPE_PHONE ? json("PHONE")
                                                                     : json(nullptr);
  j["version"] = r.advertising_token_version;
  j["is_client_side_generated"] = r.is_client_side_generated != 0;
  return j;
}

// Decrypts as a binding must: inline, or into a buffer when the raw UID
// does not fit.
json decryptCase(uid2_client h, const json &c) {
  std::string tok = c["token"];
  std::string domain = c["domain"].is_null() ? "" : c["domain"].get<std::string>();
  const char *d = c["domain"].is_null() ? nullptr : domain.data();
  uid2_decryption_result r;
  int64_t now = c["now_ms"];
  uid2_status st = uid2_decrypt(h, tok.data(), tok.size(), d, domain.size(), now, &r);
  EXPECT_EQ(st, r.status);
  if (st == UID2_STATUS_BUFFER_TOO_SMALL) {
    EXPECT_GT(r.uid_len, UID2_UID_INLINE_CAPACITY);
    EXPECT_EQ('\0', r.uid[0]);
    std::string uid(r.uid_len, '\0');
    st = uid2_decrypt_to_buffer(h, tok.data(), tok.size(), d, domain.size(), now, &r, uid.data(), uid.size());
    EXPECT_EQ(UID2_STATUS_SUCCESS, st);
    return resultJson(r, uid);
  }
  EXPECT_EQ(static_cast<size_t>(r.uid_len), std::strlen(r.uid));
  return resultJson(r, std::string(r.uid, r.uid_len));
}

std::vector<uint8_t> unhex(const std::string &s) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < s.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoi(s.substr(i, 2), nullptr, 16)));
  return out;
}

TEST(Abi, VersionsAndNames) {
  EXPECT_EQ((1u << 16) | 3u, uid2_abi_version());
  EXPECT_STREQ("0.1.0", uid2_version());
  // Every status by its uid2.h name (the names the vectors and bindings use).
#define NAME_OF(s) EXPECT_STREQ(#s, uid2_status_name(UID2_STATUS_##s))
  NAME_OF(SUCCESS);
  NAME_OF(NOT_AUTHORIZED_FOR_KEY);
  NAME_OF(NOT_AUTHORIZED_FOR_MASTER_KEY);
  NAME_OF(NOT_INITIALIZED);
  NAME_OF(INVALID_PAYLOAD);
  NAME_OF(EXPIRED_TOKEN);
  NAME_OF(KEYS_NOT_SYNCED);
  NAME_OF(VERSION_NOT_SUPPORTED);
  NAME_OF(INVALID_PAYLOAD_TYPE);
  NAME_OF(INVALID_IDENTITY_SCOPE);
  NAME_OF(INVALID_TOKEN_LIFETIME);
  NAME_OF(DOMAIN_OR_APP_NAME_CHECK_FAILED);
  NAME_OF(USER_OPTED_OUT);
  NAME_OF(ENCRYPTION_FAILURE);
  NAME_OF(TOKEN_DECRYPT_FAILURE);
  NAME_OF(KEY_INACTIVE);
  NAME_OF(BUFFER_TOO_SMALL);
  NAME_OF(INVALID_HANDLE);
  NAME_OF(INVALID_ARGUMENT);
  NAME_OF(INTERNAL_ERROR);
  NAME_OF(FORKED_PROCESS);
  NAME_OF(REFRESH_FAILED);
  NAME_OF(INVALID_KEYS);
  NAME_OF(WRONG_CLIENT_TYPE);
  NAME_OF(UNSUPPORTED_HOST);
  NAME_OF(TIMED_OUT);
#undef NAME_OF
  EXPECT_STREQ("UNKNOWN_STATUS", uid2_status_name(99));
  EXPECT_STREQ("UNKNOWN_STATUS", uid2_status_name(110));
  EXPECT_STREQ("UNKNOWN_STATUS", uid2_status_name(-1));
}

TEST(Abi, VectorsByteExact) {
  int cases = 0;
  for (auto &[name, f] : vectorFiles()) {
    Client c(typeOf(f));
    if (!f["keys"].is_null()) c.load(f["keys"]);
    for (auto &cs : f["cases"]) {
      cases++;
      if (cs["op"] == "decrypt") {
        EXPECT_EQ(cs["expect"], decryptCase(c.h, cs)) << name << ": " << cs["name"];
      } else {
        std::string raw = cs["raw_uid"];
        auto nonces = unhex(cs["nonces"]);
        int64_t keyset = cs["keyset_id"].is_null() ? 0 : cs["keyset_id"].get<int64_t>();
        std::vector<char> out(1024);
        size_t n = 0;
        uid2_status st = uid2_encrypt_with_nonces_insecure_for_tests(c.h, raw.data(), raw.size(), cs["now_ms"], keyset,
                                                                     nonces.data(), out.data(), out.size(), &n);
        json got = {{"status", uid2_status_name(st)}, {"token", st == UID2_STATUS_SUCCESS ? std::string(out.data(), n) : ""}};
        EXPECT_EQ(cs["expect"], got) << name << ": " << cs["name"];
      }
    }
  }
  EXPECT_GT(cases, 100);
}

TEST(Abi, BatchDecryptMatchesSingle) {
  for (auto &[name, f] : vectorFiles()) {
    Client c(typeOf(f));
    if (!f["keys"].is_null()) c.load(f["keys"]);
    // One batch per (time, domain): the batch takes one of each.
    for (auto &cs : f["cases"]) {
      if (cs["op"] != "decrypt") continue;
      std::string tok = cs["token"];
      std::string joined = "x" + tok + tok;  // offsets need not start at 0
      int32_t offsets[] = {1, static_cast<int32_t>(1 + tok.size()), static_cast<int32_t>(1 + 2 * tok.size())};
      uid2_decryption_result rs[2];
      std::string domain = cs["domain"].is_null() ? "" : cs["domain"].get<std::string>();
      ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_decrypt_batch(c.h, joined.data(), offsets, 2, domain.data(), domain.size(),
                                                        cs["now_ms"], rs));
      for (auto &r : rs) {
        if (r.status == UID2_STATUS_BUFFER_TOO_SMALL) {
          // A raw UID too long to return inline: as uid2_decrypt does.
          EXPECT_GT(r.uid_len, UID2_UID_INLINE_CAPACITY) << cs["name"];
          EXPECT_EQ(cs["expect"]["uid"].get<std::string>().size(), static_cast<size_t>(r.uid_len));
          continue;
        }
        EXPECT_EQ(cs["expect"], resultJson(r, std::string(r.uid, r.uid_len))) << name << ": " << cs["name"];
      }
    }
  }
}

// A batch big enough to be shared among threads: every result in its
// slot, each as a single decrypt gives it.
TEST(Abi, LargeBatchKeepsOrder) {
  json f = vectorFile("sharing.json");
  Client c(UID2_CLIENT_SHARING);
  c.load(f["keys"]);
  std::vector<json> cases;
  for (auto &cs : f["cases"]) {
    if (cs["op"] == "decrypt" && cs["now_ms"] == 1700000000000 && cs["domain"].is_null() &&
        cs["expect"]["uid"].get<std::string>().size() <= UID2_UID_INLINE_CAPACITY) {
      cases.push_back(cs);
    }
  }
  ASSERT_GT(cases.size(), 40u);
  std::string joined;
  std::vector<int32_t> offsets{0};
  std::vector<size_t> which;
  for (size_t i = 0; i < 3000; i++) {
    which.push_back((i * 7) % cases.size());
    joined += cases[which.back()]["token"].get<std::string>();
    offsets.push_back(static_cast<int32_t>(joined.size()));
  }
  std::vector<uid2_decryption_result> rs(which.size());
  ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_decrypt_batch(c.h, joined.data(), offsets.data(), which.size(), nullptr, 0,
                                                    1700000000000, rs.data()));
  for (size_t i = 0; i < which.size(); i++) {
    ASSERT_EQ(cases[which[i]]["expect"], resultJson(rs[i], std::string(rs[i].uid, rs[i].uid_len)))
        << "item " << i << ": " << cases[which[i]]["name"];
  }
}

TEST(Abi, BatchEdges) {
  Client c(UID2_CLIENT_SHARING);
  uid2_decryption_result r;
  int32_t offs[] = {0, 0};
  EXPECT_EQ(UID2_STATUS_SUCCESS, uid2_decrypt_batch(c.h, nullptr, nullptr, 0, nullptr, 0, 0, nullptr));
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_decrypt_batch(c.h, nullptr, offs, 1, nullptr, 0, 0, &r));
  int32_t bad[] = {5, 2};
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_decrypt_batch(c.h, "abcdef", bad, 1, nullptr, 0, 0, &r));
  int32_t neg[] = {-1, 2};
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_decrypt_batch(c.h, "abcdef", neg, 1, nullptr, 0, 0, &r));
  EXPECT_EQ(UID2_STATUS_INVALID_HANDLE, uid2_decrypt_batch(987654321, "a", offs, 1, nullptr, 0, 0, &r));
  EXPECT_EQ(UID2_STATUS_SUCCESS, uid2_decrypt_batch(c.h, "", offs, 1, nullptr, 0, 0, &r));
  EXPECT_EQ(UID2_STATUS_NOT_INITIALIZED, r.status);
}

TEST(Abi, EncryptBuffersAndBatch) {
  json f = vectorFile("sharing.json");
  Client c(UID2_CLIENT_SHARING);
  c.load(f["keys"]);
  const std::string raw = "ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=";
  const int64_t now = 1700000000000;
  size_t n = 0;
  // Asking for the size.
  EXPECT_EQ(UID2_STATUS_BUFFER_TOO_SMALL, uid2_encrypt(c.h, raw.data(), raw.size(), now, 0, nullptr, 0, &n));
  EXPECT_EQ(218u, n);
  std::vector<char> exact(n), roomy(n + 1, 'x');
  EXPECT_EQ(UID2_STATUS_SUCCESS, uid2_encrypt(c.h, raw.data(), raw.size(), now, 0, exact.data(), exact.size(), &n));
  EXPECT_EQ(218u, n);
  EXPECT_EQ(UID2_STATUS_SUCCESS, uid2_encrypt(c.h, raw.data(), raw.size(), now, 0, roomy.data(), roomy.size(), &n));
  EXPECT_EQ('\0', roomy[n]);
  std::vector<char> small(217);
  EXPECT_EQ(UID2_STATUS_BUFFER_TOO_SMALL, uid2_encrypt(c.h, raw.data(), raw.size(), now, 0, small.data(), small.size(), &n));
  EXPECT_EQ(218u, n);
  // Two encrypts of the same input differ: fresh nonces.
  EXPECT_NE(std::string(exact.data(), 218), std::string(roomy.data(), 218));
  // A token decrypts to its raw UID.
  uid2_decryption_result r;
  EXPECT_EQ(UID2_STATUS_SUCCESS, uid2_decrypt(c.h, roomy.data(), n, nullptr, 0, now, &r));
  EXPECT_EQ(raw, r.uid);

  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_encrypt(c.h, raw.data(), raw.size(), now, 0, nullptr, 5, &n));
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_encrypt(c.h, raw.data(), raw.size(), now, 0, exact.data(), 218, nullptr));
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_encrypt(c.h, nullptr, 3, now, 0, exact.data(), 218, &n));
  uint8_t nonces[24] = {};
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT,
            uid2_encrypt_with_nonces_insecure_for_tests(c.h, raw.data(), raw.size(), now, 0, nullptr, exact.data(), 218, &n));
  EXPECT_EQ(UID2_STATUS_SUCCESS,
            uid2_encrypt_with_nonces_insecure_for_tests(c.h, raw.data(), raw.size(), now, 0, nonces, exact.data(), 218, &n));

  // Batch: three raw UIDs, one bad, joined.
  std::string bad = "not base64";
  std::string joined = raw + bad + raw;
  int32_t offsets[] = {0, static_cast<int32_t>(raw.size()), static_cast<int32_t>(raw.size() + bad.size()),
                       static_cast<int32_t>(joined.size())};
  int32_t outOffsets[4];
  uid2_status statuses[3];
  size_t needed = 0;
  EXPECT_EQ(UID2_STATUS_BUFFER_TOO_SMALL, uid2_encrypt_batch(c.h, joined.data(), offsets, 3, now, 0, nullptr, 0,
                                                             outOffsets, statuses, &needed));
  ASSERT_GE(needed, 2 * 218u);
  std::vector<char> out(needed);
  ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_encrypt_batch(c.h, joined.data(), offsets, 3, now, 0, out.data(), out.size(),
                                                    outOffsets, statuses, &needed));
  EXPECT_EQ(UID2_STATUS_SUCCESS, statuses[0]);
  EXPECT_EQ(UID2_STATUS_ENCRYPTION_FAILURE, statuses[1]);
  EXPECT_EQ(UID2_STATUS_SUCCESS, statuses[2]);
  EXPECT_EQ(0, outOffsets[0]);
  EXPECT_EQ(218, outOffsets[1]);
  EXPECT_EQ(218, outOffsets[2]);
  EXPECT_EQ(436, outOffsets[3]);
  for (int i : {0, 2}) {
    EXPECT_EQ(UID2_STATUS_SUCCESS, uid2_decrypt(c.h, out.data() + outOffsets[i], outOffsets[i + 1] - outOffsets[i],
                                                nullptr, 0, now, &r));
    EXPECT_EQ(raw, r.uid);
  }
  EXPECT_EQ(UID2_STATUS_SUCCESS, uid2_encrypt_batch(c.h, nullptr, nullptr, 0, now, 0, nullptr, 0, nullptr, nullptr, &needed));
  EXPECT_EQ(0u, needed);
  outOffsets[0] = -7;
  EXPECT_EQ(UID2_STATUS_SUCCESS, uid2_encrypt_batch(c.h, nullptr, nullptr, 0, now, 0, nullptr, 0, outOffsets, nullptr, &needed));
  EXPECT_EQ(0, outOffsets[0]) << "an empty batch still has out_offsets[0]";
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT,
            uid2_encrypt_batch(c.h, joined.data(), offsets, 3, now, 0, out.data(), out.size(), outOffsets, statuses, nullptr));

  Client bid(UID2_CLIENT_BIDSTREAM);
  EXPECT_EQ(UID2_STATUS_WRONG_CLIENT_TYPE, uid2_encrypt(bid.h, raw.data(), raw.size(), now, 0, exact.data(), 218, &n));
  EXPECT_EQ(UID2_STATUS_WRONG_CLIENT_TYPE, uid2_encrypt_batch(bid.h, joined.data(), offsets, 3, now, 0, out.data(),
                                                              out.size(), outOffsets, statuses, &needed));
}

TEST(Abi, LongRawUIDs) {
  json f = vectorFile("sharing.json");
  Client c(UID2_CLIENT_SHARING);
  c.load(f["keys"]);
  // A raw UID of 400 characters: too long for the inline buffer.
  const int64_t now = 1700000000000;
  std::string raw(400, 'A');
  std::vector<char> tok(2000);
  size_t n = 0;
  ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_encrypt(c.h, raw.data(), raw.size(), now, 0, tok.data(), tok.size(), &n));
  uid2_decryption_result r;
  EXPECT_EQ(UID2_STATUS_BUFFER_TOO_SMALL, uid2_decrypt(c.h, tok.data(), n, nullptr, 0, now, &r));
  EXPECT_EQ(400, r.uid_len);
  EXPECT_EQ(4, r.advertising_token_version);
  std::vector<char> uid(399);
  EXPECT_EQ(UID2_STATUS_BUFFER_TOO_SMALL, uid2_decrypt_to_buffer(c.h, tok.data(), n, nullptr, 0, now, &r, uid.data(), uid.size()));
  EXPECT_EQ(UID2_STATUS_BUFFER_TOO_SMALL, uid2_decrypt_to_buffer(c.h, tok.data(), n, nullptr, 0, now, &r, nullptr, 0));
  uid.assign(400, '\0');
  std::memset(r.uid, 'X', sizeof r.uid);  // whatever the caller left there
  EXPECT_EQ(UID2_STATUS_SUCCESS, uid2_decrypt_to_buffer(c.h, tok.data(), n, nullptr, 0, now, &r, uid.data(), uid.size()));
  EXPECT_EQ(raw, std::string(uid.data(), 400));
  EXPECT_EQ('\0', r.uid[0]);
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_decrypt_to_buffer(c.h, tok.data(), n, nullptr, 0, now, &r, nullptr, 5));
  // Exactly the inline capacity fits, with its NUL.
  std::string raw256(256, 'B');
  ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_encrypt(c.h, raw256.data(), raw256.size(), now, 0, tok.data(), tok.size(), &n));
  EXPECT_EQ(UID2_STATUS_SUCCESS, uid2_decrypt(c.h, tok.data(), n, nullptr, 0, now, &r));
  EXPECT_EQ(raw256, r.uid);
}

TEST(Abi, HandlesAndArguments) {
  size_t before = uid2_client_count();
  uid2_client h = 0;
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_client_new(static_cast<uid2_client_type>(7), nullptr, nullptr, nullptr, &h));
  EXPECT_NE("", lastError());
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_client_new(UID2_CLIENT_SHARING, nullptr, nullptr, nullptr, nullptr));
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_client_new(UID2_CLIENT_SHARING, "https://x", "k", "bm90IGEgc2VjcmV0", &h));
  EXPECT_EQ(std::string::npos, lastError().find("bm90IGEgc2VjcmV0"));
  EXPECT_EQ(before, uid2_client_count());

  ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_client_new(UID2_CLIENT_SHARING, nullptr, nullptr, nullptr, &h));
  EXPECT_EQ(0u, uid2_last_error_message(nullptr, 0));
  EXPECT_NE(0u, h);
  EXPECT_EQ(before + 1, uid2_client_count());
  EXPECT_EQ(UID2_STATUS_SUCCESS, uid2_client_free(h));
  EXPECT_EQ(UID2_STATUS_INVALID_HANDLE, uid2_client_free(h));
  EXPECT_EQ(UID2_STATUS_INVALID_HANDLE, uid2_client_free(0));
  EXPECT_EQ(before, uid2_client_count());

  // A freed handle is refused everywhere, and never reused.
  uid2_decryption_result r;
  uid2_refresh_state s;
  size_t n;
  char buf[8];
  int32_t offs[] = {0, 1};
  uid2_status st;
  EXPECT_EQ(UID2_STATUS_INVALID_HANDLE, uid2_decrypt(h, "abcd", 4, nullptr, 0, 0, &r));
  EXPECT_EQ(UID2_STATUS_INVALID_HANDLE, r.status);
  EXPECT_EQ("invalid handle", lastError());  // never an earlier call's message
  EXPECT_EQ(UID2_STATUS_INVALID_HANDLE, uid2_encrypt(h, "abcd", 4, 0, 0, buf, sizeof buf, &n));
  EXPECT_EQ(UID2_STATUS_INVALID_HANDLE, uid2_encrypt_batch(h, "a", offs, 1, 0, 0, buf, 8, offs, &st, &n));
  EXPECT_EQ(UID2_STATUS_INVALID_HANDLE, uid2_refresh(h, 10));
  EXPECT_EQ(UID2_STATUS_INVALID_HANDLE, uid2_refresh_json(h, "{}", 2));
  EXPECT_EQ(UID2_STATUS_INVALID_HANDLE, uid2_auto_refresh_start(h, 0, 0));
  EXPECT_EQ(UID2_STATUS_INVALID_HANDLE, uid2_auto_refresh_stop(h));
  EXPECT_EQ(UID2_STATUS_INVALID_HANDLE, uid2_refresh_state_get(h, &s, nullptr, 0));
  EXPECT_EQ(UID2_STATUS_INVALID_HANDLE, uid2_client_set_default_identity_scope(h, UID2_IDENTITY_SCOPE_EUID));
  uid2_client h2 = 0;
  ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_client_new(UID2_CLIENT_BIDSTREAM, nullptr, nullptr, nullptr, &h2));
  EXPECT_NE(h, h2);
  // NULL arguments.
  // A call refused as a whole still leaves its status in the result.
  r.status = UID2_STATUS_SUCCESS;
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_decrypt(h2, nullptr, 4, nullptr, 0, 0, &r));
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, r.status);
  EXPECT_NE(std::string::npos, lastError().find("NULL token")) << lastError();
  EXPECT_EQ(UID2_STATUS_WRONG_CLIENT_TYPE, uid2_encrypt(h2, "abcd", 4, 0, 0, buf, sizeof buf, &n));
  EXPECT_NE(std::string::npos, lastError().find("sharing client")) << lastError();
  int32_t down[] = {2, 1};
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_decrypt_batch(h2, "ab", down, 1, nullptr, 0, 0, &r));
  EXPECT_NE(std::string::npos, lastError().find("offsets")) << lastError();
  r.status = UID2_STATUS_SUCCESS;
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_decrypt(h2, "abcd", 4, nullptr, 3, 0, &r));
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, r.status);
  r.status = UID2_STATUS_SUCCESS;
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_decrypt_to_buffer(h2, "abcd", 4, nullptr, 0, 0, &r, nullptr, 5));
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, r.status);
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_decrypt(h2, "abcd", 4, nullptr, 0, 0, nullptr));
  EXPECT_EQ(UID2_STATUS_NOT_INITIALIZED, uid2_decrypt(h2, nullptr, 0, nullptr, 0, 0, &r));
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_refresh_json(h2, nullptr, 0));
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_refresh_state_get(h2, nullptr, nullptr, 0));
  // A client without URL, key and secret can only load JSON.
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_refresh(h2, 10));
  EXPECT_NE("", lastError());
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_auto_refresh_start(h2, 0, 0));
  EXPECT_EQ(UID2_STATUS_SUCCESS, uid2_auto_refresh_stop(h2));
  EXPECT_EQ(UID2_STATUS_SUCCESS, uid2_client_free(h2));
}

// Keys whose response names no scope take the client's default: the EUID
// tokens of the vectors decrypt only once the default is EUID, and the UID2
// token then no longer does.
TEST(Abi, DefaultIdentityScope) {
  json f = vectorFile("sharing-euid.json");
  json keys = f["keys"];
  ASSERT_TRUE(keys["body"].contains("identity_scope"));
  keys["body"].erase("identity_scope");
  json euidToken, uid2Token;
  for (const auto &c : f["cases"]) {
    if (c["name"] == "EUID v4 email") euidToken = c;
    if (c["name"] == "UID2 token") uid2Token = c;
  }
  ASSERT_FALSE(euidToken.is_null());
  ASSERT_FALSE(uid2Token.is_null());
  Client c(UID2_CLIENT_SHARING);
  c.load(keys);
  EXPECT_EQ("INVALID_IDENTITY_SCOPE", decryptCase(c.h, euidToken)["status"]);
  EXPECT_EQ("SUCCESS", decryptCase(c.h, uid2Token)["status"]);
  ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_client_set_default_identity_scope(c.h, UID2_IDENTITY_SCOPE_EUID));
  c.load(keys);
  EXPECT_EQ(euidToken["expect"], decryptCase(c.h, euidToken));
  EXPECT_EQ("INVALID_IDENTITY_SCOPE", decryptCase(c.h, uid2Token)["status"]);
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, set_default_scope_raw(c.h, 2));
  EXPECT_NE("", lastError());
}

TEST(Abi, RefreshJsonKeepsOldKeys) {
  json f = vectorFile("sharing.json");
  Client c(UID2_CLIENT_SHARING);
  uid2_refresh_state s;
  char err[256];
  ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_refresh_state_get(c.h, &s, err, sizeof err));
  EXPECT_EQ(0, s.has_keys);
  EXPECT_EQ(0, s.last_success_ms);
  c.load(f["keys"]);
  ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_refresh_state_get(c.h, &s, err, sizeof err));
  EXPECT_EQ(1, s.has_keys);
  EXPECT_EQ(7, s.key_count);
  EXPECT_GT(s.last_success_ms, 0);
  EXPECT_STREQ("", err);
  const std::string bad = R"({"keys":[{"id":1,"secret":"c2VjcmV0IGtleSBtYXRlcmlhbA=="}]})";
  EXPECT_EQ(UID2_STATUS_INVALID_KEYS, uid2_refresh_json(c.h, bad.data(), bad.size()));
  std::string msg = lastError();
  EXPECT_NE("", msg);
  EXPECT_EQ(std::string::npos, msg.find("c2VjcmV0IGtleSBtYXRlcmlhbA"));
  // Truncated copies report the full length.
  char tiny[4];
  EXPECT_EQ(msg.size(), uid2_last_error_message(tiny, sizeof tiny));
  EXPECT_EQ(3u, std::strlen(tiny));
  EXPECT_EQ(msg.size(), uid2_last_error_message(nullptr, 0));
  // A decrypt leaves the message alone; the next other call clears it.
  uid2_decryption_result r;
  uid2_decrypt(c.h, "x", 1, nullptr, 0, 0, &r);
  EXPECT_EQ(msg, lastError());
  ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_refresh_state_get(c.h, &s, err, sizeof err));
  EXPECT_EQ("", lastError());
  // The refresh state keeps the failure.
  EXPECT_EQ(msg, err);
  EXPECT_EQ(1, s.consecutive_failures);
  EXPECT_EQ(7, s.key_count);
  ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_refresh_state_get(c.h, &s, tiny, sizeof tiny));
  EXPECT_EQ(3u, std::strlen(tiny));
  // A response without a single key is refused too: the keys stay.
  for (const std::string empty : {R"({"body":{"keys":[]}})", R"([])", R"({"keys":[]})"}) {
    EXPECT_EQ(UID2_STATUS_INVALID_KEYS, uid2_refresh_json(c.h, empty.data(), empty.size())) << empty;
    EXPECT_NE(std::string::npos, lastError().find("no keys")) << lastError();
  }
  ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_refresh_state_get(c.h, &s, nullptr, 0));
  EXPECT_EQ(7, s.key_count);
  // Old keys still decrypt.
  for (auto &cs : f["cases"]) {
    if (cs["op"] == "decrypt" && cs["name"] == "v4 email") {
      EXPECT_EQ(cs["expect"], decryptCase(c.h, cs));
    }
  }
}

// Lengths and counts that cannot be right are refused with a message; a
// pointer to memory that cannot be read is INTERNAL_ERROR, not a crash; the
// client works on.
TEST(Abi, HugeLengthsAndWildPointers) {
  json f = vectorFile("sharing.json");
  Client c(UID2_CLIENT_SHARING);
  c.load(f["keys"]);
  const size_t huge = (size_t{1} << 32) + 2;  // an int32 of it would be 2
  uid2_decryption_result r;
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_refresh_json(c.h, "{}", huge));
  EXPECT_NE(std::string::npos, lastError().find("too large")) << lastError();
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_decrypt(c.h, "abcd", SIZE_MAX, nullptr, 0, 0, &r));
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, r.status);
  int32_t offs[] = {0, 4};
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_decrypt_batch(c.h, "abcd", offs, SIZE_MAX, nullptr, 0, 0, &r));
  char out[512];
  size_t n = 0;
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_encrypt(c.h, "abcd", huge, 0, 0, out, sizeof out, &n));
  // Tokens that would need more than 2 GiB: refused before any capacity is
  // asked for (the raw UIDs are never read).
  int32_t big[] = {0, INT32_MAX};
  int32_t out_offs[2];
  uid2_status st[1];
  size_t needed = 0;
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_encrypt_batch(c.h, "a", big, 1, 0, 0, out, sizeof out, out_offs, st, &needed));
  EXPECT_EQ(0u, needed);
  EXPECT_NE(std::string::npos, lastError().find("split the batch")) << lastError();

  // Memory that faults on any access, far from address 0. The calls run at
  // the vectors' time, when their keys are valid, so that they read it.
  const int64_t now = f["cases"][0]["now_ms"];
  const size_t len = 64 * 1024;
  void *p = mmap(nullptr, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(MAP_FAILED, p);
  const char *wild = static_cast<const char *>(p);
  EXPECT_EQ(UID2_STATUS_INTERNAL_ERROR, uid2_decrypt(c.h, wild, 218, nullptr, 0, now, &r));
  EXPECT_EQ(UID2_STATUS_INTERNAL_ERROR, r.status);
  EXPECT_NE(std::string::npos, lastError().find("internal error")) << lastError();
  EXPECT_EQ(UID2_STATUS_INTERNAL_ERROR, uid2_refresh_json(c.h, wild, 100));
  EXPECT_EQ(UID2_STATUS_INTERNAL_ERROR, uid2_encrypt(c.h, wild, 44, now, 0, out, sizeof out, &n));
  // A batch large enough to be shared among worker goroutines.
  std::vector<int32_t> many(301);
  for (size_t i = 0; i < many.size(); i++) many[i] = static_cast<int32_t>(i * 200);
  std::vector<uid2_decryption_result> rs(300);
  EXPECT_EQ(UID2_STATUS_INTERNAL_ERROR, uid2_decrypt_batch(c.h, wild, many.data(), 300, nullptr, 0, now, rs.data()));
  munmap(p, len);
  for (auto &cs : f["cases"]) {
    if (cs["op"] == "decrypt" && cs["name"] == "v4 email") EXPECT_EQ(cs["expect"], decryptCase(c.h, cs));
  }
}

// A client of a participant of the local key service.
struct ServiceClient : Client {
  ServiceClient(uid2_client_type type, const uid2test::KeyService &s, const uid2test::Participant &p)
      : Client(type, s.Url().c_str(), p.apiKey.c_str(), p.secret.c_str()) {}
};

// A token for raw from the sender's client, its keys refreshed over HTTP.
std::string senderToken(const uid2test::KeyService &s, const uid2test::Participant &sender,
                        const std::string &raw) {
  ServiceClient c(UID2_CLIENT_SHARING, s, sender);
  EXPECT_EQ(UID2_STATUS_SUCCESS, uid2_refresh(c.h, 5000)) << lastError();
  char out[256];
  size_t n = 0;
  EXPECT_EQ(UID2_STATUS_SUCCESS, uid2_encrypt(c.h, raw.data(), raw.size(), UID2_NOW, 0, out, sizeof out, &n));
  return std::string(out, n);
}

// The status of a decrypt now, and its raw UID.
std::pair<uid2_status, std::string> decryptNow(uid2_client h, const std::string &token,
                                               const char *domain = nullptr) {
  uid2_decryption_result r;
  uid2_decrypt(h, token.data(), token.size(), domain, domain ? std::strlen(domain) : 0, UID2_NOW, &r);
  return {r.status, std::string(r.uid, r.uid_len)};
}

constexpr const char *kRawUid = "ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=";
const std::pair<uid2_status, std::string> kDecrypted{UID2_STATUS_SUCCESS, kRawUid};

// Refresh over HTTP from the local key service (uid2 serve): a receiver and
// a bidder decrypt what the sender encrypted; every failure mode keeps the
// old keys and installs nothing; credentials; automatic refresh.
TEST(Abi, RefreshOverHttp) {
  uid2test::KeyService service;
  uid2test::SharingSites sites(service);
  const std::string token = senderToken(service, sites.sender, kRawUid);
  ServiceClient c(UID2_CLIENT_SHARING, service, sites.receiver);
  EXPECT_EQ(UID2_STATUS_NOT_INITIALIZED, decryptNow(c.h, token).first);
  ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_refresh(c.h, 5000)) << lastError();
  EXPECT_EQ(kDecrypted, decryptNow(c.h, token));
  ServiceClient bidder(UID2_CLIENT_BIDSTREAM, service, sites.bidder);
  ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_refresh(bidder.h, 5000)) << lastError();
  EXPECT_EQ(kDecrypted, decryptNow(bidder.h, token, "example.com"));

  service.Rotate(sites.sender);  // what a failed refresh must not install
  const std::string rotated = senderToken(service, sites.sender, kRawUid);
  for (const char *mode : {"500", "garbage", "wrong-nonce", "wrong-secret", "slow"}) {
    service.Fault(mode);
    EXPECT_EQ(UID2_STATUS_REFRESH_FAILED, uid2_refresh(c.h, 500)) << mode;
    std::string msg = lastError();
    EXPECT_NE("", msg) << mode;
    EXPECT_EQ(std::string::npos, msg.find(sites.receiver.secret));
    EXPECT_EQ(std::string::npos, msg.find(sites.receiver.apiKey));
    EXPECT_EQ(kDecrypted, decryptNow(c.h, token)) << mode;
    EXPECT_EQ(UID2_STATUS_NOT_AUTHORIZED_FOR_KEY, decryptNow(c.h, rotated).first) << mode;
  }
  service.Fault("none");
  ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_refresh(c.h, 5000)) << lastError();
  EXPECT_EQ(kDecrypted, decryptNow(c.h, rotated));

  Client wrong(UID2_CLIENT_SHARING, service.Url().c_str(), "not-the-key", sites.receiver.secret.c_str());
  EXPECT_EQ(UID2_STATUS_REFRESH_FAILED, uid2_refresh(wrong.h, 5000));
  EXPECT_NE(std::string::npos, lastError().find("401"));

  // Automatic refresh.
  ServiceClient a(UID2_CLIENT_SHARING, service, sites.receiver);
  ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_auto_refresh_start(a.h, 50, 2000));
  uid2_refresh_state s{};
  for (int i = 0; i < 200 && !s.has_keys; i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    uid2_refresh_state_get(a.h, &s, nullptr, 0);
  }
  EXPECT_EQ(1, s.has_keys);
  EXPECT_EQ(1, s.auto_refresh_running);
  EXPECT_EQ(kDecrypted, decryptNow(a.h, token));
  EXPECT_EQ(UID2_STATUS_SUCCESS, uid2_auto_refresh_stop(a.h));
  uid2_refresh_state_get(a.h, &s, nullptr, 0);
  EXPECT_EQ(0, s.auto_refresh_running);
}

// A site decrypts the sender's tokens only while the sender grants it
// sharing, as of its latest refresh.
TEST(Abi, SharingPermissionFollowsGrantAndRevoke) {
  uid2test::KeyService service;
  uid2test::SharingSites sites(service);
  const std::string token = senderToken(service, sites.sender, kRawUid);
  const auto outsider = service.AddParticipant("outsider", {"advertiser"}, {"sharer"});
  ServiceClient c(UID2_CLIENT_SHARING, service, outsider);
  ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_refresh(c.h, 5000)) << lastError();
  EXPECT_EQ(UID2_STATUS_NOT_AUTHORIZED_FOR_KEY, decryptNow(c.h, token).first);
  service.Grant(sites.sender, outsider);
  EXPECT_EQ(UID2_STATUS_NOT_AUTHORIZED_FOR_KEY, decryptNow(c.h, token).first);
  ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_refresh(c.h, 5000)) << lastError();
  EXPECT_EQ(kDecrypted, decryptNow(c.h, token));
  service.Revoke(sites.sender, outsider);
  ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_refresh(c.h, 5000)) << lastError();
  EXPECT_EQ(UID2_STATUS_NOT_AUTHORIZED_FOR_KEY, decryptNow(c.h, token).first);
}

TEST(Abi, ThreadsDecryptWhileRefreshing) {
  json f = vectorFile("sharing.json");
  Client c(UID2_CLIENT_SHARING);
  c.load(f["keys"]);
  json v4;
  for (auto &cs : f["cases"])
    if (cs["name"] == "v4 email") v4 = cs;
  const std::string tok = v4["token"], uid = v4["expect"]["uid"];
  const int64_t now = v4["now_ms"];
  std::atomic<bool> stop{false};
  std::atomic<long> bad{0}, done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; t++) {
    threads.emplace_back([&] {
      uid2_decryption_result r;
      char out[256];
      size_t n;
      while (!stop) {
        if (uid2_decrypt(c.h, tok.data(), tok.size(), nullptr, 0, now, &r) != UID2_STATUS_SUCCESS || uid != r.uid) bad++;
        if (uid2_encrypt(c.h, uid.data(), uid.size(), now, 0, out, sizeof out, &n) != UID2_STATUS_SUCCESS) bad++;
        done++;
      }
    });
  }
  const std::string keys = f["keys"].dump();
  for (int i = 0; i < 200; i++) ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_refresh_json(c.h, keys.data(), keys.size()));
  stop = true;
  for (auto &t : threads) t.join();
  EXPECT_EQ(0, bad.load());
  EXPECT_GT(done.load(), 0);
}

long rssKiB() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

TEST(Abi, CreateFreeCyclesKeepMemoryFlat) {
  json f = vectorFile("sharing.json");
  const std::string keys = f["keys"].dump();
  auto cycles = [&](int n) {
    for (int i = 0; i < n; i++) {
      uid2_client h;
      ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_client_new(UID2_CLIENT_SHARING, "http://127.0.0.1:9", "k", kSecret, &h));
      if (i % 10 == 0) {
        ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_refresh_json(h, keys.data(), keys.size()));
      }
      ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_client_free(h));
    }
  };
  size_t before = uid2_client_count();
  cycles(20000);  // warm up: the Go heap settles
  long base = rssKiB();
  cycles(100000);
  long after = rssKiB();
  EXPECT_EQ(before, uid2_client_count());
  // A leak of even 100 bytes per cycle would add ~10 MB.
  EXPECT_LT(after - base, 8 * 1024) << "RSS grew from " << base << " KiB to " << after << " KiB";
}

TEST(Abi, ForkedChildIsRefused) {
  json f = vectorFile("sharing.json");
  Client c(UID2_CLIENT_SHARING);
  c.load(f["keys"]);
  pid_t pid = fork();
  if (pid == 0) {
    uid2_decryption_result r;
    uid2_client h;
    char buf[128];
    std::memset(&r, 0, sizeof r);  // a zeroed result must not read as SUCCESS
    int ok = uid2_decrypt(c.h, "abcd", 4, nullptr, 0, 0, &r) == UID2_STATUS_FORKED_PROCESS &&
             r.status == UID2_STATUS_FORKED_PROCESS &&
             uid2_client_new(UID2_CLIENT_SHARING, nullptr, nullptr, nullptr, &h) == UID2_STATUS_FORKED_PROCESS &&
             uid2_last_error_message(buf, sizeof buf) > 0 && uid2_client_count() == 0 &&
             std::strcmp(uid2_status_name(UID2_STATUS_FORKED_PROCESS), "FORKED_PROCESS") == 0;
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(pid, waitpid(pid, &status, 0));
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(0, WEXITSTATUS(status));
  // The parent is unaffected.
  uid2_decryption_result r;
  EXPECT_EQ(UID2_STATUS_INVALID_PAYLOAD, uid2_decrypt(c.h, "!!!!", 4, nullptr, 0, 1700000000000, &r));
}

// ---- ABI 1.3: legacy encrypted data ----

std::string hexOf(const uint8_t *p, size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; i++) {
    s += digits[p[i] >> 4];
    s += digits[p[i] & 15];
  }
  return s;
}

// An encrypt_data case as a binding runs it: the blob, and for a
// successful one the exact-size, one-short and NUL-terminated buffers.
json encryptDataCase(uid2_client h, const json &c) {
  std::vector<uint8_t> data = unhex(c["data"]), iv = unhex(c["iv"]);
  std::string token = c["advertising_token"].is_null() ? "" : c["advertising_token"].get<std::string>();
  uid2_encrypt_data_request r{};
  r.data = data.data();
  r.data_len = data.size();
  r.site_id = c["site_id"].is_null() ? 0 : c["site_id"].get<int32_t>();
  r.advertising_token = c["advertising_token"].is_null() ? nullptr : token.c_str();
  r.advertising_token_len = token.size();
  r.key_id = c["key_id"].is_null() ? 0 : c["key_id"].get<int64_t>();
  r.iv = iv.data();
  r.iv_len = iv.size();
  r.now_ms = c["now_ms"];
  char out[4096];
  size_t n = 12345;
  uid2_status st = uid2_encrypt_data(h, &r, out, sizeof out, &n);
  json j{{"status", uid2_status_name(st)}, {"encrypted", ""}};
  if (st != UID2_STATUS_SUCCESS) {
    EXPECT_EQ(0u, n) << c["name"];
    return j;
  }
  EXPECT_EQ(n, std::strlen(out)) << c["name"];
  j["encrypted"] = std::string(out, n);
  size_t need = 0;
  EXPECT_EQ(UID2_STATUS_BUFFER_TOO_SMALL, uid2_encrypt_data(h, &r, nullptr, 0, &need)) << c["name"];
  EXPECT_EQ(n, need);
  std::string exact(n, '#');
  EXPECT_EQ(UID2_STATUS_BUFFER_TOO_SMALL, uid2_encrypt_data(h, &r, exact.data(), n - 1, &need));
  EXPECT_EQ(std::string(n, '#'), exact) << "nothing is written when the buffer is too small";
  EXPECT_EQ(UID2_STATUS_SUCCESS, uid2_encrypt_data(h, &r, exact.data(), n, &need));
  EXPECT_EQ(std::string(out, n), exact) << "exact size: the text without its NUL";
  return j;
}

json decryptDataCase(uid2_client h, const json &c) {
  std::string enc = c["encrypted"];
  std::vector<uint8_t> out(enc.size() + 1);  // encrypted_len always suffices
  size_t n = 12345;
  int64_t at = 1;
  int32_t site = 1;
  uid2_status st = uid2_decrypt_data(h, enc.data(), enc.size(), out.data(), enc.size(), &n, &at, &site);
  json j{{"status", uid2_status_name(st)}, {"data", ""}, {"encrypted_at_ms", 0}, {"site_id", 0}};
  if (st != UID2_STATUS_SUCCESS) {
    EXPECT_TRUE(n == 0 && at == 0 && site == 0) << c["name"];
    return j;
  }
  j["data"] = hexOf(out.data(), n);
  j["encrypted_at_ms"] = at;
  j["site_id"] = site;
  size_t need = 0;
  EXPECT_EQ(UID2_STATUS_SUCCESS, uid2_decrypt_data(h, enc.data(), enc.size(), out.data(), n, &need, nullptr, nullptr));
  EXPECT_EQ(n, need);
  if (n > 0) {
    EXPECT_EQ(UID2_STATUS_BUFFER_TOO_SMALL,
              uid2_decrypt_data(h, enc.data(), enc.size(), out.data(), n - 1, &need, nullptr, nullptr));
    EXPECT_EQ(n, need);
    EXPECT_EQ(UID2_STATUS_BUFFER_TOO_SMALL, uid2_decrypt_data(h, enc.data(), enc.size(), nullptr, 0, &need, &at, nullptr));
    EXPECT_EQ(n, need);
  }
  return j;
}

TEST(Abi13, EncryptedDataVectors) {
  int cases = 0;
  for (const auto &e : std::filesystem::directory_iterator(env("UID2_VECTORS") + "/encrypted-data")) {
    json f = json::parse(readFile(e.path().string()));
    Client c(typeOf(f));
    if (!f["keys"].is_null()) c.load(f["keys"]);
    for (auto &cs : f["cases"]) {
      cases++;
      if (cs["op"] == "encrypt_data") {
        EXPECT_EQ(cs["expect"], encryptDataCase(c.h, cs)) << e.path().filename() << " / " << cs["name"];
      } else {
        ASSERT_EQ("decrypt_data", cs["op"]);
        EXPECT_EQ(cs["expect"], decryptDataCase(c.h, cs)) << e.path().filename() << " / " << cs["name"];
      }
    }
  }
  EXPECT_GT(cases, 60);
}

TEST(Abi13, EncryptedDataArguments) {
  json f = json::parse(readFile(env("UID2_VECTORS") + "/encrypted-data/encrypted-data.json"));
  // Any client may encrypt data: a bidstream client too.
  Client c(UID2_CLIENT_BIDSTREAM);
  c.load(f["keys"]);
  const uint8_t data[] = {1, 2, 3};
  const uint8_t iv[12] = {0};
  char out[256];
  size_t n = 0;
  uid2_encrypt_data_request r{};
  r.data = data;
  r.data_len = sizeof data;
  r.site_id = 9000;
  r.now_ms = 1700000000000;
  // A random IV: two blobs of the same data differ, and both decrypt.
  ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_encrypt_data(c.h, &r, out, sizeof out, &n)) << lastError();
  std::string first(out, n);
  ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_encrypt_data(c.h, &r, out, sizeof out, &n));
  EXPECT_NE(first, std::string(out, n));
  for (const std::string &blob : {first, std::string(out, n)}) {
    uint8_t back[16];
    size_t bn = 0;
    int32_t site = 0;
    EXPECT_EQ(UID2_STATUS_SUCCESS, uid2_decrypt_data(c.h, blob.data(), blob.size(), back, sizeof back, &bn, nullptr, &site));
    EXPECT_EQ(hexOf(data, sizeof data), hexOf(back, bn));
    EXPECT_EQ(9000, site);
  }

  auto invalid = [&](uid2_encrypt_data_request q, const char *why) {
    size_t len = 99;
    EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_encrypt_data(c.h, &q, out, sizeof out, &len)) << why;
    EXPECT_NE("", lastError()) << why;
  };
  uid2_encrypt_data_request q = r;
  q.site_id = 0;
  invalid(q, "none of site, token, key");
  q = r;
  q.key_id = 301;
  invalid(q, "site and key");
  q = r;
  q.advertising_token = "x";
  q.advertising_token_len = 1;
  invalid(q, "site and token");
  q = r;
  q.iv = iv;
  q.iv_len = 16;
  invalid(q, "iv_len 16");
  q = r;
  q.iv_len = 12;
  invalid(q, "NULL iv with a length");
  q = r;
  q.data = nullptr;
  invalid(q, "NULL data with a length");
  q = r;
  q.advertising_token_len = 3;
  invalid(q, "NULL token with a length");
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_encrypt_data(c.h, nullptr, out, sizeof out, &n));
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_encrypt_data(c.h, &r, out, sizeof out, nullptr));
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_encrypt_data(c.h, &r, nullptr, 10, &n));
  q = r;
  q.data = nullptr;
  q.data_len = 0;
  EXPECT_EQ(UID2_STATUS_SUCCESS, uid2_encrypt_data(c.h, &q, out, sizeof out, &n)) << "NULL data of length 0";
  EXPECT_EQ(UID2_STATUS_INVALID_HANDLE, uid2_encrypt_data(0, &r, out, sizeof out, &n));
  EXPECT_EQ(UID2_STATUS_INVALID_HANDLE, uid2_encrypt_data(987654321, &r, out, sizeof out, &n));

  uint8_t back[64];
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_decrypt_data(c.h, first.data(), first.size(), back, sizeof back, nullptr, nullptr, nullptr));
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_decrypt_data(c.h, nullptr, 4, back, sizeof back, &n, nullptr, nullptr));
  {
    // Bad arguments leave the outputs 0 too, as every status but SUCCESS and BUFFER_TOO_SMALL.
    size_t len = 99;
    int64_t at = 99;
    int32_t site = 99;
    EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_decrypt_data(c.h, first.data(), first.size(), nullptr, 8, &len, &at, &site));
    EXPECT_EQ(0u, len);
    EXPECT_EQ(0, at);
    EXPECT_EQ(0, site);
  }
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_decrypt_data(c.h, first.data(), first.size(), nullptr, 8, &n, nullptr, nullptr));
  EXPECT_EQ(UID2_STATUS_INVALID_PAYLOAD, uid2_decrypt_data(c.h, nullptr, 0, back, sizeof back, &n, nullptr, nullptr));
  EXPECT_EQ(UID2_STATUS_INVALID_HANDLE, uid2_decrypt_data(0, first.data(), first.size(), back, sizeof back, &n, nullptr, nullptr));
}

// ---- ABI 1.3: waiting for keys, refresh events ----

using Clock = std::chrono::steady_clock;

long msSince(Clock::time_point t) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count());
}

TEST(Abi13, WaitForKeys) {
  json f = vectorFile("sharing.json");
  const std::string keys = f["keys"].dump();
  Client c(UID2_CLIENT_SHARING);
  EXPECT_EQ(UID2_STATUS_TIMED_OUT, uid2_wait_for_keys(c.h, 0));
  EXPECT_EQ("no keys after 0 ms", lastError());
  auto t0 = Clock::now();
  EXPECT_EQ(UID2_STATUS_TIMED_OUT, uid2_wait_for_keys(c.h, 100));
  EXPECT_GE(msSince(t0), 100);
  // A failed refresh: its reason is in the message.
  EXPECT_EQ(UID2_STATUS_INVALID_KEYS, uid2_refresh_json(c.h, "{}", 2));
  EXPECT_EQ(UID2_STATUS_TIMED_OUT, uid2_wait_for_keys(c.h, 10));
  EXPECT_EQ(0u, lastError().find("no keys after 10 ms; last refresh failed: key JSON has no \"keys\" array"))
      << lastError();
  // Keys loaded by another thread end the wait at once.
  std::thread loader([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_EQ(UID2_STATUS_SUCCESS, uid2_refresh_json(c.h, keys.data(), keys.size()));
  });
  t0 = Clock::now();
  EXPECT_EQ(UID2_STATUS_SUCCESS, uid2_wait_for_keys(c.h, 20000)) << lastError();
  EXPECT_LT(msSince(t0), 10000);
  loader.join();
  EXPECT_EQ(UID2_STATUS_SUCCESS, uid2_wait_for_keys(c.h, 0));
  // A failed refresh after keys keeps them: still SUCCESS.
  EXPECT_EQ(UID2_STATUS_INVALID_KEYS, uid2_refresh_json(c.h, "[", 1));
  EXPECT_EQ(UID2_STATUS_SUCCESS, uid2_wait_for_keys(c.h, 0));
  EXPECT_EQ(UID2_STATUS_INVALID_HANDLE, uid2_wait_for_keys(0, 10));
}

// An event as a listener sees it.
struct Event {
  uid2_status status;
  uid2_refresh_event ev{};
  std::string msg;
  size_t msgLen = 0;
};

Event waitEvent(uid2_client h, uint64_t after, uint32_t timeoutMs) {
  Event e;
  char buf[512];
  std::memset(buf, 'x', sizeof buf - 1);  // a NUL must be written on SUCCESS
  buf[sizeof buf - 1] = 0;
  e.status = uid2_refresh_event_wait(h, after, timeoutMs, &e.ev, buf, sizeof buf, &e.msgLen);
  e.msg = buf;
  return e;
}

TEST(Abi13, RefreshEvents) {
  json f = vectorFile("sharing.json");
  const std::string keys = f["keys"].dump();
  Client c(UID2_CLIENT_SHARING);
  Event e = waitEvent(c.h, 0, 0);
  EXPECT_EQ(UID2_STATUS_TIMED_OUT, e.status);
  EXPECT_EQ(0u, e.ev.seq) << "nothing written on TIMED_OUT";

  int64_t before = static_cast<int64_t>(time(nullptr)) * 1000 - 1000;
  ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_refresh_json(c.h, keys.data(), keys.size()));
  e = waitEvent(c.h, 0, 0);
  ASSERT_EQ(UID2_STATUS_SUCCESS, e.status);
  EXPECT_EQ(1u, e.ev.seq);
  EXPECT_EQ(1, e.ev.success);
  EXPECT_EQ(0, e.ev.automatic);
  EXPECT_EQ(static_cast<int32_t>(f["keys"]["body"]["keys"].size()), e.ev.key_count);
  EXPECT_EQ(0, e.ev.consecutive_failures);
  EXPECT_GE(e.ev.time_ms, before);
  EXPECT_EQ("", e.msg);
  EXPECT_EQ(0u, e.msgLen);

  // A failure: the reason, with its full length; the old keys stay.
  EXPECT_EQ(UID2_STATUS_INVALID_KEYS, uid2_refresh_json(c.h, "{}", 2));
  e = waitEvent(c.h, 1, 1000);
  ASSERT_EQ(UID2_STATUS_SUCCESS, e.status);
  EXPECT_EQ(2u, e.ev.seq);
  EXPECT_EQ(0, e.ev.success);
  EXPECT_EQ(1, e.ev.consecutive_failures);
  EXPECT_GT(e.ev.key_count, 0);
  EXPECT_EQ("key JSON has no \"keys\" array", e.msg);
  EXPECT_EQ(e.msg.size(), e.msgLen);
  // Truncated like uid2_last_error_message; the full length is reported.
  char small[4];
  size_t len = 0;
  uid2_refresh_event ev{};
  ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_refresh_event_wait(c.h, 1, 0, &ev, small, sizeof small, &len));
  EXPECT_STREQ("key", small);
  EXPECT_EQ(e.msg.size(), len);
  ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_refresh_event_wait(c.h, 1, 0, &ev, nullptr, 0, nullptr));
  EXPECT_EQ(2u, ev.seq);

  // Only the newest is kept: a listener that fell behind sees seq 5.
  EXPECT_EQ(UID2_STATUS_INVALID_KEYS, uid2_refresh_json(c.h, "[", 1));
  EXPECT_EQ(UID2_STATUS_INVALID_KEYS, uid2_refresh_json(c.h, "[", 1));
  ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_refresh_json(c.h, keys.data(), keys.size()));
  e = waitEvent(c.h, 2, 0);
  ASSERT_EQ(UID2_STATUS_SUCCESS, e.status);
  EXPECT_EQ(5u, e.ev.seq);
  EXPECT_EQ(1, e.ev.success);
  EXPECT_EQ(0, e.ev.consecutive_failures);
  e = waitEvent(c.h, 4, 0);
  EXPECT_EQ(5u, e.ev.seq) << "after_seq below the newest: the newest";
  auto t0 = Clock::now();
  EXPECT_EQ(UID2_STATUS_TIMED_OUT, waitEvent(c.h, 5, 100).status);
  EXPECT_GE(msSince(t0), 100);

  // A listener thread wakes for the next attempt.
  Event next;
  std::thread listener([&] { next = waitEvent(c.h, 5, 20000); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(UID2_STATUS_INVALID_KEYS, uid2_refresh_json(c.h, "[", 1));
  listener.join();
  EXPECT_EQ(UID2_STATUS_SUCCESS, next.status);
  EXPECT_EQ(6u, next.ev.seq);

  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_refresh_event_wait(c.h, 0, 0, nullptr, nullptr, 0, nullptr));
  EXPECT_EQ(UID2_STATUS_INVALID_ARGUMENT, uid2_refresh_event_wait(c.h, 0, 0, &ev, nullptr, 5, nullptr));
  EXPECT_EQ(UID2_STATUS_INVALID_HANDLE, uid2_refresh_event_wait(0, 0, 0, &ev, nullptr, 0, nullptr));
}

// Freeing a client wakes every thread waiting on it with INVALID_HANDLE.
TEST(Abi13, FreeWakesWaiters) {
  uid2_client h;
  ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_client_new(UID2_CLIENT_SHARING, nullptr, nullptr, nullptr, &h));
  std::atomic<int> keysStatus{-1}, eventStatus{-1};
  auto t0 = Clock::now();
  std::thread a([&] { keysStatus = uid2_wait_for_keys(h, 30000); });
  std::thread b([&] {
    uid2_refresh_event ev;
    eventStatus = uid2_refresh_event_wait(h, 0, 30000, &ev, nullptr, 0, nullptr);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_client_free(h));
  a.join();
  b.join();
  EXPECT_EQ(UID2_STATUS_INVALID_HANDLE, keysStatus.load());
  EXPECT_EQ(UID2_STATUS_INVALID_HANDLE, eventStatus.load());
  EXPECT_LT(msSince(t0), 10000);
}

// Over HTTP: automatic refresh with a bad API key is seen by a listener
// with the service's message, and by uid2_wait_for_keys; never a secret.
TEST(Abi13, AutomaticRefreshFailureIsReported) {
  uid2test::KeyService service;
  uid2test::SharingSites sites(service);
  const std::string badKey = "UID2-C-L-999-notAKey";
  Client bad(UID2_CLIENT_SHARING, service.Url().c_str(), badKey.c_str(), sites.receiver.secret.c_str());
  ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_auto_refresh_start(bad.h, 3600000, 5000));
  Event e = waitEvent(bad.h, 0, 10000);
  ASSERT_EQ(UID2_STATUS_SUCCESS, e.status);
  EXPECT_EQ(1u, e.ev.seq);
  EXPECT_EQ(0, e.ev.success);
  EXPECT_EQ(1, e.ev.automatic);
  EXPECT_EQ(0, e.ev.key_count);
  EXPECT_NE(std::string::npos, e.msg.find("HTTP 401: unknown API key")) << e.msg;
  EXPECT_EQ(std::string::npos, e.msg.find(badKey));
  EXPECT_EQ(std::string::npos, e.msg.find(sites.receiver.secret));
  EXPECT_EQ(UID2_STATUS_TIMED_OUT, uid2_wait_for_keys(bad.h, 10));
  const std::string msg = lastError();
  EXPECT_EQ(0u, msg.find("no keys after 10 ms; last refresh failed: refresh from ")) << msg;
  EXPECT_NE(std::string::npos, msg.find("HTTP 401: unknown API key")) << msg;
  EXPECT_EQ(std::string::npos, msg.find(badKey));

  ServiceClient good(UID2_CLIENT_SHARING, service, sites.receiver);
  ASSERT_EQ(UID2_STATUS_SUCCESS, uid2_auto_refresh_start(good.h, 3600000, 5000));
  EXPECT_EQ(UID2_STATUS_SUCCESS, uid2_wait_for_keys(good.h, 10000)) << lastError();
  e = waitEvent(good.h, 0, 0);
  ASSERT_EQ(UID2_STATUS_SUCCESS, e.status);
  EXPECT_EQ(1, e.ev.success);
  EXPECT_EQ(1, e.ev.automatic);
  EXPECT_GT(e.ev.key_count, 0);
}

}  // namespace

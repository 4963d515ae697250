// The C++ conformance driver: runs the vectors (and the round trip) through
// the C++ binding (uid2/uid2.hpp). See ../README.md. nlohmann-json reads the
// vector files (test-only); canonical_json.h writes the results.
#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/conformance/c/canonical_json.h"
#include "uid2/uid2.hpp"

namespace {

using nlohmann::json;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "cpp driver: %s\n", message.c_str());
  std::exit(1);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Die("cannot open " + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

const char* ScopeName(uid2::IdentityScope s) {
  return s == uid2::IdentityScope::EUID ? "EUID" : "UID2";
}

// A site id the token did not give: -1 in the binding (as in the official
// C++ SDK), 0 in the vectors' schema.
int SiteIdOrZero(int siteId) { return siteId < 0 ? 0 : siteId; }

void PutDecrypted(FILE* out, const uid2::DecryptionResult& r) {
  std::fprintf(out,
               "{\"established_ms\":%lld,\"expiry_ms\":%lld,\"identity_scope\":\"%s\","
               "\"identity_type\":%s,\"is_client_side_generated\":%s,\"site_id\":%d,"
               "\"site_key_site_id\":%d,\"status\":",
               static_cast<long long>(r.GetEstablished().GetEpochMilli()),
               static_cast<long long>(r.GetExpiry().GetEpochMilli()), ScopeName(r.GetIdentityScope()),
               !r.HasIdentityType() ? "null"
               : r.GetIdentityType() == uid2::IdentityType::EMAIL ? "\"EMAIL\""
                                                                  : "\"PHONE\"",
               r.IsClientSideGenerated() ? "true" : "false", SiteIdOrZero(r.GetSiteId()),
               SiteIdOrZero(r.GetSiteKeySiteId()));
  put_cstr(out, uid2::StatusName(r.GetStatus()));
  std::fputs(",\"uid\":", out);
  put_str(out, r.GetUid().data(), r.GetUid().size());
  std::fprintf(out, ",\"version\":%d}", r.GetAdvertisingTokenVersion());
}

void PutEncrypted(FILE* out, const uid2::EncryptionResult& r) {
  std::fputs("{\"status\":", out);
  put_cstr(out, uid2::StatusName(r.GetStatus()));
  std::fputs(",\"token\":", out);
  put_str(out, r.GetEncryptedData().data(), r.GetEncryptedData().size());
  std::fputs("}", out);
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

template <typename Client>
void Load(Client& client, const std::string& keys) {
  uid2::RefreshResult r = client.RefreshJson(keys);
  if (!r.IsSuccess()) Die("keys not loaded: " + r.GetReason());
}

std::array<std::uint8_t, 24> Nonces(const std::string& hex) {
  std::array<std::uint8_t, 24> n{};
  for (size_t i = 0; i < n.size(); i++) n[i] = static_cast<std::uint8_t>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  return n;
}

void RunVectors(const std::string& dir, FILE* out) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".json") names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    json v = json::parse(ReadFile(dir + "/" + name));
    uid2::SharingClient sharing;
    uid2::BidstreamClient bidstream;
    bool isSharing = v["client"] == "sharing";
    if (!v["keys"].is_null()) {
      if (isSharing) Load(sharing, v["keys"].dump());
      else Load(bidstream, v["keys"].dump());
    }
    for (const json& c : v["cases"]) {
      const std::string& caseName = c["name"].get_ref<const std::string&>();
      auto now = uid2::Timestamp::FromEpochMilli(c["now_ms"].get<std::int64_t>());
      std::fputs("{\"case\":", out);
      put_str(out, caseName.data(), caseName.size());
      std::fputs(",\"file\":", out);
      put_cstr(out, name.c_str());
      std::fputs(",\"result\":", out);
      if (c["op"] == "encrypt") {
        std::int64_t keyset = c["keyset_id"].is_null() ? 0 : c["keyset_id"].get<std::int64_t>();
        PutEncrypted(out, uid2::testing::EncryptWithNoncesInsecureForTests(
                              sharing, c["raw_uid"].get<std::string>(), Nonces(c["nonces"]), now, keyset));
      } else if (isSharing) {
        PutDecrypted(out, sharing.DecryptTokenIntoRawUid(c["token"].get<std::string>(), now));
      } else {
        std::string domain = c["domain"].is_null() ? std::string() : c["domain"].get<std::string>();
        PutDecrypted(out, bidstream.DecryptTokenIntoRawUid(c["token"].get<std::string>(), domain, now));
      }
      std::fputs("}\n", out);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) Die("usage: driver vectors DIR OUT | encrypt KEYS IN OUT | decrypt KEYS IN OUT | bidstream URL IN OUT");
  std::string mode = argv[1];
  FILE* out = std::fopen(argv[argc - 1], "wb");
  if (!out) Die(std::string("cannot write ") + argv[argc - 1]);
  if (mode == "vectors") {
    RunVectors(argv[2], out);
  } else if (mode == "bidstream") {
    // A DSP decrypts bid requests' tokens with keys refreshed from a key service's URL (no
    // domain: tokens generated server-side carry none to check).
    uid2::BidstreamClient client(argv[2], Env("UID2_API_KEY"), Env("UID2_SECRET_KEY"));
    uid2::RefreshResult r = client.Refresh();
    if (!r.IsSuccess()) Die(std::string("refresh from ") + argv[2] + " failed: " + r.GetReason());
    std::istringstream lines(ReadFile(argv[3]));
    for (std::string line; std::getline(lines, line);) {
      PutDecrypted(out, client.DecryptTokenIntoRawUid(line));
      std::fputc('\n', out);
    }
  } else {
    std::string keys = argv[2];
    bool url = keys.rfind("http://", 0) == 0 || keys.rfind("https://", 0) == 0;
    // A key file, or a key service's base URL: refresh over HTTP with the API key and secret
    // in UID2_API_KEY and UID2_SECRET_KEY.
    uid2::SharingClient client = url ? uid2::SharingClient(keys, Env("UID2_API_KEY"), Env("UID2_SECRET_KEY"))
                                     : uid2::SharingClient();
    if (url) {
      uid2::RefreshResult r = client.Refresh();
      if (!r.IsSuccess()) Die("refresh from " + keys + " failed: " + r.GetReason());
    } else {
      Load(client, ReadFile(keys));
    }
    std::istringstream lines(ReadFile(argv[3]));
    for (std::string line; std::getline(lines, line);) {
      // The real clock and, for encrypt, the real nonce source.
      if (mode == "encrypt") PutEncrypted(out, client.EncryptRawUidIntoToken(line));
      else PutDecrypted(out, client.DecryptTokenIntoRawUid(line));
      std::fputc('\n', out);
    }
  }
  if (std::fclose(out) != 0) Die("cannot write output");
  return 0;
}

// Every case of every file in tests/vectors (schema: tests/vectors/README.md),
// every field, byte-exact; decrypt cases through the single call, the batch
// call and (sharing files) the official UID2Client API. The legacy
// encrypted-data files (tests/vectors/encrypted-data) through EncryptData and
// DecryptData of SharingClient and of UID2Client.
//
// Test-only dependency: nlohmann-json (Debian nlohmann-json3-dev) reads the
// vector files; the binding itself parses no JSON.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.hpp"
#include <uid2/uid2.hpp>

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

fs::path VectorsDir() {
  const std::string dir = uid2test::Env("UID2_VECTORS_DIR");
  return dir.empty() ? fs::path("tests/vectors") : fs::path(dir);
}

std::vector<fs::path> VectorFiles(const fs::path& dir = VectorsDir()) {
  std::vector<fs::path> files;
  if (!fs::is_directory(dir)) return files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

json ReadJson(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return json::parse(ss.str());
}

std::vector<std::uint8_t> FromHex(const std::string& hex) {
  EXPECT_EQ(hex.size() % 2, 0u);
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; 2 * i + 1 < hex.size(); ++i)
    out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(2 * i, 2), nullptr, 16)));
  return out;
}

std::array<std::uint8_t, 24> Nonces(const std::string& hex) {
  std::array<std::uint8_t, 24> out{};
  EXPECT_EQ(hex.size(), 48u);
  const auto bytes = FromHex(hex);
  std::copy_n(bytes.begin(), std::min<std::size_t>(bytes.size(), 24), out.begin());
  return out;
}

void CheckDecrypt(const json& expect, const uid2::DecryptionResult& d) {
  EXPECT_EQ(uid2::StatusName(d.GetStatus()), expect.at("status").get<std::string>());
  EXPECT_EQ(d.IsSuccess(), expect.at("status") == "SUCCESS");
  EXPECT_EQ(d.GetUid(), expect.at("uid").get<std::string>());
  EXPECT_EQ(d.GetEstablished().GetEpochMilli(), expect.at("established_ms").get<std::int64_t>());
  EXPECT_EQ(d.GetExpiry().GetEpochMilli(), expect.at("expiry_ms").get<std::int64_t>());
  // Results of tokens that did not decode have site ids of -1, as the
  // official SDK's (uid2.h gives 0).
  const std::string status = expect.at("status").get<std::string>();
  const bool decoded = status == "SUCCESS" || status == "EXPIRED_TOKEN" ||
                       status == "USER_OPTED_OUT" ||
                       status == "DOMAIN_OR_APP_NAME_CHECK_FAILED" ||
                       status == "INVALID_TOKEN_LIFETIME";
  EXPECT_EQ(d.GetSiteId(), decoded ? expect.at("site_id").get<int>() : -1);
  EXPECT_EQ(d.GetSiteKeySiteId(), decoded ? expect.at("site_key_site_id").get<int>() : -1);
  EXPECT_EQ(d.GetIdentityScope() == uid2::IdentityScope::EUID ? "EUID" : "UID2",
            expect.at("identity_scope").get<std::string>());
  const json& type = expect.at("identity_type");
  if (type.is_null()) {
    EXPECT_FALSE(d.HasIdentityType());
  } else {
    ASSERT_TRUE(d.HasIdentityType());
    EXPECT_EQ(d.GetIdentityType() == uid2::IdentityType::PHONE ? "PHONE" : "EMAIL",
              type.get<std::string>());
  }
  EXPECT_EQ(d.GetAdvertisingTokenVersion(), expect.at("version").get<int>());
  EXPECT_EQ(d.IsClientSideGenerated(), expect.at("is_client_side_generated").get<bool>());
}

std::string Str(const json& j) { return j.get<std::string>(); }

std::string Domain(const json& c) {
  const json& d = c.at("domain");
  return d.is_null() ? std::string() : d.get<std::string>();
}

// Runs one file's cases on a client of its type; returns the cases run.
template <typename Client, typename DecryptOne, typename DecryptMany>
std::size_t RunFile(const json& file, Client& client, DecryptOne decryptOne,
                    DecryptMany decryptMany) {
  if (!file.at("keys").is_null()) {
    const auto r = client.RefreshJson(file.at("keys").dump());
    EXPECT_TRUE(r.IsSuccess()) << r.GetReason();
  }
  std::size_t ran = 0;
  // Decrypt cases grouped by (now, domain) for the batch path.
  std::map<std::pair<std::int64_t, std::string>, std::vector<const json*>> groups;
  for (const json& c : file.at("cases")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const std::string op = c.at("op").get<std::string>();
    const auto now = uid2::Timestamp::FromEpochMilli(c.at("now_ms").get<std::int64_t>());
    if (op == "decrypt") {
      CheckDecrypt(c.at("expect"), decryptOne(c.at("token").get<std::string>(), Domain(c), now));
      groups[{now.GetEpochMilli(), Domain(c)}].push_back(&c);
      ++ran;
    } else if (op == "encrypt") {
      if constexpr (std::is_same_v<Client, uid2::SharingClient>) {
        const json& ks = c.at("keyset_id");
        const auto nonces = Nonces(c.at("nonces").get<std::string>());
        const auto e = uid2::testing::EncryptWithNoncesInsecureForTests(
            client, c.at("raw_uid").get<std::string>(), nonces, now,
            ks.is_null() ? 0 : ks.get<std::int64_t>());
        EXPECT_EQ(uid2::StatusName(e.GetStatus()), c.at("expect").at("status").get<std::string>());
        EXPECT_EQ(e.GetEncryptedData(), c.at("expect").at("token").get<std::string>());
        ++ran;
      } else {
        ADD_FAILURE() << "encrypt case in a bidstream file";
      }
    } else {
      ADD_FAILURE() << "unknown op " << op;
    }
  }
  for (const auto& [key, cases] : groups) {
    std::vector<std::string> tokens;
    for (const json* c : cases) tokens.push_back(c->at("token").get<std::string>());
    const auto results =
        decryptMany(tokens, key.second, uid2::Timestamp::FromEpochMilli(key.first));
    EXPECT_EQ(results.size(), cases.size());
    for (std::size_t i = 0; i < cases.size() && i < results.size(); ++i) {
      SCOPED_TRACE("batch: " + Str(cases[i]->at("name")));
      CheckDecrypt(cases[i]->at("expect"), results[i]);
    }
  }
  return ran;
}

TEST(Vectors, EveryFileEveryCase) {
  const auto files = VectorFiles();
  ASSERT_FALSE(files.empty()) << "no vector files in " << VectorsDir()
                              << " (set UID2_VECTORS_DIR)";
  std::size_t total = 0;
  for (const auto& path : files) {
    SCOPED_TRACE(path.filename().string());
    const json file = ReadJson(path);
    const std::string type = file.at("client").get<std::string>();
    std::size_t expected = file.at("cases").size();
    ASSERT_GT(expected, 0u);
    std::size_t ran = 0;
    if (type == "sharing") {
      uid2::SharingClient c;
      ran = RunFile(
          file, c,
          [&](const std::string& t, const std::string&, uid2::Timestamp now) {
            return c.DecryptTokenIntoRawUid(t, now);
          },
          [&](const std::vector<std::string>& ts, const std::string&, uid2::Timestamp now) {
            return c.DecryptTokensIntoRawUids(ts, now);
          });
      // The official API (a sharing client underneath).
      uid2::UID2Client legacy("", "", "", uid2::IdentityScope::UID2);
      if (!file.at("keys").is_null()) {
        ASSERT_TRUE(legacy.RefreshJson(file.at("keys").dump()).IsSuccess());
      }
      for (const json& cs : file.at("cases")) {
        if (cs.at("op") != "decrypt") continue;
        SCOPED_TRACE("UID2Client: " + cs.at("name").get<std::string>());
        CheckDecrypt(cs.at("expect"),
                     legacy.Decrypt(cs.at("token").get<std::string>(),
                                    uid2::Timestamp::FromEpochMilli(cs.at("now_ms").get<std::int64_t>())));
      }
    } else if (type == "bidstream") {
      uid2::BidstreamClient c;
      ran = RunFile(
          file, c,
          [&](const std::string& t, const std::string& domain, uid2::Timestamp now) {
            return c.DecryptTokenIntoRawUid(t, domain, now);
          },
          [&](const std::vector<std::string>& ts, const std::string& domain, uid2::Timestamp now) {
            return c.DecryptTokensIntoRawUids(ts, domain, now);
          });
    } else {
      ADD_FAILURE() << "unknown client type " << type;
    }
    EXPECT_EQ(ran, expected);
    total += ran;
  }
  std::printf("vectors: %zu files, %zu cases\n", files.size(), total);
}

// One encrypted-data case on a client with EncryptData/DecryptData (the
// binding's SharingClient or the official-style UID2Client).
template <typename Client>
void RunDataCase(Client& client, const json& c) {
  const json& expect = c.at("expect");
  const std::string status = expect.at("status").get<std::string>();
  if (c.at("op") == "encrypt_data") {
    const auto data = FromHex(c.at("data").get<std::string>());
    const auto iv = FromHex(c.at("iv").get<std::string>());
    uid2::EncryptionDataRequest request(data.data(), data.size());
    if (!c.at("site_id").is_null()) request.WithSiteId(c.at("site_id").get<int>());
    if (!c.at("advertising_token").is_null())
      request.WithAdvertisingToken(c.at("advertising_token").get<std::string>());
    if (!c.at("key_id").is_null()) request.WithKeyId(c.at("key_id").get<std::int64_t>());
    request.WithInitializationVector(iv.data(), iv.size())
        .WithNow(uid2::Timestamp::FromEpochMilli(c.at("now_ms").get<std::int64_t>()));
    const uid2::EncryptionDataResult e = client.EncryptData(request);
    EXPECT_EQ(uid2::StatusName(e.GetStatus()), status);
    EXPECT_EQ(e.GetEncryptedData(), expect.at("encrypted").get<std::string>());
  } else if (c.at("op") == "decrypt_data") {
    const uid2::DecryptionDataResult d = client.DecryptData(c.at("encrypted").get<std::string>());
    EXPECT_EQ(uid2::StatusName(d.GetStatus()), status);
    EXPECT_EQ(d.GetDecryptedData(), FromHex(expect.at("data").get<std::string>()));
    EXPECT_EQ(d.GetEncryptedAt().GetEpochMilli(), expect.at("encrypted_at_ms").get<std::int64_t>());
  } else {
    ADD_FAILURE() << "unknown op " << c.at("op");
  }
}

TEST(Vectors, EncryptedData) {
  const auto files = VectorFiles(VectorsDir() / "encrypted-data");
  ASSERT_FALSE(files.empty()) << "no files in " << VectorsDir() / "encrypted-data";
  std::size_t total = 0;
  for (const auto& path : files) {
    SCOPED_TRACE(path.filename().string());
    const json file = ReadJson(path);
    uid2::SharingClient sharing;
    uid2::UID2Client legacy("", "", "", uid2::IdentityScope::UID2);
    if (!file.at("keys").is_null()) {
      ASSERT_TRUE(sharing.RefreshJson(file.at("keys").dump()).IsSuccess());
      ASSERT_TRUE(legacy.RefreshJson(file.at("keys").dump()).IsSuccess());
    }
    for (const json& c : file.at("cases")) {
      SCOPED_TRACE(c.at("name").get<std::string>());
      RunDataCase(sharing, c);
      RunDataCase(legacy, c);
      if (c.at("op") == "decrypt_data") {
        EXPECT_EQ(sharing.DecryptData(c.at("encrypted").get<std::string>()).GetSiteId(),
                  c.at("expect").at("site_id").get<int>());
      }
      ++total;
    }
  }
  EXPECT_GT(total, 50u);
  std::printf("encrypted-data vectors: %zu files, %zu cases\n", files.size(), total);
}

}  // namespace

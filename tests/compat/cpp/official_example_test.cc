// Runs official_example (the official example application's shape, built as
// C++11 with only its include renamed) against the local key service, as a
// receiver of the sender's sharing tokens.
#include <gtest/gtest.h>

#include <string>

#include "bindings/cpp/tests/test_support.hpp"
#include "tests/keyservice/key_service.hpp"

namespace {

TEST(OfficialExample, RunsAgainstTheKeyService) {
  uid2test::KeyService service;
  uid2test::SharingSites sites(service);
  uid2::SharingClient sender(service.Url(), sites.sender.apiKey, sites.sender.secret);
  ASSERT_TRUE(sender.Refresh().IsSuccess());
  const auto token = sender.EncryptRawUidIntoToken(uid2test::kRawUid1);
  ASSERT_TRUE(token.IsSuccess());

  const auto r = uid2test::RunProgram(
      uid2test::Env("OFFICIAL_EXAMPLE"),
      {"UID2_BASE_URL=" + service.Url(), "UID2_API_KEY=" + sites.receiver.apiKey,
       "UID2_SECRET_KEY=" + sites.receiver.secret, "UID2_AD_TOKEN=" + token.GetEncryptedData()});
  EXPECT_EQ(r.exitCode, 0) << r.out;
  for (const std::string& line :
       {std::string("DecryptedSuccess=1 Status=0\n"), "UID=" + std::string(uid2test::kRawUid1) + "\n",
        "SiteId=" + std::to_string(sites.sender.siteId) + "\n", std::string("Refreshed=3 Decrypted=20\n"),
        std::string("example: PASS\n")}) {
    EXPECT_NE(r.out.find(line), std::string::npos) << line << " not in:\n" << r.out;
  }
  EXPECT_EQ(r.out.find(sites.receiver.secret), std::string::npos);
}

}  // namespace

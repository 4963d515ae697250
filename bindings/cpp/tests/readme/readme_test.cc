// Runs the README's programs (compiled as C++11 from the README's text by
// extract.py) against the local key service, with the credentials in the
// environment as the README says, and checks what they print.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bindings/cpp/tests/test_support.hpp"
#include "tests/keyservice/key_service.hpp"

namespace {

using uid2test::Participant;
using uid2test::ProgramRun;

class Readme : public ::testing::Test {
 protected:
  std::vector<std::string> Env(const Participant& p) const {
    return {"UID2_BASE_URL=" + service_.Url(), "UID2_API_KEY=" + p.apiKey,
            "UID2_SECRET_KEY=" + p.secret, "UID2_TOKEN=" + token_};
  }
  ProgramRun Run(const char* program, const Participant& p) const {
    const ProgramRun r = uid2test::RunProgram(uid2test::Env(program), Env(p));
    EXPECT_EQ(r.out.find(p.secret), std::string::npos) << "a secret in the output";
    return r;
  }
  void SetUp() override {
    uid2::SharingClient sender(service_.Url(), sites_.sender.apiKey, sites_.sender.secret);
    ASSERT_TRUE(sender.Refresh().IsSuccess());
    const auto e = sender.EncryptRawUidIntoToken(uid2test::kRawUid1);
    ASSERT_TRUE(e.IsSuccess());
    token_ = e.GetEncryptedData();
  }

  uid2test::KeyService service_;
  uid2test::SharingSites sites_{service_};
  std::string token_;
};

TEST_F(Readme, Dsp) {
  const ProgramRun r = Run("README_DSP", sites_.bidder);
  EXPECT_EQ(r.exitCode, 0) << r.out;
  EXPECT_NE(r.out.find(std::string(uid2test::kRawUid1) + " from site " +
                       std::to_string(sites_.sender.siteId)),
            std::string::npos)
      << r.out;
  // With a wrong API key it waits, then says why, and the callback logged the failure.
  Participant wrong = sites_.bidder;
  wrong.apiKey = "not-the-api-key";
  const ProgramRun w = Run("README_DSP", wrong);
  EXPECT_EQ(w.exitCode, 1) << w.out;
  EXPECT_NE(w.out.find("uid2 refresh failed (1 in a row): "), std::string::npos) << w.out;
  EXPECT_NE(w.out.find("no keys: "), std::string::npos) << w.out;
  EXPECT_NE(w.out.find("HTTP 401"), std::string::npos) << w.out;
}

TEST_F(Readme, Sharer) {
  const ProgramRun r = Run("README_SHARER", sites_.sender);
  EXPECT_EQ(r.exitCode, 0) << r.out;
  EXPECT_EQ(r.out, std::string("SUCCESS ") + uid2test::kRawUid1 + "\nINVALID_PAYLOAD \n");
}

TEST_F(Readme, Legacy) {
  const ProgramRun r = Run("README_LEGACY", sites_.receiver);
  EXPECT_EQ(r.exitCode, 0) << r.out;
  EXPECT_EQ(r.out, std::string("DecryptedSuccess=1 Status=0 UID=") + uid2test::kRawUid1 +
                       " SiteId=" + std::to_string(sites_.sender.siteId) + "\n");
}

}  // namespace

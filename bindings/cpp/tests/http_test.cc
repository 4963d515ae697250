// Key refresh over real HTTP from the local key service (uid2-testserver,
// path in UID2_TESTSERVER): success, every failure mode keeping the old keys,
// new keys swapped in, credentials, automatic refresh, and 8 threads
// decrypting while refreshes succeed and fail.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include "test_support.hpp"
#include <uid2/uid2.hpp>

namespace {

using uid2::DecryptionStatus;
using namespace std::chrono_literals;

class Http : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string bin = uid2test::Env("UID2_TESTSERVER");
    if (bin.empty() || !std::ifstream(bin).good())
      GTEST_SKIP() << "UID2_TESTSERVER (the uid2-testserver binary) is not set";
    nowSec_ = uid2test::NowSeconds();
    server_ = std::make_unique<uid2test::TestServer>(bin, uid2test::SharingKeysJson(nowSec_));
  }

  uid2::SharingClient NewSharing() const {
    return uid2::SharingClient(server_->Url(), uid2test::kApiKey, uid2test::kClientSecret);
  }

  std::int64_t nowSec_ = 0;
  std::unique_ptr<uid2test::TestServer> server_;
};

TEST_F(Http, RefreshThenEveryFailureKeepsOldKeys) {
  auto c = NewSharing();
  const auto ok = c.Refresh();
  ASSERT_TRUE(ok.IsSuccess()) << ok.GetReason();
  auto st = c.GetRefreshState();
  EXPECT_TRUE(st.hasKeys);
  EXPECT_EQ(st.keyCount, 3);
  EXPECT_FALSE(st.lastSuccess.IsZero());
  EXPECT_EQ(st.consecutiveFailures, 0);
  const auto e = c.EncryptRawUidIntoToken(uid2test::kRawUid1);
  ASSERT_TRUE(e.IsSuccess());
  const std::string token = e.GetEncryptedData();

  int failures = 0;
  for (const char* mode : {"500", "garbage", "wrong-nonce", "wrong-secret", "slow"}) {
    SCOPED_TRACE(mode);
    ASSERT_EQ(server_->SetFailure(mode), 200);
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = c.Refresh(1500ms);  // "slow" answers after 5 s: times out
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 4500ms);
    EXPECT_FALSE(r.IsSuccess());
    EXPECT_FALSE(r.GetReason().empty());
    ++failures;
    st = c.GetRefreshState();
    EXPECT_EQ(st.consecutiveFailures, failures);
    EXPECT_TRUE(st.hasKeys);
    EXPECT_FALSE(st.lastError.empty());
    // The old keys are still in use.
    EXPECT_EQ(c.DecryptTokenIntoRawUid(token).GetUid(), uid2test::kRawUid1);
    EXPECT_TRUE(c.EncryptRawUidIntoToken(uid2test::kRawUid2).IsSuccess());
  }
  ASSERT_EQ(server_->SetFailure("none"), 200);
  ASSERT_TRUE(c.Refresh().IsSuccess());
  EXPECT_EQ(c.GetRefreshState().consecutiveFailures, 0);
  EXPECT_EQ(c.DecryptTokenIntoRawUid(token).GetUid(), uid2test::kRawUid1);
}

TEST_F(Http, NewKeysAreSwappedIn) {
  auto c = NewSharing();
  ASSERT_TRUE(c.Refresh().IsSuccess());
  const std::string token = c.EncryptRawUidIntoToken(uid2test::kRawUid1).GetEncryptedData();
  // The service now serves keys without the token's site key.
  auto keys = uid2test::DefaultKeys(nowSec_);
  keys.erase(keys.begin() + 1);
  keys.push_back({uid2test::kNewSiteKeyId, uid2test::kDefaultKeysetId, nowSec_ - 60,
                  nowSec_ + 86400, uid2test::kNewSiteSecret});
  ASSERT_EQ(server_->SetKeys(uid2test::SharingKeysJson(keys)), 200);
  ASSERT_TRUE(c.Refresh().IsSuccess());
  EXPECT_EQ(c.DecryptTokenIntoRawUid(token).GetStatus(), DecryptionStatus::NOT_AUTHORIZED_FOR_KEY);
  const std::string fresh = c.EncryptRawUidIntoToken(uid2test::kRawUid1).GetEncryptedData();
  EXPECT_EQ(c.DecryptTokenIntoRawUid(fresh).GetUid(), uid2test::kRawUid1);
}

TEST_F(Http, CredentialsAreChecked) {
  uid2::SharingClient wrongKey(server_->Url(), "not-the-api-key", uid2test::kClientSecret);
  EXPECT_FALSE(wrongKey.Refresh().IsSuccess());
  uid2::SharingClient wrongSecret(server_->Url(), uid2test::kApiKey, uid2test::kSiteSecret);
  EXPECT_FALSE(wrongSecret.Refresh().IsSuccess());
  EXPECT_EQ(wrongSecret.DecryptTokenIntoRawUid("AAAA").GetStatus(),
            DecryptionStatus::NOT_INITIALIZED);
}

TEST_F(Http, BidstreamAndOfficialClients) {
  auto sharing = NewSharing();
  ASSERT_TRUE(sharing.Refresh().IsSuccess());
  const std::string token = sharing.EncryptRawUidIntoToken(uid2test::kRawUid1).GetEncryptedData();

  uid2::BidstreamClient b(server_->Url(), uid2test::kApiKey, uid2test::kClientSecret);
  const auto r = b.Refresh();
  ASSERT_TRUE(r.IsSuccess()) << r.GetReason();
  EXPECT_EQ(b.DecryptTokenIntoRawUid(token, "example.com").GetUid(), uid2test::kRawUid1);

  auto legacy = uid2::UID2ClientFactory::Create(server_->Url(), uid2test::kApiKey,
                                                uid2test::kClientSecret);
  ASSERT_TRUE(legacy->Refresh().IsSuccess());
  EXPECT_EQ(legacy->Decrypt(token).GetUid(), uid2test::kRawUid1);
}

TEST_F(Http, AutoRefresh) {
  auto c = NewSharing();
  c.StartAutoRefresh(1h, 5s);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!c.GetRefreshState().hasKeys && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  auto st = c.GetRefreshState();
  EXPECT_TRUE(st.hasKeys);
  EXPECT_TRUE(st.autoRefreshRunning);
  c.StopAutoRefresh();
  EXPECT_FALSE(c.GetRefreshState().autoRefreshRunning);
  EXPECT_TRUE(c.EncryptRawUidIntoToken(uid2test::kRawUid1).IsSuccess());
}

// 8 threads decrypt (single and batch) while another thread refreshes over
// HTTP, every other refresh failing; decrypts never fail or go wrong.
TEST_F(Http, EightThreadsDecryptDuringRefreshes) {
  auto c = NewSharing();
  ASSERT_TRUE(c.Refresh().IsSuccess());
  const std::vector<std::string> raws = {uid2test::kRawUid1, uid2test::kRawUid2};
  std::vector<std::string> tokens;
  for (const auto& r : raws) tokens.push_back(c.EncryptRawUidIntoToken(r).GetEncryptedData());

  long ok = 0, failed = 0;
  const auto load =
      uid2test::RunDecryptLoad(c, tokens, raws, 2s, false, [&](const std::atomic<bool>& stop) {
        bool fail = false;
        while (!stop.load()) {
          server_->SetFailure(fail ? "500" : "none");
          (c.Refresh(2s).IsSuccess() ? ok : failed)++;
          fail = !fail;
        }
        server_->SetFailure("none");
      });
  EXPECT_EQ(load.bad, 0);
  EXPECT_GT(load.calls, 1000);
  EXPECT_GT(ok, 2);
  EXPECT_GT(failed, 2);
  std::printf("http threads: %ld decrypts, %ld refreshes ok, %ld failed, %ld bad\n", load.calls,
              ok, failed, load.bad);
}

}  // namespace

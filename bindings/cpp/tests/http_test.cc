// Key refresh over real HTTP from the local key service (uid2 serve, the
// uid2 command in UID2_CLI): the sender encrypts with keys it refreshed,
// receivers decrypt with theirs. Success, every failure mode keeping the old
// keys, rotation, credentials, sharing permissions, automatic refresh, and
// 8 threads decrypting while refreshes succeed and fail.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "test_support.hpp"
#include "tests/keyservice/key_service.hpp"
#include <uid2/uid2.hpp>

namespace {

using uid2::DecryptionStatus;
using uid2test::Participant;
using namespace std::chrono_literals;

class Http : public ::testing::Test {
 protected:
  uid2::SharingClient Sharing(const Participant& p) const {
    return uid2::SharingClient(service_.Url(), p.apiKey, p.secret);
  }

  // A token for raw from the sender's client, its keys refreshed over HTTP.
  std::string SenderToken(const char* raw = uid2test::kRawUid1) const {
    auto c = Sharing(sites_.sender);
    const auto r = c.Refresh();
    EXPECT_TRUE(r.IsSuccess()) << r.GetReason();
    const auto e = c.EncryptRawUidIntoToken(raw);
    EXPECT_TRUE(e.IsSuccess());
    return e.GetEncryptedData();
  }

  // How many keys the service holds for these sites (and the master keyset).
  int KeysOf(std::initializer_list<std::string> sites) const {
    int n = 0;
    for (const auto& s : sites) n += static_cast<int>(service_.Admin("GET", "/sites/" + s + "/keys").size());
    return n;
  }

  uid2test::KeyService service_;
  uid2test::SharingSites sites_{service_};
};

TEST_F(Http, RefreshThenEveryFailureKeepsOldKeys) {
  const std::string token = SenderToken();
  auto c = Sharing(sites_.receiver);
  EXPECT_EQ(c.DecryptTokenIntoRawUid(token).GetStatus(), DecryptionStatus::NOT_INITIALIZED);
  const auto ok = c.Refresh();
  ASSERT_TRUE(ok.IsSuccess()) << ok.GetReason();
  auto st = c.GetRefreshState();
  EXPECT_TRUE(st.hasKeys);
  EXPECT_EQ(st.keyCount, KeysOf({"master", std::to_string(sites_.receiver.siteId),
                                 std::to_string(sites_.sender.siteId)}));
  EXPECT_FALSE(st.lastSuccess.IsZero());
  EXPECT_EQ(st.consecutiveFailures, 0);
  const auto d = c.DecryptTokenIntoRawUid(token);
  EXPECT_EQ(d.GetUid(), uid2test::kRawUid1);
  EXPECT_EQ(d.GetSiteId(), sites_.sender.siteId);

  service_.Rotate(sites_.sender);  // what a failed refresh must not install
  const std::string rotated = SenderToken();
  int failures = 0;
  for (const char* mode : {"500", "garbage", "wrong-nonce", "wrong-secret", "slow"}) {
    SCOPED_TRACE(mode);
    service_.Fault(mode);
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
    // The old keys are still in use, and nothing new was installed.
    EXPECT_EQ(c.DecryptTokenIntoRawUid(token).GetUid(), uid2test::kRawUid1);
    EXPECT_EQ(c.DecryptTokenIntoRawUid(rotated).GetStatus(), DecryptionStatus::NOT_AUTHORIZED_FOR_KEY);
    EXPECT_TRUE(c.EncryptRawUidIntoToken(uid2test::kRawUid2).IsSuccess());
  }
  service_.Fault("none");
  ASSERT_TRUE(c.Refresh().IsSuccess());
  EXPECT_EQ(c.GetRefreshState().consecutiveFailures, 0);
  EXPECT_EQ(c.DecryptTokenIntoRawUid(token).GetUid(), uid2test::kRawUid1);
  EXPECT_EQ(c.DecryptTokenIntoRawUid(rotated).GetUid(), uid2test::kRawUid1);
}

TEST_F(Http, RotatedKeysArriveWithTheNextRefresh) {
  const std::string token = SenderToken();
  auto c = Sharing(sites_.receiver);
  ASSERT_TRUE(c.Refresh().IsSuccess());
  service_.Rotate(sites_.sender);
  const std::string rotated = SenderToken();
  EXPECT_EQ(c.DecryptTokenIntoRawUid(rotated).GetStatus(), DecryptionStatus::NOT_AUTHORIZED_FOR_KEY);
  ASSERT_TRUE(c.Refresh().IsSuccess());
  EXPECT_EQ(c.DecryptTokenIntoRawUid(rotated).GetUid(), uid2test::kRawUid1);
  // The old key stays until the tokens it made expire.
  EXPECT_EQ(c.DecryptTokenIntoRawUid(token).GetUid(), uid2test::kRawUid1);
}

TEST_F(Http, SharingPermissionFollowsGrantAndRevoke) {
  const std::string token = SenderToken();
  const Participant outsider = service_.AddParticipant("outsider", {"advertiser"}, {"sharer"});
  auto c = Sharing(outsider);
  ASSERT_TRUE(c.Refresh().IsSuccess());
  EXPECT_EQ(c.DecryptTokenIntoRawUid(token).GetStatus(), DecryptionStatus::NOT_AUTHORIZED_FOR_KEY);
  service_.Grant(sites_.sender, outsider);
  EXPECT_EQ(c.DecryptTokenIntoRawUid(token).GetStatus(), DecryptionStatus::NOT_AUTHORIZED_FOR_KEY)
      << "a grant reaches the receiver at its next refresh";
  ASSERT_TRUE(c.Refresh().IsSuccess());
  const auto d = c.DecryptTokenIntoRawUid(token);
  EXPECT_EQ(d.GetUid(), uid2test::kRawUid1);
  EXPECT_EQ(d.GetSiteId(), sites_.sender.siteId);
  service_.Revoke(sites_.sender, outsider);
  ASSERT_TRUE(c.Refresh().IsSuccess());
  EXPECT_EQ(c.DecryptTokenIntoRawUid(token).GetStatus(), DecryptionStatus::NOT_AUTHORIZED_FOR_KEY);
}

TEST_F(Http, CredentialsAreChecked) {
  const Participant& r = sites_.receiver;
  uid2::SharingClient wrongKey(service_.Url(), "not-the-api-key", r.secret);
  EXPECT_FALSE(wrongKey.Refresh().IsSuccess());
  uid2::SharingClient wrongSecret(service_.Url(), r.apiKey, uid2test::kClientSecret);
  EXPECT_FALSE(wrongSecret.Refresh().IsSuccess());
  EXPECT_EQ(wrongSecret.DecryptTokenIntoRawUid(SenderToken()).GetStatus(),
            DecryptionStatus::NOT_INITIALIZED);
}

TEST_F(Http, BidstreamAndOfficialClients) {
  const std::string token = SenderToken();
  uid2::BidstreamClient b(service_.Url(), sites_.bidder.apiKey, sites_.bidder.secret);
  const auto r = b.Refresh();
  ASSERT_TRUE(r.IsSuccess()) << r.GetReason();
  EXPECT_EQ(b.DecryptTokenIntoRawUid(token, "example.com").GetUid(), uid2test::kRawUid1);

  auto legacy = uid2::UID2ClientFactory::Create(service_.Url(), sites_.receiver.apiKey,
                                                sites_.receiver.secret);
  ASSERT_TRUE(legacy->Refresh().IsSuccess());
  EXPECT_EQ(legacy->Decrypt(token).GetUid(), uid2test::kRawUid1);
}

TEST_F(Http, AutoRefresh) {
  const std::string token = SenderToken();
  auto c = Sharing(sites_.receiver);
  c.StartAutoRefresh(1h, 5s);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!c.GetRefreshState().hasKeys && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  auto st = c.GetRefreshState();
  EXPECT_TRUE(st.hasKeys);
  EXPECT_TRUE(st.autoRefreshRunning);
  EXPECT_EQ(c.DecryptTokenIntoRawUid(token).GetUid(), uid2test::kRawUid1);
  c.StopAutoRefresh();
  EXPECT_FALSE(c.GetRefreshState().autoRefreshRunning);
  EXPECT_TRUE(c.EncryptRawUidIntoToken(uid2test::kRawUid1).IsSuccess());
}

// 8 threads decrypt (single and batch) the sender's tokens while another
// thread refreshes the receiver over HTTP, every other refresh failing;
// decrypts never fail or go wrong.
TEST_F(Http, EightThreadsDecryptDuringRefreshes) {
  const std::vector<std::string> raws = {uid2test::kRawUid1, uid2test::kRawUid2};
  std::vector<std::string> tokens;
  for (const auto& r : raws) tokens.push_back(SenderToken(r.c_str()));
  auto c = Sharing(sites_.receiver);
  ASSERT_TRUE(c.Refresh().IsSuccess());

  long ok = 0, failed = 0;
  const auto load =
      uid2test::RunDecryptLoad(c, tokens, raws, 2s, false, [&](const std::atomic<bool>& stop) {
        // At least three of each, however slow the machine: the load's
        // duration bounds the decrypts, not the refreshes.
        bool fail = false;
        for (int i = 0; i < 6 || !stop.load(); ++i) {
          service_.Fault(fail ? "500" : "none");
          (c.Refresh(2s).IsSuccess() ? ok : failed)++;
          fail = !fail;
        }
        service_.Fault("none");
      });
  EXPECT_EQ(load.bad, 0);
  EXPECT_GT(load.calls, 1000);
  EXPECT_GE(ok, 3);
  EXPECT_GE(failed, 3);
  std::printf("http threads: %ld decrypts, %ld refreshes ok, %ld failed, %ld bad\n", load.calls,
              ok, failed, load.bad);
}

// What a refresh-failure callback received.
class Events {
 public:
  std::function<void(const uid2::RefreshEvent&)> Callback() {
    return [this](const uid2::RefreshEvent& e) {
      std::lock_guard<std::mutex> lock(mu_);
      events_.push_back(e);
      cv_.notify_all();
    };
  }
  // Waits until n events arrived (or 10 s passed); returns them.
  std::vector<uid2::RefreshEvent> WaitFor(std::size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, 10s, [&] { return events_.size() >= n; });
    return events_;
  }
  std::size_t Count() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<uid2::RefreshEvent> events_;
};

TEST_F(Http, WaitForKeysAfterStartingAutoRefresh) {
  const std::string token = SenderToken();
  auto c = Sharing(sites_.receiver);
  c.StartAutoRefresh(1h, 5s);
  const auto r = c.WaitForKeys(10s);
  ASSERT_TRUE(r.IsSuccess()) << r.GetReason();
  // No NOT_INITIALIZED right after it.
  EXPECT_EQ(c.DecryptTokenIntoRawUid(token).GetUid(), uid2test::kRawUid1);
  EXPECT_TRUE(c.WaitForKeys(0ms).IsSuccess());
}

TEST_F(Http, WaitForKeysTimesOutWithTheRefreshFailure) {
  const Participant& p = sites_.receiver;
  uid2::SharingClient c(service_.Url(), "not-the-api-key", p.secret);
  c.StartAutoRefresh(1h, 5s);
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = c.WaitForKeys(1500ms);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 1400ms);
  ASSERT_FALSE(r.IsSuccess());
  EXPECT_NE(r.GetReason().find("HTTP 401"), std::string::npos) << r.GetReason();
  EXPECT_EQ(r.GetReason().find("not-the-api-key"), std::string::npos) << r.GetReason();
  EXPECT_EQ(r.GetReason().find(p.secret), std::string::npos) << r.GetReason();
}

TEST_F(Http, FailedRefreshesReachTheCallback) {
  const Participant& p = sites_.receiver;
  Events events;
  auto c = std::make_unique<uid2::SharingClient>(service_.Url(), "not-the-api-key", p.secret);
  c->SetRefreshFailureCallback(events.Callback());
  c->StartAutoRefresh(1h, 5s);  // fails at once, then retries after 10 s
  auto got = events.WaitFor(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].seq, 1u);
  EXPECT_EQ(got[0].missed, 0u);
  EXPECT_TRUE(got[0].automatic);
  EXPECT_EQ(got[0].consecutiveFailures, 1);
  EXPECT_EQ(got[0].keyCount, 0);
  EXPECT_FALSE(got[0].time.IsZero());
  EXPECT_NE(got[0].message.find("HTTP 401"), std::string::npos) << got[0].message;
  EXPECT_EQ(got[0].message.find("not-the-api-key"), std::string::npos);
  EXPECT_EQ(got[0].message.find(p.secret), std::string::npos);
  c->StopAutoRefresh();
  // A refresh the program makes is reported too.
  EXPECT_FALSE(c->Refresh().IsSuccess());
  got = events.WaitFor(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].seq, 2u);
  EXPECT_FALSE(got[1].automatic);
  EXPECT_EQ(got[1].consecutiveFailures, 2);
  // Destroying the client ends the callback's thread at once.
  const auto t0 = std::chrono::steady_clock::now();
  c.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}

TEST_F(Http, CallbackSkipsSuccessesAndCanBeCleared) {
  Events events;
  auto c = Sharing(sites_.receiver);
  c.SetRefreshFailureCallback(events.Callback());
  ASSERT_TRUE(c.Refresh().IsSuccess());  // seq 1: not reported
  service_.Fault("500");
  EXPECT_FALSE(c.Refresh(2s).IsSuccess());  // seq 2
  const auto got = events.WaitFor(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].seq, 2u);
  EXPECT_EQ(got[0].consecutiveFailures, 1);
  EXPECT_GT(got[0].keyCount, 0);  // the old keys are kept
  EXPECT_FALSE(got[0].message.empty());
  // Moving the client keeps its callback.
  uid2::SharingClient moved(std::move(c));
  EXPECT_FALSE(moved.Refresh(2s).IsSuccess());
  EXPECT_EQ(events.WaitFor(2).size(), 2u);
  // An empty callback stops the calls.
  moved.SetRefreshFailureCallback(nullptr);
  EXPECT_FALSE(moved.Refresh(2s).IsSuccess());
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(events.Count(), 2u);
  service_.Fault("none");
}

TEST_F(Http, LegacyClientWaitsAndReports) {
  Events events;
  uid2::UID2Client c(service_.Url(), sites_.receiver.apiKey, sites_.receiver.secret,
                     uid2::IdentityScope::UID2);
  c.SetRefreshFailureCallback(events.Callback());
  c.StartAutoRefresh(1h, 5s);
  const auto r = c.WaitForKeys(10s);
  ASSERT_TRUE(r.IsSuccess()) << r.GetReason();
  EXPECT_EQ(c.Decrypt(SenderToken()).GetUid(), uid2test::kRawUid1);
  c.StopAutoRefresh();
  service_.Fault("500");
  EXPECT_FALSE(c.Refresh().IsSuccess());
  const auto got = events.WaitFor(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].consecutiveFailures, 1);
  EXPECT_FALSE(got[0].message.empty());
  service_.Fault("none");
}

}  // namespace

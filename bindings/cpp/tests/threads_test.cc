// 8 threads decrypt (single and batch) and encrypt while another thread keeps
// swapping keys in with RefreshJson; every result must be right. Bounded to
// about two seconds.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "test_support.hpp"
#include <uid2/uid2.hpp>

namespace {

TEST(Threads, DecryptWhileRefreshing) {
  const std::int64_t nowSec = uid2test::NowSeconds();
  uid2::SharingClient c;
  // Two key sets that both hold the keys of the tokens below; the second adds
  // another site's key, so each refresh really swaps in a different snapshot
  // (and encrypt keeps using the same site key).
  const std::string keysA = uid2test::SharingKeysJson(nowSec);
  auto more = uid2test::DefaultKeys(nowSec);
  more.push_back({uid2test::kNewSiteKeyId, 0, nowSec - 3600, nowSec + 86400,
                  uid2test::kNewSiteSecret});
  const std::string keysB = uid2test::SharingKeysJson(more);
  ASSERT_TRUE(c.RefreshJson(keysA).IsSuccess());

  const std::vector<std::string> raws = {uid2test::kRawUid1, uid2test::kRawUid2};
  std::vector<std::string> tokens;
  for (const auto& r : raws) tokens.push_back(c.EncryptRawUidIntoToken(r).GetEncryptedData());

  long refreshes = 0, failedRefreshes = 0;
  const auto load = uid2test::RunDecryptLoad(
      c, tokens, raws, std::chrono::seconds(2), true, [&](const std::atomic<bool>& stop) {
        bool a = false;
        while (!stop.load()) {
          if (!c.RefreshJson(a ? keysA : keysB).IsSuccess()) failedRefreshes++;
          a = !a;
          refreshes++;
        }
      });
  EXPECT_EQ(load.bad, 0);
  EXPECT_EQ(failedRefreshes, 0);
  EXPECT_GT(load.calls, 1000);
  EXPECT_GT(refreshes, 10);
  EXPECT_GE(c.GetRefreshState().keyCount, 3);
  std::printf("threads: %ld decrypts, %ld refreshes, %ld bad\n", load.calls, refreshes, load.bad);
}

// Freeing a client while other threads use it: their calls complete or
// report INVALID_HANDLE (never crash).
TEST(Threads, HandleFreedWhileInUse) {
  const std::int64_t nowSec = uid2test::NowSeconds();
  for (int round = 0; round < 20; ++round) {
    auto c = std::make_unique<uid2::SharingClient>();
    ASSERT_TRUE(c->RefreshJson(uid2test::SharingKeysJson(nowSec)).IsSuccess());
    const std::string token = c->EncryptRawUidIntoToken(uid2test::kRawUid1).GetEncryptedData();
    const uid2_client h = c->native_handle();
    std::atomic<bool> go{false};
    std::atomic<long> bad{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < 4; ++t) {
      ts.emplace_back([&] {
        while (!go.load()) std::this_thread::yield();
        for (int i = 0; i < 200; ++i) {
          uid2_decryption_result r;
          const uid2_status s =
              uid2_decrypt(h, token.data(), token.size(), nullptr, 0, UID2_NOW, &r);
          if (s != UID2_STATUS_SUCCESS && s != UID2_STATUS_INVALID_HANDLE) bad++;
        }
      });
    }
    go = true;
    c.reset();
    for (auto& t : ts) t.join();
    EXPECT_EQ(bad.load(), 0);
  }
}

}  // namespace

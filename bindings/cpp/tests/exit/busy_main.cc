// A C++ host that leaves while its threads are inside libuid2 calls: eight
// detached threads decrypt and encrypt with a client they share; once they
// are busy, main returns (argument "return") or calls std::exit ("exit").
// Exit code 0 unless a result was wrong; exit_test.cc runs it.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "../test_support.hpp"
#include <uid2/uid2.hpp>

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode != "return" && mode != "exit") return 2;
  auto c = std::make_shared<uid2::SharingClient>();
  if (!c->RefreshJson(uid2test::SharingKeysJson(uid2test::NowSeconds())).IsSuccess()) return 10;
  const auto e = c->EncryptRawUidIntoToken(uid2test::kRawUid1);
  if (!e.IsSuccess()) return 11;
  const std::string token = e.GetEncryptedData();
  static std::atomic<long> bad{0}, calls{0};
  for (int t = 0; t < 8; ++t) {
    // Each thread holds its own reference, so the client outlives main's.
    std::thread([c, token] {
      for (long n = 0;; ++n) {
        if (c->DecryptTokenIntoRawUid(token).GetUid() != uid2test::kRawUid1) bad++;
        if (n % 8 == 0 && !c->EncryptRawUidIntoToken(uid2test::kRawUid1).IsSuccess()) bad++;
        calls++;
      }
    }).detach();
  }
  while (calls.load() < 20000) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (bad.load() != 0) return 12;
  if (mode == "exit") std::exit(0);
  return 0;
}

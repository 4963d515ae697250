// Google Benchmark of the C++ binding: v4 sharing tokens, single and batch
// decrypt/encrypt, through uid2::SharingClient (results as std::string).
// Run on purpose, not in the test pass:
//   build/cpp/uid2_bench --benchmark_min_time=2 --benchmark_repetitions=3
// Targets (issue 8): decrypt >= 770,000/s, encrypt >= 410,000/s (2x the
// official uid2-client-cpp11 measured on this machine).
#include <benchmark/benchmark.h>

#include <chrono>
#include <string>
#include <vector>

#include "../tests/test_support.hpp"
#include <uid2/uid2.hpp>

namespace {

uid2::SharingClient& Client() {
  static uid2::SharingClient* c = [] {
    auto* client = new uid2::SharingClient();
    if (!client->RefreshJson(uid2test::SharingKeysJson(uid2test::NowSeconds())).IsSuccess())
      std::abort();
    return client;
  }();
  return *c;
}

const std::string& Token() {
  static const std::string t =
      Client().EncryptRawUidIntoToken(uid2test::kRawUid1).GetEncryptedData();
  return t;
}

void BM_Decrypt(benchmark::State& state) {
  auto& c = Client();
  const std::string& token = Token();
  for (auto _ : state) {
    auto r = c.DecryptTokenIntoRawUid(token);
    if (!r.IsSuccess()) state.SkipWithError("decrypt failed");
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_DecryptBatch(benchmark::State& state) {
  auto& c = Client();
  const std::vector<std::string_view> tokens(static_cast<std::size_t>(state.range(0)), Token());
  for (auto _ : state) {
    auto rs = c.DecryptTokensIntoRawUids(tokens);
    if (!rs.back().IsSuccess()) state.SkipWithError("decrypt failed");
    benchmark::DoNotOptimize(rs);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_Encrypt(benchmark::State& state) {
  auto& c = Client();
  for (auto _ : state) {
    auto r = c.EncryptRawUidIntoToken(uid2test::kRawUid1);
    if (!r.IsSuccess()) state.SkipWithError("encrypt failed");
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_EncryptBatch(benchmark::State& state) {
  auto& c = Client();
  const std::vector<std::string_view> raws(static_cast<std::size_t>(state.range(0)),
                                           uid2test::kRawUid1);
  for (auto _ : state) {
    auto rs = c.EncryptRawUidsIntoTokens(raws);
    if (!rs.back().IsSuccess()) state.SkipWithError("encrypt failed");
    benchmark::DoNotOptimize(rs);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

// The official API's path (virtual call through std::shared_ptr<IUID2Client>).
void BM_LegacyDecrypt(benchmark::State& state) {
  static auto client = [] {
    auto c = uid2::UID2ClientFactory::Create("", "", "");
    static_cast<uid2::UID2Client&>(*c).RefreshJson(
        uid2test::SharingKeysJson(uid2test::NowSeconds()));
    return c;
  }();
  const std::string& token = Token();
  for (auto _ : state) {
    auto r = client->Decrypt(token);
    if (!r.IsSuccess()) state.SkipWithError("decrypt failed");
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_Decrypt);
BENCHMARK(BM_DecryptBatch)->Arg(100)->Arg(1000);
BENCHMARK(BM_Encrypt);
BENCHMARK(BM_EncryptBatch)->Arg(100)->Arg(1000);
BENCHMARK(BM_LegacyDecrypt);

}  // namespace

BENCHMARK_MAIN();

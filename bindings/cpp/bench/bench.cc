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

// The C ABI alone (no binding): the floor the Go core sets, to show what the
// binding adds.
void BM_CAbiDecrypt(benchmark::State& state) {
  const uid2_client h = Client().native_handle();
  const std::string& token = Token();
  uid2_decryption_result r;
  for (auto _ : state) {
    if (uid2_decrypt(h, token.data(), token.size(), nullptr, 0, UID2_NOW, &r) != 0)
      state.SkipWithError("decrypt failed");
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_CAbiDecryptBatch(benchmark::State& state) {
  const uid2_client h = Client().native_handle();
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  std::string joined;
  std::vector<std::int32_t> offsets{0};
  for (std::size_t i = 0; i < n; ++i) {
    joined += Token();
    offsets.push_back(static_cast<std::int32_t>(joined.size()));
  }
  std::vector<uid2_decryption_result> rs(n);
  for (auto _ : state) {
    if (uid2_decrypt_batch(h, joined.data(), offsets.data(), n, nullptr, 0, UID2_NOW,
                           rs.data()) != 0 ||
        rs.back().status != 0)
      state.SkipWithError("decrypt failed");
    benchmark::DoNotOptimize(rs);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_CAbiEncrypt(benchmark::State& state) {
  const uid2_client h = Client().native_handle();
  const std::string raw = uid2test::kRawUid1;
  char out[512];
  std::size_t len = 0;
  for (auto _ : state) {
    if (uid2_encrypt(h, raw.data(), raw.size(), UID2_NOW, 0, out, sizeof out, &len) != 0)
      state.SkipWithError("encrypt failed");
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}

// CPU time of the whole process (Go's own threads included: the GC runs
// there), since wall time on the shared build box mostly measures the wait
// for a CPU. items_per_second is per CPU-second.
BENCHMARK(BM_Decrypt)->MeasureProcessCPUTime();
BENCHMARK(BM_DecryptBatch)->Arg(100)->Arg(1000)->MeasureProcessCPUTime();
BENCHMARK(BM_Encrypt)->MeasureProcessCPUTime();
BENCHMARK(BM_EncryptBatch)->Arg(100)->Arg(1000)->MeasureProcessCPUTime();
BENCHMARK(BM_LegacyDecrypt)->MeasureProcessCPUTime();
BENCHMARK(BM_CAbiDecrypt)->MeasureProcessCPUTime();
BENCHMARK(BM_CAbiDecryptBatch)->Arg(100)->Arg(1000)->MeasureProcessCPUTime();
BENCHMARK(BM_CAbiEncrypt)->MeasureProcessCPUTime();

}  // namespace

BENCHMARK_MAIN();

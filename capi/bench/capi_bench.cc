// Google Benchmark of the C ABI's hot paths: what crossing into libuid2
// costs a C caller per decrypt and per token of a batch. Compare with the
// Go benchmarks of the same work (go/uid2: BenchmarkDecrypt/v4-append) to
// get the boundary's share. Run on purpose, not in the test pass:
//
//   bazel run -c opt //capi:capi_bench -- --benchmark_min_time=2
//
// Needs UID2_VECTORS (the tests/vectors directory).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

extern "C" {
#include "uid2.h"
}

namespace {

struct Fixture {
  uid2_client h = 0;
  std::string token, rawUid;
  int64_t now = 0;

  Fixture() {
    const char *dir = std::getenv("UID2_VECTORS");
    std::ifstream in(std::string(dir ? dir : "tests/vectors") + "/sharing.json");
    std::stringstream ss;
    ss << in.rdbuf();
    auto f = nlohmann::json::parse(ss.str());
    uid2_client_new(UID2_CLIENT_SHARING, nullptr, nullptr, nullptr, &h);
    std::string keys = f["keys"].dump();
    if (uid2_refresh_json(h, keys.data(), keys.size()) != UID2_STATUS_SUCCESS) std::abort();
    for (auto &c : f["cases"]) {
      if (c["name"] == "v4 email") {
        token = c["token"];
        rawUid = c["expect"]["uid"];
        now = c["now_ms"];
      }
    }
  }
};

Fixture &fixture() {
  static Fixture f;
  return f;
}

void BM_Decrypt(benchmark::State &state) {
  auto &f = fixture();
  uid2_decryption_result r;
  for (auto _ : state) {
    if (uid2_decrypt(f.h, f.token.data(), f.token.size(), nullptr, 0, f.now, &r) != UID2_STATUS_SUCCESS) std::abort();
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Decrypt);

void BM_DecryptBatch(benchmark::State &state) {
  auto &f = fixture();
  const int n = static_cast<int>(state.range(0));
  std::string joined;
  std::vector<int32_t> offsets{0};
  for (int i = 0; i < n; i++) {
    joined += f.token;
    offsets.push_back(static_cast<int32_t>(joined.size()));
  }
  std::vector<uid2_decryption_result> results(n);
  for (auto _ : state) {
    uid2_decrypt_batch(f.h, joined.data(), offsets.data(), n, nullptr, 0, f.now, results.data());
    benchmark::DoNotOptimize(results.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_DecryptBatch)->Arg(1000);

void BM_Encrypt(benchmark::State &state) {
  auto &f = fixture();
  char out[256];
  size_t n;
  for (auto _ : state) {
    if (uid2_encrypt(f.h, f.rawUid.data(), f.rawUid.size(), f.now, 0, out, sizeof out, &n) != UID2_STATUS_SUCCESS) std::abort();
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Encrypt);

void BM_EncryptBatch(benchmark::State &state) {
  auto &f = fixture();
  const int n = static_cast<int>(state.range(0));
  std::string joined;
  std::vector<int32_t> offsets{0}, outOffsets(n + 1);
  for (int i = 0; i < n; i++) {
    joined += f.rawUid;
    offsets.push_back(static_cast<int32_t>(joined.size()));
  }
  std::vector<char> out(n * 256);
  std::vector<uid2_status> statuses(n);
  size_t needed;
  for (auto _ : state) {
    uid2_encrypt_batch(f.h, joined.data(), offsets.data(), n, f.now, 0, out.data(), out.size(), outOffsets.data(),
                       statuses.data(), &needed);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_EncryptBatch)->Arg(1000);

// The floor: a call that crosses into Go and back and does nothing else.
void BM_ClientCount(benchmark::State &state) {
  for (auto _ : state) benchmark::DoNotOptimize(uid2_client_count());
}
BENCHMARK(BM_ClientCount);

}  // namespace

BENCHMARK_MAIN();

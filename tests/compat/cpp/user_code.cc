// Code in the shape users of the official C++ SDK (uid2-client-cpp11) write
// around it: a bidder that depends on IUID2Client, a mock of it in the
// bidder's own tests with results built by the official factories, switches
// and comparisons on the enums (and their numbers, as the official example
// prints them), Timestamp arithmetic, the factories, RefreshJson, Decrypt and
// Encrypt with a time, and the deprecated EncryptData/DecryptData.
//
// Written against the official header; the build renames only the include
// (uid2/uid2client.h -> uid2/uid2.hpp) and compiles it as C++11.
#include <uid2/uid2client.h>

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace {

int failures = 0;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::printf("FAIL: %s\n", what);
    ++failures;
  }
}

// --- the application -----------------------------------------------------

// A bidder that decides on a token with whatever IUID2Client it is given.
class Bidder {
 public:
  explicit Bidder(std::shared_ptr<uid2::IUID2Client> client) : client_(std::move(client)) {}

  std::string Bid(const std::string& token) {
    const uid2::DecryptionResult result = client_->Decrypt(token);
    switch (result.GetStatus()) {
      case uid2::DecryptionStatus::SUCCESS:
        return "bid:" + result.GetUid();
      case uid2::DecryptionStatus::EXPIRED_TOKEN:
        return "expired";
      case uid2::DecryptionStatus::NOT_INITIALIZED:
      case uid2::DecryptionStatus::KEYS_NOT_SYNCED:
        return "retry";
      default:
        return "no-bid:" + std::to_string(static_cast<int>(result.GetStatus()));
    }
  }

 private:
  std::shared_ptr<uid2::IUID2Client> client_;
};

// --- the bidder's own tests: a mock client -------------------------------

class MockClient : public uid2::IUID2Client {
 public:
  uid2::RefreshResult Refresh() override { return uid2::RefreshResult::MakeError("offline"); }
  uid2::DecryptionResult Decrypt(const std::string& token) override {
    if (token == "good") {
      return uid2::DecryptionResult::MakeSuccess("raw-uid", uid2::Timestamp::FromEpochSecond(1000),
                                                 17, 17);
    }
    if (token == "old") {
      return uid2::DecryptionResult::MakeError(uid2::DecryptionStatus::EXPIRED_TOKEN,
                                               uid2::Timestamp::FromEpochSecond(1000), 17, 17);
    }
    return uid2::DecryptionResult::MakeError(uid2::DecryptionStatus::INVALID_PAYLOAD);
  }
  uid2::EncryptionResult Encrypt(const std::string& uid) override {
    return uid.empty() ? uid2::EncryptionResult::MakeError(uid2::EncryptionStatus::ENCRYPTION_FAILURE)
                       : uid2::EncryptionResult::MakeSuccess("token-of-" + std::string(uid));
  }
  uid2::EncryptionDataResult EncryptData(const uid2::EncryptionDataRequest& request) override {
    if (request.GetSiteId() == 0)
      return uid2::EncryptionDataResult::MakeError(uid2::EncryptionStatus::NOT_AUTHORIZED_FOR_KEY);
    return uid2::EncryptionDataResult::MakeSuccess("blob");
  }
  uid2::DecryptionDataResult DecryptData(const std::string& encryptedData) override {
    if (encryptedData != "blob")
      return uid2::DecryptionDataResult::MakeError(uid2::DecryptionStatus::INVALID_PAYLOAD);
    std::vector<std::uint8_t> data;
    data.push_back(42);
    return uid2::DecryptionDataResult::MakeSuccess(std::move(data), uid2::Timestamp::FromEpochSecond(5));
  }
};

void TestBidderWithMock() {
  Bidder bidder(std::make_shared<MockClient>());
  Check(bidder.Bid("good") == "bid:raw-uid", "mock success");
  Check(bidder.Bid("old") == "expired", "mock expired");
  Check(bidder.Bid("junk") == "no-bid:3", "INVALID_PAYLOAD is 3");

  MockClient mock;
  const uid2::DecryptionResult error = mock.Decrypt("junk");
  Check(!error.IsSuccess(), "error result");
  Check(error.GetSiteId() == -1 && error.GetSiteKeySiteId() == -1, "error site ids are -1");
  Check(error.GetEstablished().IsZero(), "error established is zero");
  const uid2::DecryptionResult old = mock.Decrypt("old");
  Check(old.GetSiteId() == 17 && old.GetEstablished().GetEpochSecond() == 1000, "error with fields");
  Check(!mock.Refresh().IsSuccess() && mock.Refresh().GetReason() == "offline", "refresh result");
  Check(mock.Encrypt("u").GetEncryptedData() == "token-of-u", "encryption result");
  Check(mock.Encrypt("").GetStatus() == uid2::EncryptionStatus::ENCRYPTION_FAILURE, "encrypt failure");
  Check(mock.EncryptData(uid2::EncryptionDataRequest().WithSiteId(3)).GetEncryptedData() == "blob",
        "encrypt data result");
  Check(mock.DecryptData("blob").GetDecryptedData().size() == 1, "decrypt data result");
  Check(mock.DecryptData("blob").GetEncryptedAt() == uid2::Timestamp::FromEpochSecond(5), "encrypted at");
}

// --- enums and timestamps -------------------------------------------------

void TestEnumsAndTimestamps() {
  Check(static_cast<int>(uid2::DecryptionStatus::SUCCESS) == 0, "SUCCESS is 0");
  Check(static_cast<int>(uid2::DecryptionStatus::NOT_AUTHORIZED_FOR_KEY) == 1, "decrypt 1");
  Check(static_cast<int>(uid2::DecryptionStatus::EXPIRED_TOKEN) == 4, "EXPIRED_TOKEN is 4");
  Check(static_cast<int>(uid2::DecryptionStatus::INVALID_IDENTITY_SCOPE) == 8, "decrypt 8");
  Check(static_cast<int>(uid2::EncryptionStatus::NOT_AUTHORIZED_FOR_MASTER_KEY) == 2, "encrypt 2");
  Check(static_cast<int>(uid2::EncryptionStatus::ENCRYPTION_FAILURE) == 7, "encrypt 7");
  Check(uid2::IdentityScope::UID2 != uid2::IdentityScope::EUID, "scopes differ");
  Check(static_cast<int>(uid2::IdentityScope::EUID) == 1, "EUID is 1");
  Check(static_cast<int>(uid2::IdentityType::EMAIL) == 0, "EMAIL is 0");
  Check(static_cast<int>(uid2::IdentityType::PHONE) == 1, "PHONE is 1");
  Check(static_cast<int>(uid2::AdvertisingTokenVersion::V3) == 112, "V3 is 112");
  Check(static_cast<int>(uid2::AdvertisingTokenVersion::V4) == 128, "V4 is 128");

  const uid2::Timestamp t = uid2::Timestamp::FromEpochSecond(100);
  Check(t.AddDays(1).GetEpochSecond() == 100 + 86400, "AddDays");
  Check(t.AddSeconds(-1) < t && t <= t && t >= t && t.AddSeconds(1) > t, "comparisons");
  Check(t.GetEpochMilli() == 100000, "millis");
  Check(uid2::Timestamp().IsZero() && !uid2::Timestamp::Now().IsZero(), "zero and now");
  std::ostringstream os;
  os << t;
  Check(os.str() == "100000", "Timestamp prints its milliseconds");
}

// --- the real client, with keys from JSON ---------------------------------

std::string KeysJson() {
  const long long now = static_cast<long long>(std::time(nullptr));
  const long long from = now - 86400, to = now + 365 * 86400;
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                "{\"body\":{\"caller_site_id\":999,\"master_keyset_id\":1,\"default_keyset_id\":99999,"
                "\"token_expiry_seconds\":\"2592000\",\"keys\":["
                "{\"id\":1,\"keyset_id\":1,\"site_id\":-1,\"created\":%lld,\"activates\":%lld,"
                "\"expires\":%lld,\"secret\":\"AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=\"},"
                "{\"id\":2,\"keyset_id\":99999,\"site_id\":999,\"created\":%lld,\"activates\":%lld,"
                "\"expires\":%lld,\"secret\":\"ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=\"}]}}",
                from, from, to, from, from, to);
  return buf;
}

void TestRealClient() {
  const char* rawUid = "ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=";
  uid2::UID2Client client("", "", "", uid2::IdentityScope::UID2);
  Check(client.Decrypt("anything").GetStatus() == uid2::DecryptionStatus::NOT_INITIALIZED,
        "NOT_INITIALIZED before keys");
  const uid2::RefreshResult refreshed = client.RefreshJson(KeysJson());
  Check(refreshed.IsSuccess(), "RefreshJson");
  if (!refreshed.IsSuccess()) std::printf("  reason: %s\n", refreshed.GetReason().c_str());

  const uid2::Timestamp now = uid2::Timestamp::Now();
  const uid2::EncryptionResult encrypted = client.Encrypt(rawUid, now);
  Check(encrypted.IsSuccess(), "Encrypt");
  const std::string token = encrypted.GetEncryptedData();
  const uid2::DecryptionResult decrypted = client.Decrypt(token, now);
  Check(decrypted.IsSuccess() && decrypted.GetUid() == rawUid, "Decrypt");
  Check(decrypted.GetSiteId() == 999, "site id");
  Check(client.Decrypt(token, now.AddDays(31)).GetStatus() == uid2::DecryptionStatus::EXPIRED_TOKEN,
        "EXPIRED_TOKEN a month later");
  Check(client.Decrypt("not a token").GetStatus() == uid2::DecryptionStatus::INVALID_PAYLOAD,
        "INVALID_PAYLOAD");

  // Through the interface, as the factories give it.
  std::shared_ptr<uid2::IUID2Client> shared = uid2::UID2ClientFactory::Create("", "", "");
  Check(shared->Decrypt(token).GetStatus() == uid2::DecryptionStatus::NOT_INITIALIZED,
        "factory client without keys");
  Check(!shared->Refresh().IsSuccess(), "Refresh without an endpoint fails");
  Bidder bidder(shared);
  Check(bidder.Bid(token) == "retry", "bidder retries before keys");
  std::shared_ptr<uid2::IUID2Client> euid = uid2::EUIDClientFactory::Create("", "", "");
  Check(euid != nullptr, "EUID factory");

  // The deprecated data encryption, as the official example does it.
  const std::string data = "Hello World!";
  const uid2::EncryptionDataResult sealed = client.EncryptData(
      uid2::EncryptionDataRequest(reinterpret_cast<const std::uint8_t*>(data.data()), data.size())
          .WithAdvertisingToken(token));
  Check(sealed.IsSuccess(), "EncryptData");
  const uid2::DecryptionDataResult opened = client.DecryptData(sealed.GetEncryptedData());
  Check(opened.IsSuccess(), "DecryptData");
  Check(std::string(opened.GetDecryptedData().begin(), opened.GetDecryptedData().end()) == data,
        "the data back");
  Check(!opened.GetEncryptedAt().IsZero(), "encrypted at");
  const uid2::EncryptionDataResult forSite = client.EncryptData(
      uid2::EncryptionDataRequest(reinterpret_cast<const std::uint8_t*>(data.data()), data.size())
          .WithSiteId(999)
          .WithNow(now));
  Check(forSite.IsSuccess(), "EncryptData for a site");
  Check(client.DecryptData(forSite.GetEncryptedData()).GetEncryptedAt() == now, "its time");
}

}  // namespace

int main() {
  TestBidderWithMock();
  TestEnumsAndTimestamps();
  TestRealClient();
  if (failures != 0) {
    std::printf("%d failed\n", failures);
    return 1;
  }
  std::printf("user code: PASS\n");
  return 0;
}

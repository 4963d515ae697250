// A program in the shape of the official SDK's example application
// (uid2-client-cpp11 app/example.cpp): a basic refresh and decrypt, a thread
// that refreshes while the main thread decrypts, and the deprecated data
// encryption, printing what it gets as the official example does (statuses
// as numbers). Written against the official header; the build renames only
// the include (uid2/uid2client.h -> uid2/uid2.hpp) and compiles it as C++11.
// The base URL, API key, secret key and advertising token come from the
// environment (UID2_BASE_URL, UID2_API_KEY, UID2_SECRET_KEY, UID2_AD_TOKEN).
#include <uid2/uid2client.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

namespace {

std::string FromEnv(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

bool Basic(const std::string& baseUrl, const std::string& apiKey, const std::string& secretKey,
           const std::string& adToken) {
  std::cout << "== basic\n";
  const std::shared_ptr<uid2::IUID2Client> client =
      uid2::UID2ClientFactory::Create(baseUrl, apiKey, secretKey);
  const uid2::RefreshResult refreshResult = client->Refresh();
  if (!refreshResult.IsSuccess()) {
    std::cout << "Failed to refresh keys: " << refreshResult.GetReason() << "\n";
    return false;
  }
  const uid2::DecryptionResult result = client->Decrypt(adToken);
  std::cout << "DecryptedSuccess=" << result.IsSuccess()
            << " Status=" << static_cast<int>(result.GetStatus()) << "\n";
  std::cout << "UID=" << result.GetUid() << "\n";
  std::cout << "SiteId=" << result.GetSiteId() << "\n";
  std::cout << "EstablishedAt=" << result.GetEstablished().GetEpochSecond() << "\n";
  return result.IsSuccess();
}

bool RefreshingThread(const std::string& baseUrl, const std::string& apiKey,
                      const std::string& secretKey, const std::string& adToken) {
  std::cout << "== refresh on another thread\n";
  const std::shared_ptr<uid2::IUID2Client> client =
      uid2::UID2ClientFactory::Create(baseUrl, apiKey, secretKey);
  if (!client->Refresh().IsSuccess()) return false;
  int refreshed = 0;
  std::thread refresher([&] {
    for (int i = 0; i < 3; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (client->Refresh().IsSuccess()) ++refreshed;
    }
  });
  int decrypted = 0;
  for (int i = 0; i < 20; ++i) {
    if (client->Decrypt(adToken).IsSuccess()) ++decrypted;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  refresher.join();
  std::cout << "Refreshed=" << refreshed << " Decrypted=" << decrypted << "\n";
  return refreshed == 3 && decrypted == 20;
}

bool Data(const std::string& baseUrl, const std::string& apiKey, const std::string& secretKey,
          const std::string& adToken) {
  std::cout << "== data\n";
  const std::shared_ptr<uid2::IUID2Client> client =
      uid2::UID2ClientFactory::Create(baseUrl, apiKey, secretKey);
  if (!client->Refresh().IsSuccess()) return false;
  const std::string data = "Hello World!";
  const uid2::EncryptionDataResult encrypted = client->EncryptData(
      uid2::EncryptionDataRequest(reinterpret_cast<const std::uint8_t*>(data.data()), data.size())
          .WithAdvertisingToken(adToken));
  if (!encrypted.IsSuccess()) {
    // Keys from /v2/key/sharing name keysets, not sites: no site key to
    // encrypt for (the official SDK reports the same).
    std::cout << "Failed to encrypt data: " << static_cast<int>(encrypted.GetStatus()) << "\n";
    return encrypted.GetStatus() == uid2::EncryptionStatus::NOT_AUTHORIZED_FOR_KEY;
  }
  const uid2::DecryptionDataResult decrypted = client->DecryptData(encrypted.GetEncryptedData());
  std::cout << "Decrypted: "
            << std::string(decrypted.GetDecryptedData().begin(), decrypted.GetDecryptedData().end())
            << "\n";
  return decrypted.IsSuccess();
}

}  // namespace

int main() {
  const std::string baseUrl = FromEnv("UID2_BASE_URL");
  const std::string apiKey = FromEnv("UID2_API_KEY");
  const std::string secretKey = FromEnv("UID2_SECRET_KEY");
  const std::string adToken = FromEnv("UID2_AD_TOKEN");
  const bool ok = Basic(baseUrl, apiKey, secretKey, adToken) &&
                  RefreshingThread(baseUrl, apiKey, secretKey, adToken) &&
                  Data(baseUrl, apiKey, secretKey, adToken);
  std::cout << (ok ? "example: PASS" : "example: FAIL") << "\n";
  return ok ? 0 : 1;
}

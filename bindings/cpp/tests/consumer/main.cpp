// C++ consumer (C++11 and later): encrypt then decrypt with
// uid2::SharingClient and the official-style UID2Client. Prints "ok <version>".
#include <uid2/uid2.hpp>

#include <chrono>
#include <cstdio>

#include "keys.h"

int main() {
  char keys[2048];
  consumer_keys_json(keys, sizeof keys);

  uid2::SharingClient sharing;
  // Links the callback's thread (-pthread / Threads::Threads from the package).
  sharing.SetRefreshFailureCallback([](const uid2::RefreshEvent&) {});
  if (!sharing.RefreshJson(keys).IsSuccess()) return 1;
  if (!sharing.WaitForKeys(std::chrono::milliseconds(0)).IsSuccess()) return 5;
  const uid2::EncryptionResult e = sharing.EncryptRawUidIntoToken(CONSUMER_RAW_UID);
  if (!e.IsSuccess()) return 2;

  auto client = uid2::UID2ClientFactory::Create("", "", "");
  if (!static_cast<uid2::UID2Client&>(*client).RefreshJson(keys).IsSuccess()) return 3;
  const uid2::DecryptionResult d = client->Decrypt(e.GetEncryptedData());
  if (!d.IsSuccess() || d.GetUid() != CONSUMER_RAW_UID || d.GetSiteId() != 999) return 4;

  std::printf("ok %s\n", uid2_version());
  return 0;
}

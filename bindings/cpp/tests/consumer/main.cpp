// C++ consumer: encrypt then decrypt with uid2::SharingClient and the
// official-style UID2Client. Prints "ok <version>".
#include <uid2/uid2.hpp>

#include <cstdio>

#include "keys.h"

int main() {
  char keys[2048];
  consumer_keys_json(keys, sizeof keys);

  uid2::SharingClient sharing;
  if (!sharing.RefreshJson(keys).IsSuccess()) return 1;
  const uid2::EncryptionResult e = sharing.EncryptRawUidIntoToken(CONSUMER_RAW_UID);
  if (!e.IsSuccess()) return 2;

  auto client = uid2::UID2ClientFactory::Create("", "", "");
  if (!static_cast<uid2::UID2Client&>(*client).RefreshJson(keys).IsSuccess()) return 3;
  const uid2::DecryptionResult d = client->Decrypt(e.GetEncryptedData());
  if (!d.IsSuccess() || d.GetUid() != CONSUMER_RAW_UID || d.GetSiteId() != 999) return 4;

  std::printf("ok %s\n", uid2_version());
  return 0;
}

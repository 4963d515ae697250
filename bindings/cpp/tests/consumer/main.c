/* C consumer of uid2.h: encrypt then decrypt. Prints "ok <version>". */
#include <uid2.h>

#include <stdio.h>
#include <string.h>

#include "keys.h"

int main(void) {
  char keys[2048], token[512];
  size_t token_len = 0;
  uid2_client c = 0;
  uid2_decryption_result r;

  if ((uid2_abi_version() >> 16) != UID2_ABI_VERSION_MAJOR) return 1;
  consumer_keys_json(keys, sizeof keys);
  if (uid2_client_new(UID2_CLIENT_SHARING, NULL, NULL, NULL, &c) != UID2_STATUS_SUCCESS) return 2;
  if (uid2_refresh_json(c, keys, strlen(keys)) != UID2_STATUS_SUCCESS) return 3;
  if (uid2_encrypt(c, CONSUMER_RAW_UID, strlen(CONSUMER_RAW_UID), UID2_NOW, 0, token,
                   sizeof token, &token_len) != UID2_STATUS_SUCCESS)
    return 4;
  if (uid2_decrypt(c, token, token_len, NULL, 0, UID2_NOW, &r) != UID2_STATUS_SUCCESS) return 5;
  if (strcmp(r.uid, CONSUMER_RAW_UID) != 0 || r.site_id != 999) return 6;
  if (uid2_client_free(c) != UID2_STATUS_SUCCESS || uid2_client_count() != 0) return 7;
  printf("ok %s\n", uid2_version());
  return 0;
}

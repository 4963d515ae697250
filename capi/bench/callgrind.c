/*
 * A harness for counting instructions with callgrind through the C ABI:
 * loads keys, decrypts a token once (for its raw UID), then makes N calls
 * of uid2_decrypt (op "d") or uid2_encrypt (op "e"). Run it with two N and
 * difference the counts: what is left is N calls (callgrind.sh does this).
 *
 *   callgrind d|e N KEYS.json TOKEN_FILE NOW_MS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uid2.h"

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL || fseek(f, 0, SEEK_END) != 0) {
    perror(path);
    exit(2);
  }
  long n = ftell(f);
  char *buf = malloc((size_t)n + 1);
  rewind(f);
  if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
    perror(path);
    exit(2);
  }
  fclose(f);
  buf[n] = 0;
  *len = (size_t)n;
  return buf;
}

int main(int argc, char **argv) {
  if (argc != 6 || (argv[1][0] != 'd' && argv[1][0] != 'e')) {
    fprintf(stderr, "usage: %s d|e N KEYS.json TOKEN_FILE NOW_MS\n", argv[0]);
    return 2;
  }
  long n = atol(argv[2]);
  size_t keys_len, tok_len;
  char *keys = slurp(argv[3], &keys_len);
  char *tok = slurp(argv[4], &tok_len);
  int64_t now = atoll(argv[5]);

  uid2_client c;
  uid2_decryption_result r;
  if (uid2_client_new(UID2_CLIENT_SHARING, NULL, NULL, NULL, &c) != UID2_STATUS_SUCCESS ||
      uid2_refresh_json(c, keys, keys_len) != UID2_STATUS_SUCCESS ||
      uid2_decrypt(c, tok, tok_len, NULL, 0, now, &r) != UID2_STATUS_SUCCESS) {
    char msg[256];
    uid2_last_error_message(msg, sizeof msg);
    fprintf(stderr, "setup failed: %s\n", msg);
    return 1;
  }
  char raw[UID2_UID_INLINE_CAPACITY + 1];
  size_t raw_len = (size_t)r.uid_len, out_len = 0;
  memcpy(raw, r.uid, raw_len);
  char out[512];
  int bad = 0;
  for (long i = 0; i < n; i++) {
    if (argv[1][0] == 'd') {
      bad |= uid2_decrypt(c, tok, tok_len, NULL, 0, now, &r) != UID2_STATUS_SUCCESS;
    } else {
      bad |= uid2_encrypt(c, raw, raw_len, now, 0, out, sizeof out, &out_len) != UID2_STATUS_SUCCESS;
    }
  }
  uid2_client_free(c);
  if (bad) {
    fprintf(stderr, "a call failed\n");
    return 1;
  }
  return 0;
}

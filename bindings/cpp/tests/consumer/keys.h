/* A /v2/key/sharing response with keys valid around now (test data). */
#ifndef CONSUMER_KEYS_H
#define CONSUMER_KEYS_H
#include <stdio.h>
#include <time.h>

static void consumer_keys_json(char *buf, size_t cap) {
  long long now = (long long)time(NULL), from = now - 86400, to = now + 86400;
  snprintf(buf, cap,
           "{\"body\":{\"caller_site_id\":999,\"master_keyset_id\":9999999,"
           "\"default_keyset_id\":99999,\"token_expiry_seconds\":\"2592000\","
           "\"identity_scope\":\"UID2\",\"keys\":["
           "{\"id\":1,\"keyset_id\":9999999,\"created\":%lld,\"activates\":%lld,\"expires\":%lld,"
           "\"secret\":\"AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=\"},"
           "{\"id\":2,\"keyset_id\":99999,\"created\":%lld,\"activates\":%lld,\"expires\":%lld,"
           "\"secret\":\"ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=\"}]}}",
           from, from, to, from, from, to);
}

#define CONSUMER_RAW_UID "ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM="
#endif

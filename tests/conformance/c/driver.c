/* The C conformance driver: runs the vectors (and the round trip) through
 * the C ABI (uid2.h) directly. See ../README.md. C99 with a minimal JSON
 * reader for the vector files. */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canonical_json.h"
#include "uid2.h"

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("c driver: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

/* ---- a minimal JSON reader: a tree of nodes --------------------------- */

enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };
typedef struct node {
  int type;
  long long num;       /* J_NUM (integers only), J_BOOL */
  char *str;           /* J_STR: UTF-8, may hold NULs */
  size_t len;          /* J_STR: bytes; J_ARR/J_OBJ: items */
  char **keys;         /* J_OBJ */
  struct node **items; /* J_ARR/J_OBJ */
  const char *raw;     /* the value's text in the input */
  size_t raw_len;
} node;

static const char *p;

static void ws(void) { while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') p++; }

static void put_utf8(char *out, size_t *n, unsigned c) {
  if (c < 0x80) { out[(*n)++] = (char)c; return; }
  if (c < 0x800) { out[(*n)++] = (char)(0xc0 | c >> 6); }
  else {
    if (c < 0x10000) { out[(*n)++] = (char)(0xe0 | c >> 12); }
    else { out[(*n)++] = (char)(0xf0 | c >> 18); out[(*n)++] = (char)(0x80 | ((c >> 12) & 0x3f)); }
    out[(*n)++] = (char)(0x80 | ((c >> 6) & 0x3f));
  }
  out[(*n)++] = (char)(0x80 | (c & 0x3f));
}

static unsigned hex4(void) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++, p++) {
    char c = *p;
    v = v * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  }
  return v;
}

static char *string(size_t *len) {
  const char *end = ++p; /* after the opening quote; the text never grows when unescaped */
  while (*end != '"') end += (*end == '\\') ? 2 : 1;
  char *out = malloc((size_t)(end - p) + 1);
  size_t n = 0;
  while (*p != '"') {
    if (*p != '\\') { out[n++] = *p++; continue; }
    p++;
    char e = *p++;
    switch (e) {
      case 'n': out[n++] = '\n'; break;
      case 'r': out[n++] = '\r'; break;
      case 't': out[n++] = '\t'; break;
      case 'b': out[n++] = '\b'; break;
      case 'f': out[n++] = '\f'; break;
      case 'u': {
        unsigned c = hex4();
        if (c >= 0xd800 && c < 0xdc00 && p[0] == '\\' && p[1] == 'u') {
          p += 2;
          c = 0x10000 + ((c - 0xd800) << 10) + (hex4() - 0xdc00);
        }
        put_utf8(out, &n, c);
        break;
      }
      default: out[n++] = e; /* " \ / */
    }
  }
  p++;
  out[n] = 0;
  *len = n;
  return out;
}

static node *value(void) {
  node *v = calloc(1, sizeof *v);
  ws();
  v->raw = p;
  if (*p == '{' || *p == '[') {
    int obj = *p++ == '{';
    v->type = obj ? J_OBJ : J_ARR;
    for (ws(); *p != (obj ? '}' : ']'); ws()) {
      v->items = realloc(v->items, (v->len + 1) * sizeof *v->items);
      if (obj) {
        size_t klen;
        v->keys = realloc(v->keys, (v->len + 1) * sizeof *v->keys);
        v->keys[v->len] = string(&klen);
        ws();
        p++; /* : */
      }
      v->items[v->len++] = value();
      ws();
      if (*p == ',') p++;
    }
    p++;
  } else if (*p == '"') {
    v->type = J_STR;
    v->str = string(&v->len);
  } else if (*p == 'n') {
    v->type = J_NULL, p += 4;
  } else if (*p == 't' || *p == 'f') {
    v->type = J_BOOL, v->num = *p == 't', p += v->num ? 4 : 5;
  } else {
    char *end;
    v->type = J_NUM, v->num = strtoll(p, &end, 10);
    if (end == p) die("JSON: unexpected %.20s", p);
    /* A fraction or exponent (key JSON may write integers as 259200.0):
     * only its raw text matters here. */
    if (*end == '.' || *end == 'e' || *end == 'E') strtod(p, &end);
    p = end;
  }
  v->raw_len = (size_t)(p - v->raw);
  return v;
}

static node *get(const node *obj, const char *key) {
  for (size_t i = 0; i < obj->len; i++)
    if (strcmp(obj->keys[i], key) == 0) return obj->items[i];
  die("JSON: no field %s", key);
  return NULL;
}

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) die("cannot open %s", path);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  char *data = malloc((size_t)n + 1);
  if (fread(data, 1, (size_t)n, f) != (size_t)n) die("cannot read %s", path);
  fclose(f);
  data[n] = 0;
  if (len) *len = (size_t)n;
  return data;
}

/* ---- canonical output ---------------------------------------------------- */

static void put_decrypted(FILE *out, uid2_client client, const char *token, size_t token_len,
                          const char *domain, size_t domain_len, int64_t now_ms) {
  uid2_decryption_result r;
  const char *uid = r.uid;
  char *long_uid = NULL;
  uid2_status s = uid2_decrypt(client, token, token_len, domain, domain_len, now_ms, &r);
  if (s == UID2_STATUS_BUFFER_TOO_SMALL) { /* a raw UID longer than the inline buffer */
    size_t cap = (size_t)r.uid_len + 1;
    uid = long_uid = malloc(cap);
    s = uid2_decrypt_to_buffer(client, token, token_len, domain, domain_len, now_ms, &r, long_uid, cap);
  }
  if (s >= 100) die("decrypt: %s", uid2_status_name(s));
  fprintf(out, "{\"established_ms\":%lld,\"expiry_ms\":%lld,\"identity_scope\":\"%s\",\"identity_type\":%s,"
          "\"is_client_side_generated\":%s,\"site_id\":%d,\"site_key_site_id\":%d,\"status\":",
          (long long)r.established_ms, (long long)r.expiry_ms,
          r.identity_scope == UID2_IDENTITY_SCOPE_EUID ? "EUID" : "UID2",
          r.identity_type == UID2_IDENTITY_TYPE_EMAIL ? "\"EMAIL\""
          : r.identity_type == UID2_IDENTITY_TYPE_PHONE ? "\"PHONE\"" : "null",
          r.is_client_side_generated ? "true" : "false", (int)r.site_id, (int)r.site_key_site_id);
  put_cstr(out, uid2_status_name(s));
  fputs(",\"uid\":", out);
  put_str(out, uid, s == UID2_STATUS_SUCCESS ? (size_t)r.uid_len : 0);
  fprintf(out, ",\"version\":%d}", (int)r.advertising_token_version);
  free(long_uid);
}

/* nonces: NULL for the real nonce source. */
static void put_encrypted(FILE *out, uid2_client client, const char *raw, size_t raw_len, int64_t now_ms,
                          int64_t keyset, const uint8_t *nonces) {
  size_t cap = 64, len = 0;
  char *token = NULL;
  uid2_status s = UID2_STATUS_BUFFER_TOO_SMALL;
  while (s == UID2_STATUS_BUFFER_TOO_SMALL) {
    cap = len > cap ? len : cap * 4;
    token = realloc(token, cap);
    s = nonces ? uid2_encrypt_with_nonces_insecure_for_tests(client, raw, raw_len, now_ms, keyset, nonces,
                                                              token, cap, &len)
               : uid2_encrypt(client, raw, raw_len, now_ms, keyset, token, cap, &len);
  }
  if (s >= 100) die("encrypt: %s", uid2_status_name(s));
  fputs("{\"status\":", out);
  put_cstr(out, uid2_status_name(s));
  fputs(",\"token\":", out);
  put_str(out, token, s == UID2_STATUS_SUCCESS ? len : 0);
  fputs("}", out);
  free(token);
}

static uid2_client new_client(uid2_client_type type, const char *keys, size_t keys_len) {
  uid2_client c;
  if (uid2_client_new(type, NULL, NULL, NULL, &c) != UID2_STATUS_SUCCESS) die("uid2_client_new failed");
  if (keys && uid2_refresh_json(c, keys, keys_len) != UID2_STATUS_SUCCESS) {
    char msg[512];
    uid2_last_error_message(msg, sizeof msg);
    die("keys not loaded: %s", msg);
  }
  return c;
}

/* A client of the type with the keys of a key file, or refreshed over HTTP
 * from a key service's base URL with the API key and secret in UID2_API_KEY
 * and UID2_SECRET_KEY. */
static uid2_client client_for(const char *keys, uid2_client_type type) {
  if (strncmp(keys, "http://", 7) != 0 && strncmp(keys, "https://", 8) != 0) {
    size_t len;
    char *json = read_file(keys, &len);
    return new_client(type, json, len);
  }
  uid2_client c;
  if (uid2_client_new(type, keys, getenv("UID2_API_KEY"), getenv("UID2_SECRET_KEY"), &c) !=
      UID2_STATUS_SUCCESS)
    die("uid2_client_new failed");
  if (uid2_refresh(c, 0) != UID2_STATUS_SUCCESS) {
    char msg[512];
    uid2_last_error_message(msg, sizeof msg);
    die("refresh from %s failed: %s", keys, msg);
  }
  return c;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void run_vectors(const char *dir, FILE *out) {
  DIR *d = opendir(dir);
  if (!d) die("cannot open %s", dir);
  char **names = NULL;
  size_t count = 0;
  for (struct dirent *e; (e = readdir(d));) {
    size_t n = strlen(e->d_name);
    if (n > 5 && strcmp(e->d_name + n - 5, ".json") == 0) {
      names = realloc(names, (count + 1) * sizeof *names);
      names[count++] = strdup(e->d_name);
    }
  }
  closedir(d);
  qsort(names, count, sizeof *names, by_name);
  for (size_t f = 0; f < count; f++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, names[f]);
    p = read_file(path, NULL);
    node *v = value();
    node *keys = get(v, "keys");
    int sharing = strcmp(get(v, "client")->str, "sharing") == 0;
    uid2_client c = new_client(sharing ? UID2_CLIENT_SHARING : UID2_CLIENT_BIDSTREAM,
                               keys->type == J_NULL ? NULL : keys->raw, keys->raw_len);
    node *cases = get(v, "cases");
    for (size_t i = 0; i < cases->len; i++) {
      node *k = cases->items[i], *name = get(k, "name");
      int64_t now = get(k, "now_ms")->num;
      fputs("{\"case\":", out);
      put_str(out, name->str, name->len);
      fputs(",\"file\":", out);
      put_cstr(out, names[f]);
      fputs(",\"result\":", out);
      if (strcmp(get(k, "op")->str, "encrypt") == 0) {
        const char *hex = get(k, "nonces")->str;
        uint8_t nonces[24];
        for (int j = 0; j < 24; j++) sscanf(hex + 2 * j, "%2hhx", &nonces[j]);
        node *raw = get(k, "raw_uid");
        put_encrypted(out, c, raw->str, raw->len, now, get(k, "keyset_id")->num, nonces);
      } else {
        node *token = get(k, "token"), *domain = sharing ? NULL : get(k, "domain");
        int has_domain = domain && domain->type == J_STR;
        put_decrypted(out, c, token->str, token->len, has_domain ? domain->str : NULL,
                      has_domain ? domain->len : 0, now);
      }
      fputs("}\n", out);
    }
    uid2_client_free(c);
  }
}

int main(int argc, char **argv) {
  if (argc < 4) die("usage: driver vectors DIR OUT | encrypt KEYS IN OUT | decrypt KEYS IN OUT | bidstream KEYS IN OUT");
  if ((uid2_abi_version() >> 16) != UID2_ABI_VERSION_MAJOR) die("ABI major mismatch");
  FILE *out = fopen(argv[argc - 1], "wb");
  if (!out) die("cannot write %s", argv[argc - 1]);
  if (strcmp(argv[1], "vectors") == 0) {
    run_vectors(argv[2], out);
  } else {
    char *lines = read_file(argv[3], NULL);
    /* bidstream: a DSP decrypts bid requests' tokens (no domain: tokens
     * generated server-side carry none to check). */
    int bidstream = strcmp(argv[1], "bidstream") == 0;
    uid2_client c = client_for(argv[2], bidstream ? UID2_CLIENT_BIDSTREAM : UID2_CLIENT_SHARING);
    for (char *line = lines, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
      /* UID2_NOW: the real clock and, for encrypt, the real nonce source. */
      if (strcmp(argv[1], "encrypt") == 0) put_encrypted(out, c, line, (size_t)(nl - line), UID2_NOW, 0, NULL);
      else put_decrypted(out, c, line, (size_t)(nl - line), NULL, 0, UID2_NOW);
      fputc('\n', out);
    }
    uid2_client_free(c);
  }
  if (fclose(out) != 0) die("cannot write %s", argv[argc - 1]);
  return 0;
}

/* Canonical JSON strings for the C and C++ conformance drivers: the bytes
 * Python's json.dumps (ensure_ascii) writes. See ../README.md. */
#ifndef CONFORMANCE_CANONICAL_JSON_H
#define CONFORMANCE_CANONICAL_JSON_H

#include <stdio.h>
#include <string.h>

/* s as canonical JSON: \u escapes for control and non-ASCII characters. */
static inline void put_str(FILE *out, const char *s, size_t len) {
  const unsigned char *u = (const unsigned char *)s, *end = u + len;
  fputc('"', out);
  while (u < end) {
    unsigned c = *u++;
    if (c >= 0x80) { /* decode UTF-8 (the inputs are valid UTF-8) */
      int more = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
      c &= 0x3f >> more;
      while (more-- && u < end) c = c << 6 | (*u++ & 0x3f);
    }
    if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
    else if (c == '\n') fputs("\\n", out);
    else if (c == '\r') fputs("\\r", out);
    else if (c == '\t') fputs("\\t", out);
    else if (c == '\b') fputs("\\b", out);
    else if (c == '\f') fputs("\\f", out);
    else if (c >= 0x10000) fprintf(out, "\\u%04x\\u%04x", 0xd800 + ((c - 0x10000) >> 10), 0xdc00 + (c & 0x3ff));
    else if (c < 0x20 || c > 0x7f) fprintf(out, "\\u%04x", c);
    else fputc((int)c, out);
  }
  fputc('"', out);
}

static inline void put_cstr(FILE *out, const char *s) { put_str(out, s, strlen(s)); }

#endif

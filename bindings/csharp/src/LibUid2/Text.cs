// Managed-side text conversion: the boundary carries bytes with lengths,
// never runtime-marshalled strings (HOSTS.md: StringBuilder marshalling costs
// ~2x the whole decrypt on Mono). ASCII is the fast path; anything else is
// UTF-8, so every input gives a status, never an exception.
using System;
using System.Text;

namespace LibUid2
{
    internal static unsafe class Text
    {
        private static readonly Encoding Utf8 = new UTF8Encoding(false, false);

        // Chars of a string decoded on the stack before new string(char*).
        internal const int StackChars = 512;

        /// <summary>UTF-8 byte count of s (null counts as 0).</summary>
        internal static int ByteCount(string s)
        {
            if (s == null) return 0;
            fixed (char* p = s)
            {
                int n = s.Length;
                for (int i = 0; i < n; i++)
                {
                    if (p[i] > 0x7F) return Utf8.GetByteCount(p, n);
                }
                return n;
            }
        }

        /// <summary>Writes s as UTF-8 to dst (exactly count bytes, from ByteCount).</summary>
        internal static void Encode(string s, byte* dst, int count)
        {
            if (s == null || count == 0) return;
            fixed (char* p = s)
            {
                int n = s.Length;
                if (count == n)
                {
                    for (int i = 0; i < n; i++) dst[i] = (byte)p[i];
                }
                else
                {
                    Utf8.GetBytes(p, n, dst, count);
                }
            }
        }

        /// <summary>NUL-terminated UTF-8 bytes of s, or null for null.</summary>
        /// <exception cref="ArgumentException">s holds a NUL, which would silently cut it short.</exception>
        internal static byte[] ToCString(string s, string name)
        {
            if (s == null) return null;
            if (s.IndexOf('\0') >= 0) throw new ArgumentException("must not contain a NUL character", name);
            int n = ByteCount(s);
            byte[] b = new byte[n + 1];
            fixed (byte* d = b) Encode(s, d, n);
            return b;
        }

        internal static string Decode(byte* src, int len)
        {
            if (len <= 0) return string.Empty;
            if (len <= StackChars)
            {
                char* c = stackalloc char[len];
                for (int i = 0; i < len; i++)
                {
                    byte b = src[i];
                    if (b > 0x7F) return Utf8.GetString(src, len);
                    c[i] = (char)b;
                }
                return new string(c, 0, len);
            }
            return Utf8.GetString(src, len);
        }

        internal static string FromCString(IntPtr p)
        {
            if (p == IntPtr.Zero) return null;
            byte* b = (byte*)p;
            int n = 0;
            while (b[n] != 0) n++;
            return Decode(b, n);
        }
    }
}

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
                int n = s.Length, i = 0;
                for (; i + 4 <= n; i += 4)
                {
                    if ((*(ulong*)(p + i) & 0xFF80FF80FF80FF80UL) != 0) return Utf8.GetByteCount(p, n);
                }
                for (; i < n; i++)
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
            if (count == s.Length && TryEncodeAscii(s, dst)) return;
            fixed (char* p = s) Utf8.GetBytes(p, s.Length, dst, count);
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
            // ASCII, 4 bytes at a time, straight into a fresh string (it is not visible to
            // anyone else yet); anything else is UTF-8.
            string s = new string('\0', len);
            fixed (char* d = s)
            {
                int i = 0;
                for (; i + 4 <= len; i += 4)
                {
                    uint v = *(uint*)(src + i);
                    if ((v & 0x80808080u) != 0) return Utf8.GetString(src, len);
                    *(ulong*)(d + i) = (v & 0xFFu) | ((ulong)(v & 0xFF00u) << 8) | ((ulong)(v & 0xFF0000u) << 16) | ((ulong)(v >> 24) << 48);
                }
                for (; i < len; i++)
                {
                    byte b = src[i];
                    if (b > 0x7F) return Utf8.GetString(src, len);
                    d[i] = (char)b;
                }
            }
            return s;
        }

        /// <summary>Writes s to dst if it is all ASCII (s.Length bytes) and returns true; false
        /// (dst partly written) otherwise. 4 chars at a time.</summary>
        internal static bool TryEncodeAscii(string s, byte* dst)
        {
            if (s == null) return true;
            fixed (char* p = s)
            {
                int n = s.Length, i = 0;
                for (; i + 4 <= n; i += 4)
                {
                    ulong v = *(ulong*)(p + i);
                    if ((v & 0xFF80FF80FF80FF80UL) != 0) return false;
                    *(uint*)(dst + i) = (uint)(v & 0xFF) | (uint)((v >> 8) & 0xFF00) | (uint)((v >> 16) & 0xFF0000) | (uint)((v >> 24) & 0xFF000000);
                }
                for (; i < n; i++)
                {
                    char c = p[i];
                    if (c > 0x7F) return false;
                    dst[i] = (byte)c;
                }
            }
            return true;
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

    /// <summary>Unix epoch milliseconds, as the C ABI counts time.</summary>
    internal static class UnixTime
    {
        private static readonly long EpochTicks = new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
        private static readonly long MaxMs = (DateTime.MaxValue.Ticks - EpochTicks) / TimeSpan.TicksPerMillisecond;
        private static readonly long MinMs = -(EpochTicks / TimeSpan.TicksPerMillisecond);

        /// <summary>Unix epoch ms of t (Local is converted; Unspecified is taken as UTC).</summary>
        internal static long ToMs(DateTime t)
        {
            if (t.Kind == DateTimeKind.Local) t = t.ToUniversalTime();
            return (t.Ticks - EpochTicks) / TimeSpan.TicksPerMillisecond;
        }

        /// <summary>A UTC DateTime, clamped to DateTime's range.</summary>
        internal static DateTime FromMs(long ms)
        {
            if (ms >= MaxMs) return DateTime.SpecifyKind(DateTime.MaxValue, DateTimeKind.Utc);
            if (ms <= MinMs) return DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc);
            return new DateTime(EpochTicks + ms * TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
        }
    }
}

// Runs the compat checks: the API table, the user-shaped code of samples/ (compiled with only the
// namespace renamed), and the official sample program's shape against a local key service.
//   mono LibUid2.Compat.exe OFFICIAL_API_TSV DIFFERENCES_TSV     last line "N passed, N failed"
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using LibUid2.Tests;

namespace Compat
{
    internal static class Harness
    {
        private static int _passed, _failed;

        private static void Check(string name, Action check)
        {
            try
            {
                check();
                _passed++;
                Console.WriteLine("PASS " + name);
            }
            catch (Exception e)
            {
                _failed++;
                Exception inner = e is TargetInvocationException && e.InnerException != null ? e.InnerException : e;
                Console.WriteLine("FAIL " + name + ": " + (inner is AssertionException ? inner.Message : inner.ToString()));
            }
        }

        private static string Captured(Action run)
        {
            TextWriter stdout = Console.Out;
            var output = new StringWriter();
            Console.SetOut(output);
            try { run(); }
            finally { Console.SetOut(stdout); }
            return output.ToString();
        }

        private static int Count(string text, string what) { return Regex.Matches(text, Regex.Escape(what)).Count; }

        public static int Main(string[] args)
        {
            Check("ApiTable.OfficialApiIsOurs", () => ApiTable.OfficialApiIsOurs(args[0], args[1]));

            foreach (Type t in new[] { typeof(Acme.Bidding.UserCodeTests), typeof(Acme.Legacy.LegacyUsage) })
                foreach (MethodInfo m in t.GetMethods(BindingFlags.Public | BindingFlags.Static)
                             .Where(m => m.ReturnType == typeof(void) && m.GetParameters().Length == 0))
                    Check(t.Name + "." + m.Name, () => m.Invoke(null, null));

            Check("SampleApp against a key service", () =>
            {
                using (var sites = new Sharing())
                {
                    // A DSP that both bids and receives shared tokens, as the sample's single key assumes.
                    Participant dsp = sites.Service.Participant("dsp", new[] { "dsp" }, new[] { "bidder", "sharer" });
                    sites.Service.Grant(sites.Sender, dsp);
                    string token = sites.SenderToken();
                    int rc = 0;
                    string output = Captured(() => rc = SampleApp.Program.Main(new[] { sites.Service.Url, dsp.ApiKey, dsp.Secret, token, "example.com" }));
                    Assert.Equal(0, rc, "exit code; output:\n" + output);
                    Assert.True(!output.Contains("failed"), "nothing failed:\n" + output);
                    Assert.Equal(2, Count(output, "DecryptedSuccess=True Status=Success"), "bidstream and legacy decrypts:\n" + output);
                    Assert.Equal(2, Count(output, "\nUID=" + Sharing.RawUid + "\n"), "their UIDs:\n" + output);
                    Assert.Equal(3, Count(output, "DecryptSuccess=True Status=Success UID=" + Sharing.RawUid), "decrypts beside the refresh thread:\n" + output);
                    Assert.Equal(3, Count(output, "Refreshed, success=True"), "the refresh thread:\n" + output);
                    Assert.True(output.Contains("Round trip   : " + Sharing.RawUid), "sharing round trip:\n" + output);
                    Assert.True(output.Contains("Legacy round trip: " + Sharing.RawUid), "legacy round trip:\n" + output);
                    Assert.True(output.Contains("IsClientSideGenerated=False") && output.Contains("AdvertisingTokenVersion=4"), "fields:\n" + output);

                    string uid = Acme.Legacy.LegacyUsage.RefreshThenDecryptAsync(sites.Service.Url, sites.Receiver.ApiKey,
                        sites.Receiver.Secret, token).Result;
                    Assert.Equal(Sharing.RawUid, uid, "RefreshAsync awaited, then Decrypt");
                }
            });

            Console.WriteLine("{0} passed, {1} failed", _passed, _failed);
            return _failed == 0 && _passed > 0 ? 0 : 1;
        }
    }
}

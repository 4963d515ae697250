// A program that knows only the package: compiled against the unpacked .nupkg's
// lib/netstandard2.0/LibUid2.dll, run with that folder on MONO_PATH and no
// UID2_LIBRARY_PATH, so libuid2.so must come from the package's runtimes/.
//   mono Consumer.exe VECTORS_DIR      prints "consumer: OK ..." and exits 0
using System;
using System.IO;
using System.Linq;
using LibUid2;
using LibUid2.Tests;

internal static class Consumer
{
    private static int Fail(string why)
    {
        Console.WriteLine("consumer: FAIL " + why);
        return 1;
    }

    public static int Main(string[] args)
    {
        if (args.Length != 1) return Fail("usage: Consumer.exe VECTORS_DIR");
        string expected = Path.Combine(Path.Combine(Path.Combine("runtimes", "linux-x64"), "native"), "libuid2.so");
        string loaded = Uid2Library.LibraryPath;
        if (!loaded.EndsWith(expected, StringComparison.Ordinal)) return Fail("libuid2 loaded from " + loaded);

        int decrypted = 0, roundTrips = 0;
        foreach (string file in Directory.GetFiles(args[0], "*.json").OrderBy(f => f, StringComparer.Ordinal))
        {
            var root = Json.Obj(Json.Parse(File.ReadAllText(file)));
            if ((string)root["client"] != "sharing" || root["keys"] == null) continue;
            using (var client = new SharingClient(null, null, null))
            {
                RefreshResponse r = client.RefreshJson(Json.Write(root["keys"]));
                if (!r.Success) return Fail(file + ": RefreshJson: " + r.Reason);
                foreach (var c in Json.Arr(root["cases"]).Select(Json.Obj))
                {
                    var expect = Json.Obj(c["expect"]);
                    if ((string)c["op"] != "decrypt" || (string)expect["status"] != "SUCCESS") continue;
                    DateTime now = new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMilliseconds(Json.Long(c["now_ms"]));
                    DecryptionResponse d = client.DecryptTokenIntoRawUid((string)c["token"], now);
                    if (d.Uid != (string)expect["uid"]) return Fail(file + " " + c["name"] + ": " + d.Status);
                    decrypted++;
                    // Files without a default keyset cannot encrypt; the others must round-trip.
                    EncryptionDataResponse e = client.EncryptRawUidIntoToken(d.Uid, now);
                    if (!e.Success) continue;
                    if (client.DecryptTokenIntoRawUid(e.EncryptedData, now).Uid != d.Uid)
                        return Fail(file + " " + c["name"] + ": round trip");
                    roundTrips++;
                }
            }
        }
        if (decrypted == 0 || roundTrips == 0) return Fail("no successful sharing decrypt/encrypt case in " + args[0]);
        Console.WriteLine("consumer: OK libuid2 {0} from {1}; {2} tokens decrypted, {3} re-encrypted",
            Uid2Library.Version, loaded, decrypted, roundTrips);
        return 0;
    }
}

// The .nupkg: its layout, and a separate program built against its lib/ only
// that loads libuid2.so from its runtimes/ (built by build.sh consumer).
using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;

namespace LibUid2.Tests
{
    internal static class PackageTests
    {
        private static string Env(string name, string what)
        {
            string v = Environment.GetEnvironmentVariable(name);
            if (string.IsNullOrEmpty(v)) throw new AssertionException(name + " (" + what + ") is not set");
            return v;
        }

        [Test]
        public static void NupkgLayout()
        {
            string nupkg = Env("UID2_NUPKG", "the .nupkg built by build.sh nupkg");
            using (ZipArchive zip = ZipFile.OpenRead(nupkg))
            {
                var names = new HashSet<string>(zip.Entries.Select(e => e.FullName));
                foreach (string want in new[]
                {
                    "LibUid2.nuspec", "lib/netstandard2.0/LibUid2.dll", "lib/netstandard2.0/LibUid2.xml",
                    "runtimes/linux-x64/native/libuid2.so", "README.md", "LICENSE.txt", "[Content_Types].xml", "_rels/.rels",
                })
                {
                    Assert.True(names.Contains(want), "the package holds " + want + " (has: " + string.Join(", ", names) + ")");
                }
                string nuspec;
                using (var r = new StreamReader(zip.GetEntry("LibUid2.nuspec").Open())) nuspec = r.ReadToEnd();
                Assert.True(nuspec.Contains("<version>" + Uid2Library.Version + "</version>"),
                    "nuspec version is the library's " + Uid2Library.Version);
                var meta = System.Xml.Linq.XDocument.Parse(nuspec).Root.Elements().Single(e => e.Name.LocalName == "metadata");
                Func<string, System.Xml.Linq.XElement> field = name =>
                {
                    var e = meta.Elements().SingleOrDefault(x => x.Name.LocalName == name);
                    Assert.True(e != null, "the nuspec has <" + name + ">");
                    return e;
                };
                Assert.Equal("LibUid2", (string)field("id"), "package id");
                Assert.Equal(Uid2Library.Version, (string)field("version"), "package version");
                Assert.Equal("Apache-2.0", (string)field("license"), "license");
                Assert.Equal("expression", (string)field("license").Attribute("type"), "license is an SPDX expression");
                Assert.Equal("git", (string)field("repository").Attribute("type"), "repository type");
                Assert.Equal("https://github.com/libuid2/libuid2.git", (string)field("repository").Attribute("url"), "repository url");
                Assert.Equal("https://github.com/libuid2/libuid2", (string)field("projectUrl"), "project url");
                Assert.Equal("README.md", (string)field("readme"), "readme");
                foreach (string name in new[] { "authors", "description", "title" })
                    Assert.True(((string)field(name)).Trim().Length > 0, "nuspec " + name);
                Assert.True(((string)field("description")).Contains("UID2.Client"), "the description says what it replaces");
                Assert.True(Path.GetFileName(nupkg) == "LibUid2." + Uid2Library.Version + ".nupkg", "file name " + nupkg);
            }
        }

        /// <summary>The README's install steps (in the package) are well-formed and name this package and version.</summary>
        [Test]
        public static void ReadmeInstallStepsNameThisPackage()
        {
            string readme;
            using (ZipArchive zip = ZipFile.OpenRead(Env("UID2_NUPKG", "the .nupkg built by build.sh nupkg")))
            using (var r = new StreamReader(zip.GetEntry("README.md").Open())) readme = r.ReadToEnd();
            var blocks = System.Text.RegularExpressions.Regex.Matches(readme, "```xml\n(.*?)```", System.Text.RegularExpressions.RegexOptions.Singleline)
                .Cast<System.Text.RegularExpressions.Match>().Select(m => System.Xml.Linq.XDocument.Parse(m.Groups[1].Value)).ToList();
            var sources = blocks.SelectMany(d => d.Descendants("packageSources")).SelectMany(e => e.Elements("add")).ToList();
            Assert.True(sources.Count == 1 && !string.IsNullOrEmpty((string)sources[0].Attribute("value")), "a nuget.config with one local feed");
            var refs = blocks.SelectMany(d => d.Descendants("PackageReference")).ToList();
            Assert.True(refs.Count == 1, "one PackageReference");
            Assert.Equal("LibUid2", (string)refs[0].Attribute("Include"), "the package id");
            Assert.Equal(Uid2Library.Version, (string)refs[0].Attribute("Version"), "the package version");
            Assert.True(readme.Contains("dotnet add package LibUid2 --version " + Uid2Library.Version), "the dotnet add package line");
        }

        [Test]
        public static void ConsumerLoadsTheNativeLibraryFromThePackage()
        {
            string dir = Env("UID2_CONSUMER_DIR", "the folder build.sh consumer wrote");
            var env = new Dictionary<string, string>
            {
                { "MONO_PATH", Path.Combine(Path.Combine(Path.Combine(dir, "pkg"), "lib"), "netstandard2.0") },
                { "UID2_LIBRARY_PATH", "" },
                { "LD_LIBRARY_PATH", "" },
            };
            string output;
            int rc = Children.SpawnExe(Path.Combine(dir, "Consumer.exe"), Vectors.Dir, env, out output);
            Assert.Equal(0, rc, "consumer exit code (output: " + output + ")");
            Assert.True(output.Contains("consumer: OK"), "consumer output: " + output);
            Assert.True(output.Contains(Path.Combine(dir, "pkg")), "loaded from the package: " + output);
        }
    }
}

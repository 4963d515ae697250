// A minimal test runner (no NUnit needed): runs every [Test] method, prints one
// line per test and closes with "N passed, N failed". Exit code 1 on failure.
//   mono LibUid2.Tests.exe [substring ...]   run tests whose name contains any substring
//                                            (a substring after "!" excludes tests instead)
//   mono LibUid2.Tests.exe --child NAME      a child-process scenario (see Children)
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Reflection;

namespace LibUid2.Tests
{
    internal static class Runner
    {
        public static int Main(string[] args)
        {
            if (args.Length == 2 && args[0] == "--child") return Children.Run(args[1]);

            var tests = typeof(Runner).Assembly.GetTypes()
                .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance)
                    .Where(m => m.DeclaringType == t && m.GetCustomAttributes(typeof(TestAttribute), false).Length > 0))
                .OrderBy(m => m.DeclaringType.Name, StringComparer.Ordinal).ThenBy(m => m.MetadataToken)
                .Where(m => Selected(m.DeclaringType.Name + "." + m.Name, args))
                .ToList();

            int passed = 0, failed = 0;
            foreach (MethodInfo m in tests)
            {
                string name = m.DeclaringType.Name + "." + m.Name;
                var sw = Stopwatch.StartNew();
                try
                {
                    object target = m.IsStatic ? null : Activator.CreateInstance(m.DeclaringType, true);
                    try
                    {
                        m.Invoke(target, null);
                    }
                    finally
                    {
                        var d = target as IDisposable;
                        if (d != null) d.Dispose();
                    }
                    passed++;
                    Console.WriteLine("PASS {0} ({1} ms)", name, sw.ElapsedMilliseconds);
                }
                catch (Exception e)
                {
                    failed++;
                    Exception inner = e is TargetInvocationException && e.InnerException != null ? e.InnerException : e;
                    Console.WriteLine("FAIL {0} ({1} ms): {2}", name, sw.ElapsedMilliseconds,
                        inner is AssertionException ? inner.Message : inner.ToString());
                }
            }
            Console.WriteLine("{0} passed, {1} failed", passed, failed);
            return failed == 0 && passed > 0 ? 0 : 1;
        }

        private static bool Selected(string name, string[] args)
        {
            string[] include = args.Where(a => !a.StartsWith("!")).ToArray();
            return (include.Length == 0 || include.Any(name.Contains)) &&
                   !args.Where(a => a.StartsWith("!")).Any(a => name.Contains(a.Substring(1)));
        }
    }
}

// official-api.tsv (the official UID2.Client's public API) against this assembly by reflection:
// every official line must be present in LibUid2 with the same shape, but for the types of
// differences.tsv, which must be absent; extra enum members must not take an official number.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using LibUid2;
using LibUid2.Tests;

namespace Compat
{
    internal static class ApiTable
    {
        private const string Ns = "LibUid2";

        internal static List<string[]> Read(string path)
        {
            return File.ReadAllLines(path)
                .Where(l => l.Trim().Length > 0 && !l.StartsWith("#"))
                .Select(l => l.Split('\t'))
                .ToList();
        }

        private static readonly Dictionary<Type, string> Keywords = new Dictionary<Type, string>
        {
            { typeof(string), "string" }, { typeof(int), "int" }, { typeof(long), "long" }, { typeof(bool), "bool" },
            { typeof(byte), "byte" }, { typeof(void), "void" }, { typeof(object), "object" },
        };

        internal static string TypeName(Type t)
        {
            string k;
            if (Keywords.TryGetValue(t, out k)) return k;
            if (t.IsArray) return TypeName(t.GetElementType()) + "[]";
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Nullable<>)) return TypeName(t.GetGenericArguments()[0]) + "?";
            if (t.IsGenericType)
                return t.Name.Substring(0, t.Name.IndexOf('`')) + "<" + string.Join(", ", t.GetGenericArguments().Select(TypeName)) + ">";
            return t.Name;
        }

        private static string Param(ParameterInfo p)
        {
            string s = TypeName(p.ParameterType) + " " + p.Name;
            if (!p.IsOptional) return s;
            object d = p.DefaultValue;
            if (d == null || d == DBNull.Value || d is Missing)
                return s + (p.ParameterType.IsValueType && Nullable.GetUnderlyingType(p.ParameterType) == null ? " = default" : " = null");
            return s + " = " + (d is bool ? d.ToString().ToLowerInvariant() : d.ToString());
        }

        private static string Params(MethodBase m) { return "(" + string.Join(", ", m.GetParameters().Select(Param)) + ")"; }

        private static string Kind(Type t)
        {
            return t.IsEnum ? "enum" : t.IsInterface ? "interface" : t.IsValueType ? "struct" : "class";
        }

        /// <summary>This assembly's public API in the table's form, keyed by the type name after "LibUid2.".</summary>
        internal static HashSet<string> Ours()
        {
            var lines = new HashSet<string>();
            foreach (Type t in typeof(SharingClient).Assembly.GetExportedTypes())
            {
                if (t.Namespace == null || !(t.Namespace == Ns || t.Namespace.StartsWith(Ns + "."))) continue;
                string name = t.FullName.Substring(Ns.Length + 1).Replace('+', '.');
                lines.Add("type\t" + name + "\t" + Kind(t));
                if (t.IsEnum)
                {
                    foreach (string member in Enum.GetNames(t))
                        lines.Add("enum\t" + name + "\t" + member + " = " + Convert.ToInt64(Enum.Parse(t, member)));
                    continue;
                }
                const BindingFlags all = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.FlattenHierarchy;
                foreach (ConstructorInfo c in t.GetConstructors(BindingFlags.Public | BindingFlags.Instance))
                    lines.Add("ctor\t" + name + "\t" + Params(c));
                IEnumerable<MethodInfo> methods = t.IsInterface ? t.GetMethods() : t.GetMethods(all);
                foreach (MethodInfo m in methods.Where(m => !m.IsSpecialName && !m.DeclaringType.Namespace.StartsWith("System")))
                    lines.Add("method\t" + name + "\t" + (m.IsStatic ? "static " : "") + TypeName(m.ReturnType) + " " + m.Name + Params(m));
                IEnumerable<PropertyInfo> props = t.IsInterface ? t.GetProperties() : t.GetProperties(all);
                foreach (PropertyInfo p in props)
                {
                    bool isStatic = p.GetGetMethod().IsStatic;
                    lines.Add("property\t" + name + "\t" + (isStatic ? "static " : "") + TypeName(p.PropertyType) + " " + p.Name);
                }
            }
            return lines;
        }

        internal static void OfficialApiIsOurs(string officialPath, string differencesPath)
        {
            List<string[]> official = Read(officialPath);
            var absent = new HashSet<string>(Read(differencesPath).Select(f => f[0]));
            HashSet<string> ours = Ours();
            var missing = new List<string>();
            foreach (string[] f in official)
            {
                if (f.Length != 3) throw new AssertionException("official-api.tsv: not three fields: " + string.Join("|", f));
                if (absent.Contains(f[1])) continue;
                string line = string.Join("\t", f);
                if (!ours.Contains(line)) missing.Add(line.Replace('\t', ' '));
            }
            Assert.True(missing.Count == 0, "official API that LibUid2 lacks or has in another shape:\n  " + string.Join("\n  ", missing));

            foreach (string type in absent)
            {
                Assert.True(official.Any(f => f[1] == type), "differences.tsv names " + type + ", which official-api.tsv does not list");
                Assert.True(!ours.Contains("type\t" + type + "\t" + official.First(f => f[1] == type && f[0] == "type")[2]),
                    "differences.tsv says " + type + " is absent, but LibUid2 has it: take it out of the list");
            }

            // An extra member of ours must not reuse an official member's number.
            foreach (var byType in official.Where(f => f[0] == "enum").GroupBy(f => f[1]))
            {
                var numbers = byType.ToDictionary(f => f[2].Split('=')[1].Trim(), f => f[2].Split('=')[0].Trim());
                foreach (string line in ours.Where(l => l.StartsWith("enum\t" + byType.Key + "\t")))
                {
                    string[] kv = line.Split('\t')[2].Split('=');
                    string officialName;
                    if (numbers.TryGetValue(kv[1].Trim(), out officialName))
                        Assert.Equal(officialName, kv[0].Trim(), byType.Key + " = " + kv[1].Trim());
                }
            }
            Console.WriteLine("    {0} official API lines checked, {1} types listed as differences", official.Count, absent.Count);
        }
    }
}

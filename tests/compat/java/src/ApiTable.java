package io.libuid2.compat;

import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * The public API of one package, one row per fact, read by reflection: its public types (kind and
 * modifiers), their public constructors, methods and fields, and each enum's constants with their
 * ordinals (members inherited from another public type are that type's rows; those of Object and Enum
 * are left out). Types of the package are written by simple name, so the tables of two packages compare
 * directly (com.uid2.client vs io.libuid2).
 *
 * <p>Run as a program it prints the table: {@code ApiTable JAR PACKAGE} (with the jar and its dependencies
 * on the class path); {@code official-api.tsv} was written so from the official uid2-client 4.8.0 jar.
 */
public final class ApiTable {
    private ApiTable() {}

    public static void main(String[] args) throws Exception {
        for (String row : of(args[0], args[1])) System.out.println(row);
    }

    /** The sorted rows of the public API of package pkg in the jar at jarPath (loaded from the class path). */
    public static List<String> of(String jarPath, String pkg) throws Exception {
        List<String> rows = new ArrayList<>();
        String prefix = pkg.replace('.', '/') + "/";
        try (JarFile jar = new JarFile(jarPath)) {
            for (JarEntry e : Collections.list(jar.entries())) {
                String n = e.getName();
                if (!n.startsWith(prefix) || !n.endsWith(".class") || n.substring(prefix.length()).contains("/")) continue;
                Class<?> c = Class.forName(n.substring(0, n.length() - 6).replace('/', '.'), false,
                        ApiTable.class.getClassLoader());
                if (isPublic(c)) rows.addAll(rows(c, pkg));
            }
        }
        List<String> unique = new ArrayList<>(new java.util.TreeSet<>(rows));
        return unique;
    }

    private static boolean isPublic(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getDeclaringClass()) {
            if (!Modifier.isPublic(k.getModifiers())) return false;
        }
        return !c.isSynthetic() && !c.isAnonymousClass();
    }

    private static List<String> rows(Class<?> c, String pkg) {
        List<String> rows = new ArrayList<>();
        String t = name(c, pkg);
        String kind = c.isEnum() ? "enum" : c.isInterface() ? "interface" : "class";
        String mods = "";
        if (!c.isEnum() && !c.isInterface()) {
            if (Modifier.isFinal(c.getModifiers())) mods += " final";
            if (Modifier.isAbstract(c.getModifiers())) mods += " abstract";
        }
        Class<?> superclass = c.getSuperclass();
        String sup = superclass == null || c.isEnum() || superclass == Object.class || !isPublic(superclass) ? ""
                : " extends " + name(superclass, pkg);
        rows.add(t + "\ttype\t" + kind + mods + sup + deprecated(c));
        if (c.isEnum()) {
            Object[] constants = c.getEnumConstants();
            for (Object k : constants) rows.add(t + "\tconstant\t" + ((Enum<?>) k).ordinal() + " " + ((Enum<?>) k).name());
        }
        for (Constructor<?> k : c.getDeclaredConstructors()) {
            if (Modifier.isPublic(k.getModifiers()) && !k.isSynthetic()) {
                rows.add(t + "\tconstructor\t" + signature(k, t, pkg) + deprecated(k));
            }
        }
        // Public methods, also those inherited from a superclass that is not public (which users cannot
        // name, so they see the methods as the type's own).
        for (Method m : c.getMethods()) {
            Class<?> owner = m.getDeclaringClass();
            if (owner == Object.class || owner == Enum.class || (owner != c && isPublic(owner)) || (m.isSynthetic() && !m.isBridge())) continue;
            String s = (Modifier.isStatic(m.getModifiers()) ? "static " : "") + (m.isDefault() ? "default " : "")
                    + name(m.getGenericReturnType(), pkg) + " " + signature(m, m.getName(), pkg);
            rows.add(t + "\tmethod\t" + s + deprecated(m));
        }
        for (Field f : c.getDeclaredFields()) {
            if (!Modifier.isPublic(f.getModifiers()) || f.isSynthetic() || f.isEnumConstant()) continue;
            rows.add(t + "\tfield\t" + (Modifier.isStatic(f.getModifiers()) ? "static " : "")
                    + (Modifier.isFinal(f.getModifiers()) ? "final " : "") + name(f.getGenericType(), pkg) + " " + f.getName());
        }
        return rows;
    }

    /** Deprecation warns users who compile with -Werror: it is part of the API. */
    private static String deprecated(java.lang.reflect.AnnotatedElement e) {
        return e.isAnnotationPresent(Deprecated.class) ? " @Deprecated" : "";
    }

    private static String signature(Executable e, String name, String pkg) {
        StringBuilder s = new StringBuilder(name).append('(');
        Type[] params = e.getGenericParameterTypes();
        for (int i = 0; i < params.length; i++) s.append(i > 0 ? ", " : "").append(name(params[i], pkg));
        s.append(')');
        List<String> thrown = new ArrayList<>();
        for (Class<?> x : e.getExceptionTypes()) thrown.add(name(x, pkg));
        Collections.sort(thrown);
        if (!thrown.isEmpty()) s.append(" throws ").append(String.join(", ", thrown));
        return s.toString();
    }

    private static String name(Type type, String pkg) {
        String s = type instanceof Class ? ((Class<?>) type).getTypeName() : type.getTypeName();
        return s.replace(pkg + ".", "");
    }
}

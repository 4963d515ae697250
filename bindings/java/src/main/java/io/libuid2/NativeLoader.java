package io.libuid2;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;

/**
 * Loads {@code libuid2.so} and the JNI shim {@code libuid2jni.so}, once per class loader.
 *
 * <p>Lookup order (as the README's): the library from the {@code uid2.library.path} system property or
 * the {@code UID2_LIBRARY_PATH} environment variable (the full path of the .so) when set; else, when
 * {@code libuid2jni.so} is in {@code java.library.path}, the shim from there and the library
 * ({@code libuid2.so} or {@code libuid2.so.1}) from there too, else from the system loader through the
 * shim's {@code DT_NEEDED}; else the copies in this jar; else {@code System.loadLibrary("uid2jni")}.
 *
 * <p>Files from the jar are extracted once to a new private ({@code rwx------}) temporary directory,
 * loaded, and deleted right away (a loaded library stays mapped), so nothing is left behind. They are
 * stored under {@code io/libuid2/native/<os>-<arch>/}; the library is extracted under its SONAME,
 * {@code libuid2.so.1}, beside the shim, whose RUNPATH is {@code $ORIGIN}.
 *
 * <p>Note: the Go runtime inside the library must exist once per process. Load this binding from one
 * class loader only (the usual case); a second class loader would extract and start a second copy.
 */
final class NativeLoader {
    private NativeLoader() {}

    static final String LIB = "libuid2.so";
    static final String LIB_SONAME = "libuid2.so.1";
    static final String SHIM = "libuid2jni.so";

    /** Where the library and the shim were loaded from (for diagnostics and tests). */
    static volatile String loadedFrom = "";

    static synchronized void load() {
        String explicit = System.getProperty("uid2.library.path");
        if (explicit == null || explicit.isEmpty()) explicit = System.getenv("UID2_LIBRARY_PATH");
        String platform = platform();
        String resDir = "/io/libuid2/native/" + platform + "/";
        boolean inJar = NativeLoader.class.getResource(resDir + SHIM) != null;
        File shimOnPath = findOnLibraryPath(SHIM);

        StringBuilder from = new StringBuilder();
        if (explicit != null && !explicit.isEmpty()) {
            System.load(new File(explicit).getAbsolutePath());
            from.append("library=").append(explicit);
        }
        if (shimOnPath != null) {
            if (from.length() == 0) {
                File lib = findOnLibraryPath(LIB);
                if (lib == null) lib = findOnLibraryPath(LIB_SONAME);
                if (lib != null) {
                    System.load(lib.getAbsolutePath());
                    from.append("library=").append(lib);
                } else {
                    from.append("library=system loader");
                }
            }
            System.load(shimOnPath.getAbsolutePath());
            from.append(" shim=").append(shimOnPath);
        } else if (inJar) {
            Path dir = null;
            try {
                dir = Files.createTempDirectory("libuid2-",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                if (from.length() == 0) {
                    if (NativeLoader.class.getResource(resDir + LIB) == null) {
                        throw new UnsatisfiedLinkError("libuid2: the jar has " + resDir + SHIM + " but not " + LIB);
                    }
                    Path lib = extract(resDir + LIB, dir.resolve(LIB_SONAME));
                    System.load(lib.toString());
                    from.append("library=jar:").append(platform);
                }
                Path shim = extract(resDir + SHIM, dir.resolve(SHIM));
                System.load(shim.toString());
                from.append(" shim=jar:").append(platform);
            } catch (IOException e) {
                UnsatisfiedLinkError err = new UnsatisfiedLinkError("libuid2: cannot extract the native library: " + e);
                err.initCause(e);
                throw err;
            } finally {
                if (dir != null) deleteTree(dir);
            }
        } else {
            if (from.length() == 0) {
                File lib = findOnLibraryPath(LIB);
                if (lib != null) {
                    System.load(lib.getAbsolutePath());
                    from.append("library=").append(lib);
                }
            }
            try {
                System.loadLibrary("uid2jni");
            } catch (UnsatisfiedLinkError e) {
                UnsatisfiedLinkError err = new UnsatisfiedLinkError("libuid2: no native library for platform "
                        + platform + " in this jar, and " + SHIM + " is not in java.library.path ("
                        + System.getProperty("java.library.path") + "); set UID2_LIBRARY_PATH and "
                        + "java.library.path, or use a jar built for this platform: " + e.getMessage());
                err.initCause(e);
                throw err;
            }
            from.append(" shim=java.library.path");
        }
        loadedFrom = from.toString().trim();

        int abi = Native.abiVersion();
        int major = abi >>> 16, minor = abi & 0xffff;
        if (major != Native.ABI_MAJOR || minor < Native.ABI_MINOR) {
            throw new UnsatisfiedLinkError("libuid2: the loaded library has ABI " + major + "." + minor
                    + ", this binding needs " + Native.ABI_MAJOR + "." + Native.ABI_MINOR + " or a later "
                    + Native.ABI_MAJOR + ".x (" + loadedFrom + ")");
        }
    }

    /** linux-x86_64, linux-aarch64, ... (the folder name inside the jar). */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (os.startsWith("linux")) os = "linux";
        else if (os.startsWith("mac") || os.startsWith("darwin")) os = "darwin";
        else if (os.startsWith("windows")) os = "windows";
        if (arch.equals("amd64") || arch.equals("x86_64")) arch = "x86_64";
        else if (arch.equals("arm64") || arch.equals("aarch64")) arch = "aarch64";
        return os + "-" + arch;
    }

    private static File findOnLibraryPath(String name) {
        String p = System.getProperty("java.library.path", "");
        for (String dir : p.split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            File f = new File(dir, name);
            if (f.isFile()) return f;
        }
        return null;
    }

    private static Path extract(String resource, Path to) throws IOException {
        try (InputStream in = NativeLoader.class.getResourceAsStream(resource)) {
            if (in == null) throw new IOException("missing resource " + resource);
            Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
        }
        return to;
    }

    private static void deleteTree(Path dir) {
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            s.forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // best effort; the directory is private to this process
        }
        dir.toFile().delete();
    }
}
